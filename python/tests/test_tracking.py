"""create_tracking_metadata and OpenTelemetry span attributes beyond the conformance table."""

from __future__ import annotations

from typing import Any

import pytest

from promptsync import PromptManager, UsageError, otel

from .conftest import CONFORMANCE


class RecordingSpan:
    def __init__(self) -> None:
        self.attributes: dict[str, Any] = {}

    def is_recording(self) -> bool:
        return True

    def set_attributes(self, attributes: dict[str, Any], /) -> None:
        self.attributes.update(attributes)


def manager() -> PromptManager:
    return PromptManager(registry=str(CONFORMANCE / "registry"), project="conformance", refresh_interval=0)


def test_the_active_opentelemetry_span_gets_the_attributes_at_get_prompt_and_format(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("opentelemetry.trace")
    from opentelemetry import trace

    assert otel._current_span is trace.get_current_span
    span = RecordingSpan()
    monkeypatch.setattr(otel, "_current_span", lambda: span)
    with manager() as pm:
        pm.get_prompt("greeting", version_or_alias="v0.1.0")
        assert span.attributes["gen_ai.prompt.name"] == "greeting"
        assert span.attributes["promptsync.prompt.version"] == "v0.1.0"
        later = RecordingSpan()
        monkeypatch.setattr(otel, "_current_span", lambda: later)
        prompt = pm.get_prompt("greeting", version_or_alias="v0.1.0")
        later.attributes.clear()
        prompt.format(name="Ann", product="X")
        assert later.attributes["promptsync.prompt.hash"] == prompt.hash
        assert "promptsync.canary" not in later.attributes


def test_without_a_recording_span_or_opentelemetry_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    with manager() as pm:
        monkeypatch.setattr(otel, "_current_span", None)
        assert pm.get_prompt("greeting", version_or_alias="v0.1.0").format(name="A", product="B")


def test_tracking_metadata_needs_a_prompt_or_an_id() -> None:
    with manager() as pm:
        with pytest.raises(UsageError):
            pm.create_tracking_metadata()
        with pytest.raises(UsageError):
            pm.create_tracking_metadata(prompt_id="no-version")
        with pytest.raises(UsageError):
            pm.create_tracking_metadata(prompt_id="greeting@v1", context={"x": object()})
        assert pm.create_tracking_metadata(prompt_id="greeting@v0.1.0#formal") == {
            "promptsync_prompt": "greeting",
            "promptsync_version": "v0.1.0",
            "promptsync_project": "conformance",
            "promptsync_variant": "formal",
        }
