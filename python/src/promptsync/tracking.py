"""What telemetry and tracing record of a served prompt: `create_tracking_metadata`'s flat map
(src/telemetry/tracking.ts) and the prompt IDs it accepts."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from .errors import UsageError

if TYPE_CHECKING:
    from .prompt import Prompt

# OpenAI's `metadata` limits, which most LLM APIs and tracing tools share.
MAX_KEYS = 16
MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 512

_PROMPT_ID = re.compile(r"^(.+)@([^@#]+)(?:#(.+))?$", re.DOTALL)


class ServedPrompt(TypedDict):
    """What telemetry records of a prompt get_prompt returned (the events' prompt, version, variant, alias, canary)."""

    prompt: str
    version: str
    variant: str | None
    alias: str | None
    canary: bool


def served_of(prompt: Prompt) -> ServedPrompt:
    return {"prompt": prompt.name, "version": prompt.version, "variant": prompt.variant, "alias": prompt.alias, "canary": prompt.canary}


def parse_prompt_id(prompt_id: str) -> ServedPrompt:
    """A prompt ID (name@version or name@version#variant) not served by this manager: no alias, stable side."""
    match = _PROMPT_ID.match(prompt_id)
    if match is None:
        raise UsageError(
            f'"{prompt_id}" is not a prompt ID',
            suggestion="Pass prompt.id (name@version or name@version#variant), or the prompt itself.",
        )
    return {"prompt": match[1], "version": match[2], "variant": match[3], "alias": None, "canary": False}


def js_length(text: str) -> int:
    """The length JavaScript gives a string (UTF-16 code units), so that both SDKs apply the same limits."""
    return len(text.encode("utf-16-le")) // 2


def js_json(value: Any) -> str:
    """JSON.stringify's text for a JSON value: no spaces, non-ASCII kept, whole floats without `.0`."""

    def plain(v: Any) -> Any:
        if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 2**53:
            return int(v)
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, Mapping):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v

    try:
        return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise UsageError(f"a context value is not JSON: {error}", suggestion="Pass strings, numbers, booleans, lists or dicts.") from None


def tracking_metadata(project: str | None, served: ServedPrompt, context: Mapping[str, Any] | None = None) -> dict[str, str]:
    """A flat string map naming the prompt a call used, plus the caller's context, that fits the `metadata`
    parameter of the OpenAI API: at most 16 keys, keys up to 64 characters, values up to 512. Context values that
    are not strings are JSON-encoded. A map that would break a limit is a UsageError naming the key, never
    truncated silently."""
    context = {} if context is None else context
    if not isinstance(context, Mapping):
        raise UsageError("context must be a dict")
    metadata: dict[str, str] = {"promptsync_prompt": served["prompt"], "promptsync_version": served["version"]}
    if project is not None:
        metadata["promptsync_project"] = project
    if served["variant"] is not None:
        metadata["promptsync_variant"] = served["variant"]
    if served["alias"] is not None:
        metadata["promptsync_alias"] = served["alias"]
        metadata["promptsync_canary"] = "true" if served["canary"] else "false"
    for key, value in context.items():
        if not isinstance(key, str):
            raise UsageError(f"context key {key!r} is not a string", suggestion="Use string keys.")
        if key.startswith("promptsync_"):
            raise UsageError(f'context key "{key}" uses the reserved promptsync_ prefix', suggestion="Rename the key.")
        metadata[key] = value if isinstance(value, str) else js_json(value)
    if len(metadata) > MAX_KEYS:
        own = len(metadata) - len(context)
        raise UsageError(
            f"the metadata would have {len(metadata)} keys; the limit is {MAX_KEYS}",
            suggestion=f"Pass at most {MAX_KEYS - own} context keys.",
        )
    for key, text in metadata.items():
        if js_length(key) > MAX_KEY_LENGTH:
            raise UsageError(f'metadata key "{key[:20]}…" is longer than {MAX_KEY_LENGTH} characters', suggestion="Shorten the key.")
        if js_length(text) > MAX_VALUE_LENGTH:
            raise UsageError(
                f'metadata value of "{key}" is longer than {MAX_VALUE_LENGTH} characters', suggestion="Pass an ID rather than the content."
            )
    return metadata
