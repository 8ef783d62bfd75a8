"""A prompt at one version with one variant selected, ready to render (sdk/prompt.ts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import SourceName as PromptSource
from .errors import UsageError
from .otel import annotate_span

if TYPE_CHECKING:
    from .render import RenderableBody


@dataclass(frozen=True)
class PromptInfo:
    project: str | None
    version: str
    alias: str | None
    source: PromptSource
    stale: bool
    canary: bool


class Prompt:
    """Immutable; shared between calls. `format(**variables)` renders: a string for a text prompt, a list of
    `{"role", "content"}` for a chat prompt."""

    __slots__ = (
        "id",
        "name",
        "project",
        "version",
        "alias",
        "variant",
        "tags",
        "kind",
        "title",
        "description",
        "content",
        "messages",
        "variables",
        "model",
        "config",
        "inputs",
        "tools",
        "output",
        "hash",
        "source",
        "stale",
        "canary",
        "_body",
        "_span_attributes",
    )

    def __init__(self, compiled: dict[str, Any], body: RenderableBody, info: PromptInfo) -> None:
        variant = body.variant
        self.name: str = compiled["name"]
        self.id = f"{self.name}@{info.version}" + (f"#{variant['id']}" if variant else "")
        self.project = info.project
        self.version = info.version
        self.alias = info.alias
        self.variant: str | None = variant["id"] if variant else None
        self.tags: dict[str, str] = dict(variant["tags"]) if variant else {}
        self.kind: str = compiled["kind"]
        self.title: str | None = compiled.get("title")
        self.description: str | None = compiled.get("description")
        source = variant if variant else compiled
        self.content: str | None = source.get("content")
        self.messages: list[dict[str, Any]] | None = source.get("messages")
        self.variables: list[dict[str, Any]] = list(body.variables)
        self.model: Any = compiled.get("model")
        self.config: Any = compiled.get("config")
        self.inputs: Any = compiled.get("inputs")
        self.tools: list[dict[str, Any]] | None = (variant.get("tools") if variant else None) or compiled.get("tools")
        self.output: dict[str, Any] | None = (variant.get("output") if variant else None) or compiled.get("output")
        self.hash: str = variant["hash"] if variant else compiled["hash"]
        self.source: PromptSource = info.source
        self.stale = info.stale
        self.canary = info.canary
        self._body = body
        # Computed at the first span annotated (otel.py): a Prompt is immutable.
        self._span_attributes: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"<Prompt {self.id} source={self.source} stale={self.stale} canary={self.canary}>"

    def format(self, **variables: Any) -> Any:
        """Renders the template: a string for text prompts, messages for chat prompts."""
        annotate_span(self)
        return self._body.render(variables)

    def format_text(self, **variables: Any) -> str:
        annotate_span(self)
        out = self._body.render(variables)
        if not isinstance(out, str):
            raise UsageError(f'Prompt "{self.name}" is a chat prompt: use format() or format_messages()')
        return out

    def format_messages(self, **variables: Any) -> list[dict[str, Any]]:
        """Renders a chat prompt; a text prompt becomes one user message."""
        annotate_span(self)
        out = self._body.render(variables)
        return [{"role": "user", "content": out}] if isinstance(out, str) else out

    def to_openai(self, values: Mapping[str, Any] | None = None, /, *, api: str = "responses", **variables: Any) -> dict[str, Any]:
        """The body of an OpenAI request (`api="responses"`, the default, or `"chat"` for Chat Completions): the
        rendered messages with the prompt's model, settings, tools and output schema. Variables as keywords, or
        as a dict first (for a variable named `api`)."""
        from .providers import openai_request

        merged = {**(values or {}), **variables}
        return openai_request(self.name, self.format_messages(**merged), self.model, self.config, self.tools, self.output, api)

    def to_anthropic(self, values: Mapping[str, Any] | None = None, /, **variables: Any) -> dict[str, Any]:
        """The body of an Anthropic Messages request: system and developer messages joined into `system`."""
        from .providers import anthropic_request

        merged = {**(values or {}), **variables}
        return anthropic_request(self.name, self.format_messages(**merged), self.model, self.config, self.tools, self.output)

    def parse_output(self, text: str) -> Any:
        """A model's response parsed as JSON and checked against the prompt's output schema (OUTPUT_INVALID)."""
        from .structured import parse_output

        return parse_output(self.name, self.output, text)
