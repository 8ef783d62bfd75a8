"""The conformance table (test/fixtures/conformance/cases.json), also run by test/conformance.test.ts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from promptsync import PromptManager, PromptSyncError, PromptUnavailableError

from .conftest import CONFORMANCE

TABLE = json.loads((CONFORMANCE / "cases.json").read_text("utf-8"))
CANARY = json.loads((CONFORMANCE / "canary-expected.json").read_text("utf-8"))


def manager(case: dict[str, Any]) -> PromptManager:
    return PromptManager(
        registry=str(CONFORMANCE / TABLE["registry"]),
        project=TABLE["project"],
        trusted_keys=[str(CONFORMANCE / k) for k in case["trustedKeys"]] if "trustedKeys" in case else None,
        render_limits=case.get("renderLimits"),
        respect_canary=case.get("respectCanary", True),
        strict=case.get("strict", True),
        refresh_interval=0,
    )


def app_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (lambda: "called") if v == "__FUNCTION__" else v for k, v in values.items()}


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    pm = manager(case)
    try:

        span_attributes: list[dict[str, Any]] = []

        class Span:
            def set_attributes(self, attributes: dict[str, Any], /) -> None:
                span_attributes.append(attributes)

        def get() -> Any:
            return pm.get_prompt(
                case["prompt"], version_or_alias=case.get("versionOrAlias"), tags=case.get("tags"), canary_key=case.get("canaryKey"), span=Span()
            )

        if expect.get("stage") == "get":
            with pytest.raises(PromptSyncError) as info:
                get()
            assert info.value.code == expect["error"], str(info.value)
            if "cause" in expect:
                assert isinstance(info.value, PromptUnavailableError)
                assert getattr(info.value.cause, "code", None) == expect["cause"]
            return
        prompt = get()
        for field in ("version", "alias", "variant", "kind", "canary", "variables", "tools", "output"):
            if field in expect:
                assert getattr(prompt, field) == expect[field], field
        if "spanAttributes" in expect:
            assert span_attributes[-1] == expect["spanAttributes"]
        if "tracking" in case:
            tracking = case["tracking"]
            reference = {"prompt_id": prompt.id} if tracking.get("by") == "id" else {"prompt": prompt}
            if expect.get("stage") == "tracking":
                with pytest.raises(PromptSyncError) as info:
                    pm.create_tracking_metadata(**reference, context=tracking.get("context"))
                assert info.value.code == expect["error"], str(info.value)
            else:
                metadata = pm.create_tracking_metadata(**reference, context=tracking.get("context"))
                assert metadata == expect["metadata"]
                assert list(metadata) == list(expect["metadata"])
            return
        if "output" in case:
            if expect.get("stage") == "parse":
                with pytest.raises(PromptSyncError) as info:
                    prompt.parse_output(case["output"])
                assert info.value.code == expect["error"], str(info.value)
            else:
                assert prompt.parse_output(case["output"]) == expect["parsed"]
            return
        values = app_values(case.get("vars", {}))
        if "request" in case:

            def build() -> Any:
                if case["request"] == "anthropic":
                    return prompt.to_anthropic(**values)
                return prompt.to_openai(api="responses" if case["request"] == "openai" else "chat", **values)

            if expect.get("stage") == "request":
                with pytest.raises(PromptSyncError) as info:
                    build()
                assert info.value.code == expect["error"], str(info.value)
            else:
                assert build() == expect["body"]
            return
        if expect.get("stage") == "format":
            with pytest.raises(PromptSyncError) as info:
                prompt.format(**values)
            assert info.value.code == expect["error"], str(info.value)
            if "limit" in expect:
                assert getattr(info.value, "limit", None) == expect["limit"]
            if "missing" in expect:
                assert list(getattr(info.value, "variables", [])) == expect["missing"]
            return
        if "render" in expect:
            assert prompt.format(**values) == expect["render"]
    finally:
        pm.close()


def without_hunks(value: Any) -> Any:
    """A diff without its text hunks (difflib and the npm diff library may group lines differently)."""
    if isinstance(value, dict):
        return {k: without_hunks(v) for k, v in value.items() if k != "hunks"}
    if isinstance(value, list):
        return [without_hunks(v) for v in value]
    return value


@pytest.mark.parametrize("case", TABLE["diffs"], ids=[d["name"] for d in TABLE["diffs"]])
def test_diff(case: dict[str, Any]) -> None:
    with PromptManager(
        registry=str(CONFORMANCE / TABLE["registry"]), project=TABLE["project"], refresh_interval=0, cwd=CONFORMANCE, prompts_dir=case["promptsDir"]
    ) as pm:
        try:
            result = without_hunks(json.loads(json.dumps(pm.diff(case["prompt"], case["from"], case["to"]))))
        except PromptSyncError as error:
            result = {"error": error.code}
    assert result == case["expect"]


def test_canary_sides_of_1000_keys() -> None:
    pm = PromptManager(registry=str(CONFORMANCE / "registry"), project="conformance", refresh_interval=0)
    counts = {True: 0, False: 0}
    for key, in_canary in CANARY["keys"].items():
        prompt = pm.get_prompt("greeting", version_or_alias=CANARY["alias"], canary_key=key)
        assert prompt.canary is in_canary, key
        assert prompt.version == (CANARY["canary"] if in_canary else CANARY["stable"]), key
        counts[in_canary] += 1
    assert counts[True] == sum(CANARY["keys"].values())
    pm.close()


def test_canary_vectors() -> None:
    from promptsync import canary_bucket, in_canary

    vectors = json.loads((CONFORMANCE.parent / "canary-vectors.json").read_text("utf-8"))["vectors"]
    assert len(vectors) > 0
    for v in vectors:
        assert canary_bucket(v["salt"], v["key"]) == pytest.approx(v["bucket"], abs=0, rel=1e-15)
        for pct, expected in v["inCanaryAt"].items():
            assert in_canary(v["salt"], v["key"], float(pct)) is expected, (v["key"], pct)


def test_rollback_to_a_replayed_older_signed_pointer_is_refused(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    shutil.copytree(CONFORMANCE / TABLE["registry"], registry)
    pm = PromptManager(
        registry=str(registry),
        project=TABLE["project"],
        refresh_interval=0,
        respect_canary=False,
        trusted_keys=[str(CONFORMANCE / "keys" / "promptsync.pub")],
        cache_dir=str(tmp_path / "cache"),
    )
    assert pm.get_prompt("greeting", version_or_alias="production").stale is False
    shutil.copyfile(CONFORMANCE / "replay" / "production-r1.json", registry / "prompts" / TABLE["project"] / "aliases" / "production.json")
    pm.refresh()
    assert pm.get_prompt("greeting", version_or_alias="production").stale is True
    assert pm.cache_stats()["signature_refusals"] >= 1
    pm.close()
