"""A prompt at one version with one variant selected, ready to render (sdk/prompt.ts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import SourceName as PromptSource
from .errors import UsageError

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
        "hash",
        "source",
        "stale",
        "canary",
        "_body",
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
        self.hash: str = variant["hash"] if variant else compiled["hash"]
        self.source: PromptSource = info.source
        self.stale = info.stale
        self.canary = info.canary
        self._body = body

    def __repr__(self) -> str:
        return f"<Prompt {self.id} source={self.source} stale={self.stale} canary={self.canary}>"

    def format(self, **variables: Any) -> Any:
        """Renders the template: a string for text prompts, messages for chat prompts."""
        return self._body.render(variables)

    def format_text(self, **variables: Any) -> str:
        out = self._body.render(variables)
        if not isinstance(out, str):
            raise UsageError(f'Prompt "{self.name}" is a chat prompt: use format() or format_messages()')
        return out

    def format_messages(self, **variables: Any) -> list[dict[str, Any]]:
        """Renders a chat prompt; a text prompt becomes one user message."""
        out = self._body.render(variables)
        return [{"role": "user", "content": out}] if isinstance(out, str) else out

    def to_openai(self, **variables: Any) -> dict[str, Any]:
        """The body of an OpenAI chat.completions request: messages, and the model settings the prompt carries."""
        request: dict[str, Any] = {"messages": self.format_messages(**variables)}
        model = self.model
        if isinstance(model, str):
            request["model"] = model
        elif isinstance(model, dict):
            if isinstance(model.get("name"), str):
                request["model"] = model["name"]
            for key in ("temperature", "top_p", "max_tokens"):
                if key in model:
                    request[key] = model[key]
        return request

    def to_anthropic(self, **variables: Any) -> dict[str, Any]:
        """The body of an Anthropic messages request: system messages joined into `system`, the rest as messages."""
        messages = self.format_messages(**variables)
        system = "\n\n".join(str(m["content"]) for m in messages if m["role"] in ("system", "developer"))
        request: dict[str, Any] = {"messages": [m for m in messages if m["role"] not in ("system", "developer")]}
        if system:
            request["system"] = system
        model = self.model
        if isinstance(model, str):
            request["model"] = model
        elif isinstance(model, dict) and isinstance(model.get("name"), str):
            request["model"] = model["name"]
        if isinstance(model, dict):
            for key in ("temperature", "top_p", "max_tokens"):
                if key in model:
                    request[key] = model[key]
        return request
