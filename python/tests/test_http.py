"""The SDK against a real loopback HTTP origin: serving order, revalidation, single-flight, refresh, body caps."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptsync import AliasNotFoundError, PromptManager, PromptUnavailableError

from .conftest import CONFORMANCE, EXAMPLES
from .server import Origin

ALIAS = "prompts/conformance/aliases/dev.json"
VARS = {"name": "A", "product": "B"}


@pytest.fixture
def origin(registry_copy: Path) -> Iterator[Origin]:
    server = Origin(registry_copy)
    yield server
    server.close()


def move_alias(root: Path, alias: str, version: str) -> None:
    path = root / "prompts" / "conformance" / "aliases" / f"{alias}.json"
    pointer = json.loads(path.read_text())
    pointer["version"] = version
    pointer["revision"] += 1
    path.write_text(json.dumps(pointer, indent=2) + "\n")


def manager(url: str, **options: object) -> PromptManager:
    return PromptManager(registry=url, project="conformance", retries=0, timeout=2, **options)  # type: ignore[arg-type]


def test_cold_get_then_memory(origin: Origin) -> None:
    with manager(origin.url) as pm:
        first = pm.get_prompt("greeting", version_or_alias="dev")
        assert (first.source, first.version, first.stale) == ("network", "v0.2.0", False)
        assert first.format(**VARS) == "Hi A, welcome to B!"
        second = pm.get_prompt("greeting", version_or_alias="dev")
        assert second.source == "memory"
        assert origin.requests[ALIAS] == 1


def test_revalidation_is_one_conditional_request_per_alias(origin: Origin) -> None:
    with manager(origin.url, refresh_interval=0, cache_strategy={"memory_ttl": 3600}) as pm:
        for name in ("greeting", "guards", "locales", "filters"):
            pm.get_prompt(name, version_or_alias="dev")
        before = dict(origin.requests)
        pm.refresh()
        assert origin.requests[ALIAS] == before[ALIAS] + 1
        assert origin.not_modified == 1
        assert sum(origin.requests.values()) == sum(before.values()) + 1


def test_alias_moves_after_refresh_with_new_content_loaded_first(origin: Origin, registry_copy: Path) -> None:
    with manager(origin.url, refresh_interval=0) as pm:
        assert pm.get_prompt("greeting", version_or_alias="dev").version == "v0.2.0"
        move_alias(registry_copy, "dev", "v0.1.0")
        pm.refresh()
        moved = pm.get_prompt("greeting", version_or_alias="dev")
        assert (moved.version, moved.source) == ("v0.1.0", "memory")
        assert moved.format(**VARS) == "Hello A! Welcome to B."


def test_background_refresh_thread(origin: Origin, registry_copy: Path) -> None:
    with manager(origin.url, refresh_interval=0.2) as pm:
        assert pm.get_prompt("greeting", version_or_alias="dev").version == "v0.2.0"
        move_alias(registry_copy, "dev", "v0.1.0")
        deadline = time.time() + 5
        while pm.get_prompt("greeting", version_or_alias="dev").version != "v0.1.0":
            assert time.time() < deadline, "the daemon thread did not refresh"
            time.sleep(0.05)
        assert any(t.name == "promptsync-refresh" and t.daemon for t in threading.enumerate())


def test_stale_while_revalidate_in_background(origin: Origin, registry_copy: Path) -> None:
    clock = [1000.0]
    with manager(origin.url, refresh_interval=3600, cache_strategy={"memory_ttl": 10}, now=lambda: clock[0]) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
        move_alias(registry_copy, "dev", "v0.1.0")
        clock[0] += 11
        served = pm.get_prompt("greeting", version_or_alias="dev")
        assert served.version == "v0.2.0"  # served at once, refreshed behind
        deadline = time.time() + 5
        while pm.get_prompt("greeting", version_or_alias="dev").version != "v0.1.0":
            assert time.time() < deadline
            time.sleep(0.02)


def test_single_flight(origin: Origin) -> None:
    origin.delay = 0.2
    with manager(origin.url) as pm:
        results: list[str] = []
        threads = [
            threading.Thread(target=lambda: results.append(pm.get_prompt("greeting", version_or_alias="dev").version)) for _ in range(12)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == ["v0.2.0"] * 12
        assert origin.requests[ALIAS] == 1
        assert origin.requests["prompts/conformance/greeting/v0.2.0/default.yaml"] == 1
        assert origin.requests["prompts/conformance/_releases/v0.2.0.json"] == 1


def test_origin_down_keeps_the_last_good_version_marked_stale(origin: Origin) -> None:
    # A long memory TTL: with the default (refresh_interval, here 0) every get starts a background revalidation, and the
    # second refresh() would join one sent while the origin still answered 503.
    with manager(origin.url, refresh_interval=0, cache_strategy={"memory_ttl": 3600}) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
        origin.status = 503
        pm.refresh()
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        assert (prompt.version, prompt.stale) == ("v0.2.0", True)
        origin.status = None
        pm.refresh()
        assert pm.get_prompt("greeting", version_or_alias="dev").stale is False


def test_restart_from_disk_cache_with_the_origin_down(origin: Origin, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with manager(origin.url, cache_dir=str(cache)) as pm:
        pm.get_prompt("greeting", version_or_alias="dev").format(**VARS)
    origin.status = 500
    with manager(origin.url, cache_dir=str(cache)) as pm:
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        assert (prompt.source, prompt.version, prompt.stale) == ("disk", "v0.2.0", False)
        assert prompt.format(**VARS) == "Hi A, welcome to B!"
    # Older than file_ttl: still served, marked stale.
    with manager(origin.url, cache_dir=str(cache), cache_strategy={"file_ttl": 0}) as pm:
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        assert (prompt.source, prompt.stale) == ("disk", True)


def test_restart_revalidates_the_disk_pointer_once(origin: Origin, registry_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with manager(origin.url, cache_dir=str(cache)) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
    move_alias(registry_copy, "dev", "v0.1.0")
    with manager(origin.url, cache_dir=str(cache)) as pm:
        assert pm.get_prompt("greeting", version_or_alias="dev").version == "v0.1.0"


def test_corrupt_disk_entry_is_replaced(origin: Origin, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with manager(origin.url, cache_dir=str(cache)) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
    [entry] = list(cache.glob("*/prompts/conformance/greeting/v0.2.0/default.yaml"))
    entry.write_text(entry.read_text().replace("welcome", "WELCOME"))
    with manager(origin.url, cache_dir=str(cache)) as pm:
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        assert prompt.source == "network"
        assert prompt.format(**VARS) == "Hi A, welcome to B!"
    assert "welcome" in entry.read_text()


def test_snapshot_when_caches_and_registry_fail(origin: Origin) -> None:
    origin.status = 503
    with manager(origin.url, snapshot_dir=str(CONFORMANCE / "registry")) as pm:
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        assert (prompt.source, prompt.stale, prompt.version) == ("snapshot", True, "v0.2.0")


def test_fallback_to_local_only_when_nothing_else_serves(origin: Origin, tmp_path: Path) -> None:
    origin.status = 503
    with manager(origin.url, prompts_dir=str(EXAMPLES)) as pm:
        with pytest.raises(PromptUnavailableError) as info:
            pm.get_prompt("greeting", version_or_alias="dev")
        assert [a.source for a in info.value.attempts] == ["network"]
        local = pm.get_prompt("greeting", version_or_alias="dev", fallback_to_local=True)
        assert (local.source, local.version) == ("local", "local")
        assert local.format(name="A", product="B") == "Hello A! Welcome to B."
    origin.status = None
    with manager(origin.url, prompts_dir=str(EXAMPLES)) as pm, pytest.raises(AliasNotFoundError):
        pm.get_prompt("greeting", version_or_alias="nope", fallback_to_local=True)


def test_a_deleted_alias_is_no_longer_served(origin: Origin, registry_copy: Path) -> None:
    with manager(origin.url, refresh_interval=0) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
        (registry_copy / ALIAS).unlink()
        pm.refresh()
        with pytest.raises(AliasNotFoundError):
            pm.get_prompt("greeting", version_or_alias="dev")


def test_oversize_bodies_are_refused(origin: Origin) -> None:
    origin.overrides[ALIAS] = b" " * (4 * 1024 * 1024 + 1)
    with manager(origin.url) as pm, pytest.raises(PromptUnavailableError) as info:
        pm.get_prompt("greeting", version_or_alias="dev")
    assert getattr(info.value.cause, "code", None) == "INVALID_BUNDLE"
    assert "4 MiB" in str(info.value)
    origin.no_length = True
    with manager(origin.url) as pm, pytest.raises(PromptUnavailableError) as info:
        pm.get_prompt("greeting", version_or_alias="dev")
    assert "4 MiB" in str(info.value)


def test_redirects_leave_http_never(origin: Origin) -> None:
    origin.redirect = "file:///etc/passwd"
    with manager(origin.url) as pm, pytest.raises(PromptUnavailableError):
        pm.get_prompt("greeting", version_or_alias="dev")


def test_names_are_percent_encoded_and_checked_before_any_request(origin: Origin) -> None:
    with manager(origin.url) as pm:
        for bad in ("../x", "a/../../b", "a%2f..", "x\x00y"):
            with pytest.raises(Exception) as info:
                pm.get_prompt(bad, version_or_alias="dev")
            assert getattr(info.value, "code", None) == "INVALID_NAME"
    assert sum(origin.requests.values()) == 0


def test_a_hanging_refresh_never_holds_up_the_apps_exit(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = f"""
import sys
sys.path[:0] = [{str(Path(__file__).parents[1] / "src")!r}, {str(Path(__file__).parents[1])!r}]
from pathlib import Path
from tests.server import Origin
from promptsync import PromptManager
origin = Origin(Path({str(CONFORMANCE / "registry")!r}))
pm = PromptManager(registry=origin.url, project="conformance", cache_strategy={{"memory_ttl": 0}})
pm.get_prompt("greeting", version_or_alias="dev")
origin.delay = 30
pm.get_prompt("greeting", version_or_alias="dev")
"""
    started = time.time()
    subprocess.run([sys.executable, "-c", script], check=True, timeout=20)
    assert time.time() - started < 10


def test_refresh_strategies(origin: Origin, registry_copy: Path) -> None:
    clock = [1000.0]
    with manager(
        origin.url, refresh_interval=3600, cache_strategy={"memory_ttl": 10, "refresh_strategy": "on-demand"}, now=lambda: clock[0]
    ) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
        move_alias(registry_copy, "dev", "v0.1.0")
        clock[0] += 11
        assert pm.get_prompt("greeting", version_or_alias="dev").version == "v0.1.0"  # waited for the refresh
    with manager(
        origin.url, refresh_interval=3600, cache_strategy={"memory_ttl": 10, "refresh_strategy": "none"}, now=lambda: clock[0]
    ) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
        move_alias(registry_copy, "dev", "v0.2.0")
        clock[0] += 1000
        before = origin.requests[ALIAS]
        assert pm.get_prompt("greeting", version_or_alias="dev").version == "v0.1.0"
        assert origin.requests[ALIAS] == before


def test_memory_is_bounded_by_bytes(origin: Origin) -> None:
    with manager(origin.url, cache_strategy={"max_cache_size": "20KB"}) as pm:
        for name in ("greeting", "guards", "locales", "filters", "customer_support", "limits", "plain", "based", "agent"):
            pm.get_prompt(name, version_or_alias="dev")
        stats = pm.cache_stats()
        assert 0 < stats["bytes"] <= 20_000 and stats["prompts"] < 9


def test_preload_reads_the_bundle(origin: Origin) -> None:
    with manager(origin.url) as pm:
        result = pm.preload(version_or_alias="dev")
        assert result["version"] == "v0.2.0" and result["prompts"] >= 10
        before = sum(origin.requests.values())
        assert pm.get_prompt("agent", version_or_alias="dev").source == "memory"
        assert sum(origin.requests.values()) == before
        assert origin.requests["prompts/conformance/_bundles/v0.2.0.json"] == 1


def test_tags_and_canary_keys_from_the_app_are_checked(origin: Origin) -> None:
    from promptsync import UsageError

    with manager(origin.url) as pm:
        with pytest.raises(UsageError):
            pm.get_prompt("greeting", version_or_alias="dev", tags={"locale": 5})  # type: ignore[dict-item]
        pm.get_prompt("customer_support", version_or_alias="dev", tags={"locale": "en"})
        for bad in ({"locale": ["en"]}, {"locale": 5}, ["locale"]):
            with pytest.raises(UsageError):
                pm.get_prompt("customer_support", version_or_alias="dev", tags=bad)  # type: ignore[arg-type]
        first = pm.get_prompt("greeting", version_or_alias="production", canary_key="user-1")
        assert pm.get_prompt("greeting", version_or_alias="production", canary_key="user-1").version == first.version


def test_concurrent_gets_while_the_alias_moves(origin: Origin, registry_copy: Path) -> None:
    expected = {"v0.1.0": "Hello A! Welcome to B.", "v0.2.0": "Hi A, welcome to B!"}
    errors: list[BaseException] = []
    # When a worker last got each version. Each move waits until a worker gets the new version, however long a
    # loaded machine takes (six threads spinning on the GIL slow the refresh thread and the origin's), not a fixed time.
    seen_at: dict[str, float] = {}

    def served_after(version: str, since: float) -> None:
        deadline = time.monotonic() + 20
        while seen_at.get(version, 0.0) <= since:
            assert not errors, errors
            assert time.monotonic() < deadline, f"no get returned {version} within 20 s"
            time.sleep(0.02)

    with manager(origin.url, refresh_interval=0.05, cache_strategy={"memory_ttl": 0.05}) as pm:
        stop = threading.Event()

        def worker() -> None:
            try:
                while not stop.is_set():
                    prompt = pm.get_prompt("greeting", version_or_alias="dev")
                    assert prompt.format(**VARS) == expected[prompt.version]
                    seen_at[prompt.version] = time.monotonic()
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        try:
            served_after("v0.2.0", 0.0)
            for version in ("v0.1.0", "v0.2.0", "v0.1.0"):
                time.sleep(0.1)
                moved = time.monotonic()
                move_alias(registry_copy, "dev", version)
                served_after(version, moved)
        finally:
            stop.set()
            for t in threads:
                t.join()
    assert errors == []
    assert set(seen_at) == {"v0.1.0", "v0.2.0"}


def test_names_of_the_wrong_type_are_invalid_names(origin: Origin) -> None:
    from promptsync import InvalidNameError

    with manager(origin.url) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
        for name, ref in ((["greeting"], "dev"), ("greeting", ["dev"]), (None, "dev"), ("greeting", 1)):
            with pytest.raises(InvalidNameError):
                pm.get_prompt(name, version_or_alias=ref)  # type: ignore[arg-type]
