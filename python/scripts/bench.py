"""The Python SDK's figures (npm run bench prints them through scripts/bench/python.ts; or run
`python3 python/scripts/bench.py` from the repository with node_modules installed).

Warm get_prompt and get + format against the floor (a dict lookup plus a precompiled Jinja2 render of the same
template, no sandbox or budget), and side by side with langsmith's Python client pulling the same template from a
loopback stub of its API with its prompt cache on. The registry is written by this repository's CLI and served
over loopback HTTP."""

from __future__ import annotations

import json
import logging
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jinja2

from promptsync import PromptManager

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = (
    "You are the support assistant of {{company}}, answering {{customer}} in a {{tone}} tone about order {{order}}.\n"
    + "Follow the company's policies carefully, cite the relevant article, and never promise refunds you cannot grant. " * 8
    + "\nThe customer's tier is {{tier}}. Answer the question and stop."
)
VALUES = {"company": "Acme", "customer": "John", "tone": "friendly", "order": "A-1", "tier": "gold"}
SEED_TAGS = {"locale": "en", "tone": "formal"}
SEED_VALUES = {"company_name": "Acme", "customer_name": "John", "issue": "password reset"}


def measure(fn: Callable[[], object], iterations: int = 50_000) -> tuple[float, float]:
    """p50 and p99 in microseconds; the best of three runs by p50 (a shared machine is noisy)."""
    runs = []
    clock = time.perf_counter_ns
    for _ in range(3):
        for _ in range(min(2000, iterations)):
            fn()
        samples = []
        for _ in range(iterations):
            start = clock()
            fn()
            samples.append(clock() - start)
        samples.sort()
        runs.append((samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.99)] / 1000))
    return min(runs)


def report(name: str, figures: tuple[float, float]) -> None:
    print(f"  {name:<74} p50 {figures[0]:8.2f} µs   p99 {figures[1]:8.2f} µs")


def build_registry(work: Path) -> Path:
    prompts = work / "prompts"
    shutil.copytree(REPO / "examples" / "prompts", prompts)
    (prompts / "peer.txt").write_text(TEMPLATE + "\n")
    node = REPO / "node_modules" / ".bin" / "node"
    registry = work / "registry"
    cli = [str(node if node.exists() else "node"), str(REPO / "cli" / "main.ts")]
    common = ["--registry", f"file://{registry}", "--project", "bench"]
    subprocess.run([*cli, "push", "--path", str(prompts), "--alias", "production", *common], cwd=work, check=True, capture_output=True)
    return registry


class Stub:
    """The registry over loopback HTTP, and a stub of LangSmith's prompt API serving the same template."""

    def __init__(self, registry: Path) -> None:
        self.langsmith = 0
        manifest = {
            "lc": 1,
            "type": "constructor",
            "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
            "kwargs": {"template": TEMPLATE, "input_variables": list(VALUES), "template_format": "jinja2"},
        }
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.startswith("/commits/"):
                    stub.langsmith += 1
                    self.answer(json.dumps({"commit_hash": "0123456789ab", "manifest": manifest, "examples": []}).encode())
                    return
                path = registry / self.path.lstrip("/").split("?")[0]
                if not path.is_file():
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.answer(path.read_bytes())

            def answer(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"


def main() -> None:
    print("Python SDK (python/, Python " + ".".join(map(str, __import__("sys").version_info[:3])) + f", Jinja2 {jinja2.__version__})")
    work = Path(tempfile.mkdtemp(prefix="promptsync-pybench-"))
    try:
        registry = build_registry(work)
        stub = Stub(registry)
        pm = PromptManager(registry=stub.url, project="bench", refresh_interval=300)
        pm.get_prompt("customer_support", tags=SEED_TAGS).format(**SEED_VALUES)
        pm.get_prompt("peer").format(**VALUES)
        get_seed = measure(lambda: pm.get_prompt("customer_support", tags=SEED_TAGS))
        report("warm get_prompt with tags (seed prompt)", get_seed)
        report(
            "warm get_prompt with tags + format (seed prompt, 3 variables)",
            measure(lambda: pm.get_prompt("customer_support", tags=SEED_TAGS).format(**SEED_VALUES)),
        )
        get_peer = measure(lambda: pm.get_prompt("peer"))
        report("warm get_prompt, ~1 KB template", get_peer)
        ours = measure(lambda: pm.get_prompt("peer").format(**VALUES))
        report("warm get_prompt + format, ~1 KB template, 5 variables (sandbox + budget)", ours)
        floor_templates = {"peer": jinja2.Environment(autoescape=False).from_string(TEMPLATE)}
        floor = measure(lambda: floor_templates["peer"].render(**VALUES))
        report("floor: dict lookup + precompiled Jinja2 render (plain Environment)", floor)
        print(f"  get + format / floor: {ours[0] / floor[0]:.2f}× (p50)")
        template = floor_templates["peer"]

        def tight() -> str:
            return "".join(template.root_render_func(template.new_context(dict(VALUES), shared=True)))

        tight_floor = measure(tight)
        report("tighter floor: the same without Template.render's globals merge (shared context)", tight_floor)
        print(f"  get + format / tighter floor: {ours[0] / tight_floor[0]:.2f}× (p50): the guard, the budget and the get")

        cold = []
        for _ in range(5):
            started = time.perf_counter()
            fresh = PromptManager(registry=stub.url, project="bench", refresh_interval=0)
            fresh.get_prompt("peer")
            cold.append((time.perf_counter() - started) * 1000)
            fresh.close()
        print(f"  cold start over loopback HTTP (new PromptManager, first get_prompt), median of 5: {statistics.median(cold):.1f} ms")

        try:
            from langsmith import Client, configure_global_prompt_cache
        except ImportError:
            print("  langsmith is not installed (pip install langsmith): peer figures skipped")
        else:
            os.environ.setdefault("LANGSMITH_TRACING", "false")
            logging.getLogger("langsmith").setLevel(logging.CRITICAL)
            configure_global_prompt_cache(max_size=2000, ttl_seconds=300, refresh_interval_seconds=60)
            client = Client(api_url=stub.url.rstrip("/"), api_key="ls-bench")
            client.pull_prompt_commit("p0")
            theirs = measure(lambda: client.pull_prompt_commit("p0"))
            report(f"same template: langsmith {__import__('langsmith').__version__} pull_prompt_commit (cache on)", theirs)
            print(f"  PromptSync warm get_prompt / langsmith pull_prompt_commit: {get_peer[0] / theirs[0]:.2f}× (p50; below 1 is faster)")
            print(
                f"  (langsmith renders through langchain_core, which is not installed: its time is the cached pull alone; {stub.langsmith} API requests)"
            )
        pm.close()
        stub.server.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
