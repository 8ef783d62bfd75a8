"""Telemetry: the TypeScript event formats and guarantees (docs/telemetry.md), read by the CLI's analytics."""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from promptsync import ConfigError, PromptManager, UsageError, __version__

from .conftest import CONFORMANCE, REPO

SCHEMA = Draft7Validator(json.loads((REPO / "schemas" / "telemetry-event.schema.json").read_text("utf-8")))
CANARY = json.loads((CONFORMANCE / "canary-expected.json").read_text("utf-8"))
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def manager(registry: Path | str, **options: Any) -> PromptManager:
    return PromptManager(registry=str(registry), project="conformance", refresh_interval=0, **options)


def events_in(folder: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for batch in sorted(folder.glob("telemetry/conformance/events/dt=*/hour=*/*.ndjson.gz")):
        events.extend(json.loads(line) for line in gzip.decompress(batch.read_bytes()).decode("utf-8").splitlines())
    return events


class Expected:
    """What analytics should say, computed from what was sent (test/helpers/telemetry.ts's Expected)."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str, bool], dict[str, Any]] = {}

    def group(self, version: str, variant: str | None, canary: bool) -> dict[str, Any]:
        return self.groups.setdefault(
            (version, variant or "-", canary), {"calls": 0, "reports": 0, "successes": 0, "failures": 0, "latencies": []}
        )

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for (version, variant, canary), g in sorted(self.groups.items(), key=lambda item: f"{item[0][0]}|{item[0][1]}|production|{str(item[0][2]).lower()}"):
            ordered = sorted(g["latencies"])

            def rank(p: int, ordered: list[int] = ordered) -> int | None:
                return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1] if ordered else None

            decided = g["successes"] + g["failures"]
            rows.append(
                {
                    "version": version,
                    "variant": None if variant == "-" else variant,
                    "alias": "production",
                    "canary": canary,
                    "calls": g["calls"],
                    "reports": g["reports"],
                    "successes": g["successes"],
                    "failures": g["failures"],
                    "successRate": g["successes"] / decided if decided else None,
                    "p50": rank(50),
                    "p95": rank(95),
                    "p99": rank(99),
                }
            )
        return rows


def send_traffic(pm: PromptManager, calls: int, expected: Expected, seed: int) -> None:
    """Deterministic traffic: each call's canary key, outcome and latency come from its index."""
    for i in range(calls):
        n = i * 7919 + seed * 104729
        prompt = pm.get_prompt("greeting", version_or_alias="production", canary_key=f"user-{seed}-{i}")
        expected.group(prompt.version, prompt.variant, prompt.canary)["calls"] += 1
        if i % 4 == 3:
            continue
        success = n % 10 != 0
        latency = 50 + (n * 31) % 900
        if i % 2:
            pm.report_metrics(prompt=prompt, metrics={"success": success, "latency_ms": latency, "tokens": 100})
        else:
            pm.report_metrics(prompt_id=prompt.id, metrics={"success": success, "latency_ms": latency})
        g = expected.group(prompt.version, prompt.variant, prompt.canary)
        g["reports"] += 1
        g["successes" if success else "failures"] += 1
        g["latencies"].append(latency)


def cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTSYNC_")}
    out = subprocess.run(
        [str(REPO / "node_modules" / ".bin" / "node"), str(REPO / "cli" / "main.ts"), *args, "--json"],
        cwd=cwd,
        env={**inherited, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_folder_sink_is_read_by_analytics_build_with_exact_counts(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    shutil.copytree(CONFORMANCE / "registry", registry)
    (tmp_path / "promptsync.config.yaml").write_text(f"project: conformance\nregistry: {registry}\n", "utf-8")
    expected = Expected()
    managers = [
        manager(registry, app_commit=COMMIT, client_id=f"py-{i}", telemetry={"sink": "folder", "dir": str(registry), "flush_interval": 0})
        for i in range(2)
    ]
    for i, pm in enumerate(managers):
        send_traffic(pm, 300 + 40 * i, expected, i)
    for pm in managers:
        pm.close()
        stats = pm.telemetry_stats()
        assert stats is not None and (stats.buffered, stats.dropped, stats.failed_flushes) == (0, 0, 0), stats
    events = events_in(registry)
    for event in events:
        SCHEMA.validate(event)
    heartbeats = [e for e in events if e["type"] == "heartbeat"]
    assert [(h["client"], h["commit"], h["sdk"], h["dropped"]) for h in heartbeats] == [("py-0", COMMIT, __version__, 0), ("py-1", COMMIT, __version__, 0)]
    assert {(s["version"], s["canary"]) for s in heartbeats[0]["serves"]} == {("v0.1.0", False), ("v0.2.0", True)}
    pointer = json.loads((registry / "telemetry/conformance/clients/py-0.json").read_text("utf-8"))
    assert pointer["type"] == "heartbeat" and pointer["client"] == "py-0"

    report = cli(tmp_path, "analytics", "build")
    assert report["objects"] == 2 and report["malformedLines"] == 0, report
    table = cli(tmp_path, "analytics", "greeting")
    assert table["rows"] == expected.rows()
    assert any(row["canary"] for row in table["rows"])


class Collector:
    """An HTTP collector on loopback that can fail (503), never answer, or take the batch."""

    def __init__(self) -> None:
        self.mode = "down"
        self.received: list[dict[str, Any]] = []
        self.release = threading.Event()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if collector.mode == "hanging":
                    collector.release.wait(10)
                    return
                if collector.mode == "down":
                    self.send_response(503)
                    self.end_headers()
                    return
                collector.received.extend(json.loads(line) for line in body.decode("utf-8").splitlines())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ingest"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.close()


def test_a_sink_that_is_down_never_delays_get_prompt_bounds_the_buffer_counts_drops_and_recovers(collector: Collector) -> None:
    pm = manager(
        CONFORMANCE / "registry",
        client_id="app-1",
        timeout=0.3,
        respect_canary=False,
        telemetry={"sink": "http", "url": collector.url, "flush_interval": 0, "max_buffered_events": 100},
    )
    prompt = pm.get_prompt("greeting")
    for i in range(250):
        pm.report_metrics(prompt=prompt, metrics={"success": i % 5 != 0, "latency_ms": i})
    stats = pm.telemetry_stats()
    assert stats is not None and (stats.buffered, stats.dropped) == (100, 150)

    pm.flush_telemetry()
    stats = pm.telemetry_stats()
    assert stats is not None and (stats.buffered, stats.dropped, stats.sent, stats.failed_flushes) == (100, 150, 0, 1)
    assert stats.last_error is not None and "503" in stats.last_error

    # A sink that never answers: the flush is pending, and get_prompt still answers from memory at once.
    collector.mode = "hanging"
    flushing = threading.Thread(target=pm.flush_telemetry)
    flushing.start()
    time.sleep(0.05)
    calls = 1
    slowest = 0.0
    while calls < 1001:
        started = time.perf_counter()
        pm.get_prompt("greeting")
        slowest = max(slowest, time.perf_counter() - started)
        calls += 1
    assert flushing.is_alive()
    assert slowest < 0.1, slowest
    flushing.join()
    stats = pm.telemetry_stats()
    assert stats is not None and (stats.buffered, stats.dropped, stats.failed_flushes) == (100, 150, 2)
    for _ in range(10):
        pm.report_metrics(prompt=prompt, metrics={"success": True, "latency_ms": 1})
    stats = pm.telemetry_stats()
    assert stats is not None and (stats.buffered, stats.dropped) == (100, 160)

    collector.mode = "up"
    pm.close()
    stats = pm.telemetry_stats()
    assert stats is not None and (stats.buffered, stats.dropped, stats.failed_flushes, stats.last_error) == (0, 160, 2, None)
    for event in collector.received:
        SCHEMA.validate(event)
    metrics = [e for e in collector.received if e["type"] == "metrics"]
    assert [e["metrics"]["latency_ms"] for e in metrics] == list(range(100))
    usage = [e for e in collector.received if e["type"] == "usage"]
    assert sum(e["count"] for e in usage) == calls
    heartbeats = [e for e in collector.received if e["type"] == "heartbeat"]
    assert len(heartbeats) == 1 and heartbeats[0]["dropped"] == 160 and heartbeats[0]["client"] == "app-1"
    assert [(s["prompt"], s["version"], s["alias"]) for s in heartbeats[0]["serves"]] == [("greeting", "v0.1.0", "production")]


def test_usage_is_counted_per_utc_hour_and_a_callable_sink_gets_it(tmp_path: Path) -> None:
    clock = [7200.0 * 1000 + 3590]
    batches: list[list[dict[str, Any]]] = []
    pm = manager(
        CONFORMANCE / "registry", client_id="c", now=lambda: clock[0], respect_canary=False, telemetry={"sink": batches.append, "flush_interval": 0}
    )
    for _ in range(3):
        pm.get_prompt("greeting", version_or_alias="v0.1.0")
    clock[0] += 20  # the next hour
    pm.get_prompt("greeting", version_or_alias="v0.1.0")
    pm.flush_telemetry()
    usage = [e for e in batches[0] if e["type"] == "usage"]
    assert [(e["count"], e["ts"]) for e in usage] == [(3, "1970-03-25T08:59:50.000Z"), (1, "1970-03-25T09:00:10.000Z")]
    assert all(e["alias"] is None and e["project"] == "conformance" for e in usage)
    pm.flush_telemetry()  # nothing new: no batch
    assert len(batches) == 1
    pm.close()


def test_telemetry_is_off_unless_configured_and_checks_its_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pm = manager(CONFORMANCE / "registry")
    assert pm.telemetry_stats() is None
    prompt = pm.get_prompt("greeting", version_or_alias="v0.1.0")
    pm.report_metrics(prompt=prompt, metrics={"success": True})
    with pytest.raises(UsageError):
        pm.report_metrics(prompt=prompt, metrics={"success": 1})
    with pytest.raises(UsageError):
        pm.report_metrics(prompt=prompt, metrics={})
    with pytest.raises(UsageError):
        pm.report_metrics(prompt=prompt, metrics={"latency_ms": -1})
    pm.close()
    with pytest.raises(ConfigError):
        manager(CONFORMANCE / "registry", telemetry={"sink": "http"})
    with pytest.raises(ConfigError):
        manager(CONFORMANCE / "registry", telemetry={"sink": "folder"})
    with pytest.raises(ConfigError):
        manager(CONFORMANCE / "registry", telemetry={"max_buffered_events": 0})
    with pytest.raises(ConfigError):
        manager(CONFORMANCE / "registry", client_id="no spaces")
    monkeypatch.setenv("PROMPTSYNC_TELEMETRY_SINK", "registry")
    monkeypatch.setenv("PROMPTSYNC_APP_COMMIT", COMMIT)
    registry = tmp_path / "registry"
    shutil.copytree(CONFORMANCE / "registry", registry)
    with manager(registry, client_id="env") as pm:
        pm.get_prompt("greeting", version_or_alias="v0.1.0")
    heartbeat = json.loads((registry / "telemetry/conformance/clients/env.json").read_text("utf-8"))
    assert heartbeat["commit"] == COMMIT and heartbeat["serves"][0]["version"] == "v0.1.0"


def test_the_registry_sink_refuses_an_http_registry() -> None:
    batches: list[Any] = []
    pm = PromptManager(registry="https://example.invalid/reg", project="conformance", telemetry={"flush_interval": 0}, refresh_interval=0)
    pm.flush_telemetry()
    stats = pm.telemetry_stats()
    assert stats is not None and stats.failed_flushes == 1 and "read-only" in (stats.last_error or "")
    pm.close()
    assert batches == []


def test_an_hour_that_ends_while_a_batch_is_on_its_way_counts_every_call_once() -> None:
    clock = [7200.0 * 1000 + 3500]
    received: list[dict[str, Any]] = []
    pm: PromptManager | None = None

    def sink(batch: list[dict[str, Any]]) -> None:
        received.extend(batch)
        if clock[0] < 7200.0 * 1000 + 3600:
            clock[0] += 200  # the hour ends during this send, and calls keep coming
            assert pm is not None
            for _ in range(5):
                pm.get_prompt("greeting", version_or_alias="v0.1.0")

    pm = manager(CONFORMANCE / "registry", client_id="c", now=lambda: clock[0], telemetry={"sink": sink, "flush_interval": 0})
    for _ in range(7):
        pm.get_prompt("greeting", version_or_alias="v0.1.0")
    pm.flush_telemetry()
    pm.get_prompt("greeting", version_or_alias="v0.1.0")
    pm.close()
    usage = [e for e in received if e["type"] == "usage"]
    assert sum(e["count"] for e in usage) == 13
    assert usage[0]["count"] == 7 and usage[0]["ts"].startswith("1970-03-25T08:")
    assert sum(e["count"] for e in usage if e["ts"].startswith("1970-03-25T08:")) == 12
