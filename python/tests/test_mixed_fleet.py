"""The mixed-fleet acceptance test of issue 20: a TypeScript app on the old commit and a Python app on the new one,
a canary running, both sending telemetry through the folder sink; the CLI's analytics, status and dashboard see
both exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from promptsync import PromptManager

from .conftest import REPO
from .test_s3 import ENDPOINT, REGION, aws_env
from .test_telemetry import Expected

NODE = str(REPO / "node_modules" / ".bin" / "node")
IDENTITY = ["-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false"]

TS_APP = """
import { PromptManager } from %(sdk)s;
const [registry, telemetry, commit, calls, seed] = process.argv.slice(2);
const pm = new PromptManager({ registry, project: "shop", appCommit: commit, clientId: "ts-app", telemetry: { ...JSON.parse(telemetry), flushInterval: 0 } });
const log = [];
for (let i = 0; i < Number(calls); i++) {
  const n = i * 7919 + Number(seed) * 104729;
  const prompt = await pm.getPrompt("greet", { canaryKey: `user-${seed}-${i}`, tags: n %% 3 === 0 ? { locale: "fr" } : {} });
  const entry = { version: prompt.version, variant: prompt.variant ?? null, canary: prompt.canary, report: null };
  if (i %% 4 !== 3) {
    entry.report = { success: n %% 10 !== 0, latency: 50 + ((n * 31) %% 900) };
    pm.reportMetrics({ prompt, metrics: { success: entry.report.success, latency_ms: entry.report.latency } });
  }
  log.push(entry);
}
await pm.close();
console.log(JSON.stringify({ log, stats: pm.telemetryStats() }));
"""


EXTRA_ENV: dict[str, str] = {}


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTSYNC_")}
    return subprocess.run(list(args), cwd=cwd, env={**env, "NO_COLOR": "1", **EXTRA_ENV}, capture_output=True, text=True, timeout=180)


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(cwd, NODE, str(REPO / "cli" / "main.ts"), *args)


def commit_all(cwd: Path, message: str) -> str:
    run(cwd, "git", *IDENTITY, "add", "-A")
    assert run(cwd, "git", *IDENTITY, "commit", "-q", "-m", message).returncode == 0
    return run(cwd, "git", "rev-parse", "HEAD").stdout.strip()


def two_commit_app(tmp_path: Path, registry: str | None = None) -> tuple[Path, str, str, str]:
    """production on v0.1.0 (greet reads name) and a canary of v0.1.1 (greet also requires order_id) on 30% of keys."""
    app = tmp_path / "app"
    (app / "prompts").mkdir(parents=True)
    (app / "promptsync.config.yaml").write_text("project: shop\n" + (f"registry: {registry}\n" if registry else ""), "utf-8")
    (app / "prompts/greet.yaml").write_text("content: Hello {{ name }}\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}\n", "utf-8")
    run(app, "git", "init", "-q", "-b", "main")
    old = commit_all(app, "Initial prompts")
    assert cli(app, "push", "--alias", "production", "--json").returncode == 0
    (app / "prompts/greet.yaml").write_text(
        "content: Hello {{ name }}, about {{ order_id }}\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}, {{ order_id }}\n",
        "utf-8",
    )
    new = commit_all(app, "greet mentions the order")
    assert cli(app, "push", "--json").returncode == 0
    out = cli(app, "canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "30", "--json")
    assert out.returncode == 0, out.stderr
    return app, registry or str(app / ".promptsync" / "registry"), old, new


def python_traffic(pm: PromptManager, calls: int, seed: int) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = []
    for i in range(calls):
        n = i * 7919 + seed * 104729
        prompt = pm.get_prompt("greet", version_or_alias="production", canary_key=f"user-{seed}-{i}", tags={"locale": "fr"} if n % 3 == 0 else {})
        entry: dict[str, Any] = {"version": prompt.version, "variant": prompt.variant, "canary": prompt.canary, "report": None}
        if i % 4 != 3:
            entry["report"] = {"success": n % 10 != 0, "latency": 50 + (n * 31) % 900}
            pm.report_metrics(prompt_id=prompt.id, metrics={"success": entry["report"]["success"], "latency_ms": entry["report"]["latency"]})
        log.append(entry)
    return log


def mixed_fleet(app: Path, old: str, new: str, ts_registry: str, ts_telemetry: dict[str, Any], py_registry: str, py_telemetry: dict[str, Any]) -> None:
    script = app / "ts-app.mts"
    script.write_text(TS_APP % {"sdk": json.dumps(str(REPO / "sdk" / "index.ts"))}, "utf-8")
    ts = run(app, NODE, str(script), ts_registry, json.dumps(ts_telemetry), old, "300", "1")
    assert ts.returncode == 0, ts.stderr
    ts_result = json.loads(ts.stdout)
    assert ts_result["stats"]["buffered"] == 0 and ts_result["stats"]["failedFlushes"] == 0, ts_result["stats"]

    with PromptManager(
        registry=py_registry, project="shop", app_commit=new, client_id="py-app", refresh_interval=0, telemetry={**py_telemetry, "flush_interval": 0}
    ) as pm:
        py_log = python_traffic(pm, 340, 2)
    stats = pm.telemetry_stats()
    assert stats is not None and (stats.buffered, stats.dropped, stats.failed_flushes) == (0, 0, 0), stats

    expected = Expected()
    for entry in [*ts_result["log"], *py_log]:
        group = expected.group(entry["version"], entry["variant"], entry["canary"])
        group["calls"] += 1
        if entry["report"] is not None:
            group["reports"] += 1
            group["successes" if entry["report"]["success"] else "failures"] += 1
            group["latencies"].append(entry["report"]["latency"])
    assert any(c for _, _, c in expected.groups) and any(not c for _, _, c in expected.groups)

    build = cli(app, "analytics", "build", "--json")
    assert build.returncode == 0, build.stderr
    assert json.loads(build.stdout)["objects"] == 2
    table = cli(app, "analytics", "greet", "--json")
    assert json.loads(table.stdout)["rows"] == expected.rows()

    status = cli(app, "status", "--json")
    clients = {c["client"]: c for c in json.loads(status.stdout)["clients"]}
    assert {name: (c["commit"], c["status"]) for name, c in clients.items()} == {
        "ts-app": (old, "incompatible"),
        "py-app": (new, "warning"),
    }
    assert clients["py-app"]["sdk"] == "0.2.0"

    site = app.parent / "site"
    built = cli(app, "site", "build", "--out", str(site), "--json")
    assert built.returncode == 0, built.stderr
    pages = {p.relative_to(site).as_posix(): p.read_text("utf-8") for p in site.rglob("*.html")}
    analytics = [text for path, text in pages.items() if path.startswith("analytics/")]
    assert analytics, sorted(pages)
    calls = sum(g["calls"] for g in expected.groups.values())
    assert any(f"{calls:,}" in text or str(calls) in text for text in analytics)
    assert any("ts-app" in text and "py-app" in text for text in pages.values())


def test_a_typescript_and_a_python_app_on_different_commits_during_a_canary(tmp_path: Path) -> None:
    app, registry, old, new = two_commit_app(tmp_path)
    folder = {"sink": "folder", "dir": registry}
    mixed_fleet(app, old, new, registry, folder, registry, folder)


def test_the_same_fleet_through_ceph_rgw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The TypeScript app reads the bucket's public URL and writes to the bucket; the Python app reads and writes
    s3:// through boto3."""
    if ENDPOINT is None:
        pytest.skip('no S3 server: eval "$(scripts/s3-server.sh start)" and set PROMPTSYNC_TEST_S3_*')
    env = aws_env()
    monkeypatch.setattr(sys.modules[__name__], "EXTRA_ENV", env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    registry = f"s3://ps-fleet-{uuid.uuid4().hex[:8]}/registry"
    init = cli(tmp_path, "init", "--public-read", "--registry", registry)
    assert init.returncode == 0, init.stderr
    app, _, old, new = two_commit_app(tmp_path, registry)
    public = f"{ENDPOINT}/{registry[len('s3://'):]}"
    mixed_fleet(app, old, new, public, {"registry": registry, "s3": {"endpoint": ENDPOINT, "region": REGION}}, registry, {})
