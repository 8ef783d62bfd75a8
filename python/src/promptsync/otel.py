"""Span attributes for the OpenTelemetry GenAI semantic conventions (docs/telemetry.md#opentelemetry), as
sdk/telemetry/open-telemetry.ts sets them. `opentelemetry-api` is optional (`pip install promptsync[otel]`):
when it is importable, get_prompt and format annotate the active span (or the span passed to get_prompt); when
it is not, nothing is set. Only a span's `set_attributes` is used, so any object with that method is a span here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .prompt import Prompt


class SpanLike(Protocol):
    """The part of an OpenTelemetry span the SDK writes to."""

    def set_attributes(self, attributes: dict[str, Any], /) -> Any: ...


PROMPT_NAME = "gen_ai.prompt.name"
PROJECT = "promptsync.project"
VERSION = "promptsync.prompt.version"
ALIAS = "promptsync.prompt.alias"
VARIANT = "promptsync.prompt.variant"
CANARY = "promptsync.canary"
HASH = "promptsync.prompt.hash"


def _load() -> Callable[[], Any] | None:
    try:
        from opentelemetry import trace
    except ImportError:
        return None
    return trace.get_current_span


_current_span = _load()


def span_attributes(prompt: Prompt) -> dict[str, Any]:
    """The attributes of what `prompt` serves: `gen_ai.prompt.name` (the convention's) and promptsync.*, with the
    values create_tracking_metadata gives, plus the content hash."""
    attributes: dict[str, Any] = {PROMPT_NAME: prompt.name, VERSION: prompt.version, HASH: prompt.hash}
    if prompt.project is not None:
        attributes[PROJECT] = prompt.project
    if prompt.variant is not None:
        attributes[VARIANT] = prompt.variant
    if prompt.alias is not None:
        attributes[ALIAS] = prompt.alias
        attributes[CANARY] = prompt.canary
    return attributes


def annotate_span(prompt: Prompt, span: Any = None) -> None:
    """Sets the prompt's attributes on `span`, else on the active span when OpenTelemetry is importable."""
    if span is None:
        if _current_span is None:
            return
        span = _current_span()
        if span is None or not span.is_recording():
            return
    attributes = prompt._span_attributes
    if attributes is None:
        attributes = prompt._span_attributes = span_attributes(prompt)
    span.set_attributes(attributes)
