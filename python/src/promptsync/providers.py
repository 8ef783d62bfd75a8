"""Provider request bodies from a prompt (sdk/providers/): OpenAI's Responses and Chat Completions APIs and
Anthropic's Messages API, with the prompt's model, settings, tools and output schema. Problems are UsageError
(USAGE) naming the prompt and the API, as in TypeScript. This is the mapping's main path; data-URL file parts are
passed as they are (the TypeScript SDK also checks their media types and sizes)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import UsageError

SETTING_KINDS = {
    "temperature": "number",
    "top_p": "number",
    "top_k": "positive integer",
    "max_tokens": "positive integer",
    "stop": "stop",
    "seed": "integer",
    "presence_penalty": "number",
    "frequency_penalty": "number",
    "reasoning_effort": "string",
}
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
DATA_URL = re.compile(r"^data:([^;,]+)?((?:;[^;,]*)*),(.*)$", re.DOTALL)
# As sdk/providers/request-input.ts: a schema from the registry is copied into the request only this deep.
MAX_SCHEMA_DEPTH = 256


def _error(prompt: str, api: str, problem: str, suggestion: str) -> UsageError:
    return UsageError(f'Prompt "{prompt}": {api}: {problem}', suggestion=suggestion)


def model_choice(prompt: str, model: Any, config: Any, api: str) -> tuple[str, dict[str, Any]]:
    block = model if isinstance(model, Mapping) else {}
    name = model if isinstance(model, str) else block.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _error(prompt, api, "the prompt names no model", "Set `model: <id>` or `model: { name: <id> }` in the prompt file.")
    for key in block:
        if key != "name" and key not in SETTING_KINDS:
            raise _error(
                prompt,
                api,
                f"model.{key} is not a model setting PromptSync knows ({', '.join(SETTING_KINDS)})",
                "Fix its spelling, or keep settings of your own in `config`.",
            )
    settings: dict[str, Any] = {}
    for key, kind in SETTING_KINDS.items():
        source = block if key in block else config if isinstance(config, Mapping) and key in config else None
        if source is None:
            continue
        value = source[key]
        ok = (
            (kind == "number" and isinstance(value, int | float) and not isinstance(value, bool))
            or (kind == "integer" and isinstance(value, int) and not isinstance(value, bool))
            or (kind == "positive integer" and isinstance(value, int) and not isinstance(value, bool) and value > 0)
            or (kind == "string" and isinstance(value, str))
            or (kind == "stop" and (isinstance(value, str) or (isinstance(value, list) and all(isinstance(s, str) for s in value))))
        )
        if not ok:
            raise _error(
                prompt, api, f"{'model' if source is block else 'config'}.{key} must be a {kind}", "Fix the value in the prompt file."
            )
        settings[key] = [value] if kind == "stop" and isinstance(value, str) else value
    effort = settings.get("reasoning_effort")
    if effort is not None and effort not in EFFORTS:
        raise _error(prompt, api, f"reasoning_effort must be one of {', '.join(EFFORTS)}", "Fix the value in the prompt file.")
    return name, settings


def _text_only(prompt: str, api: str, message: Mapping[str, Any], index: int) -> Any:
    content = message["content"]
    if isinstance(content, str):
        return content
    for p, part in enumerate(content):
        if part["type"] != "text":
            raise _error(
                prompt,
                api,
                f"message {index + 1} ({message['role']}) part {p + 1} is a {part['type']} part, which only a user message may hold",
                "Move it into a user message.",
            )
    return [{"type": "text", "text": part["text"]} for part in content]


def _check_role(prompt: str, api: str, message: Mapping[str, Any], index: int) -> None:
    if message["role"] == "tool":
        raise _error(
            prompt,
            api,
            f"message {index + 1} (tool) is a tool message, which needs the id of the tool call it answers",
            "Leave tool results out of the prompt and append them yourself.",
        )


def _schema_copy(prompt: str, api: str, schema: Any) -> Any:
    """A copy of a schema from the prompt, so that an app editing the request cannot change the shared prompt. Made
    without recursion, and refused past MAX_SCHEMA_DEPTH, so that neither this copy nor the app's own recursive code
    (a JSON encoder) meets Python's recursion limit."""
    copied: list[Any] = [None]
    pending: list[tuple[Any, Any, Any, int]] = [(copied, 0, schema, 0)]
    while pending:
        into, key, value, depth = pending.pop()
        if isinstance(value, Mapping | list):
            if depth > MAX_SCHEMA_DEPTH:
                raise _error(prompt, api, f"a schema nests deeper than {MAX_SCHEMA_DEPTH} levels", "Flatten the schema.")
            members = value.items() if isinstance(value, Mapping) else enumerate(value)
            value_copy = dict.fromkeys(value) if isinstance(value, Mapping) else [None] * len(value)
            pending.extend((value_copy, k, item, depth + 1) for k, item in members)
            value = value_copy
        into[key] = value
    return copied[0]


def _json_schema_format(prompt: str, api: str, output: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"name": output["name"]}
    if "description" in output:
        body["description"] = output["description"]
    body["schema"] = _schema_copy(prompt, api, output["schema"])
    if "strict" in output:
        body["strict"] = output["strict"]
    return body


def openai_request(
    prompt: str, messages: Sequence[Mapping[str, Any]], model: Any, config: Any, tools: Any, output: Any, api: str = "responses"
) -> dict[str, Any]:
    if api not in ("responses", "chat"):
        raise UsageError(f'Prompt "{prompt}": to_openai: api must be "responses" or "chat"')
    label = "to_openai (Responses API)" if api == "responses" else "to_openai (Chat Completions API)"
    name, settings = model_choice(prompt, model, config, label)
    body: dict[str, Any] = {"model": name}
    if api == "responses":
        items: list[dict[str, Any]] = []
        if "stop" in settings:
            raise _error(
                prompt, label, "the Responses API takes no stop sequences", 'Use to_openai(api="chat"), or remove stop from the prompt.'
            )
        for i, m in enumerate(messages):
            _check_role(prompt, label, m, i)
            if m["role"] == "assistant":
                text = _text_only(prompt, label, m, i)
                items.append({"role": "assistant", "content": text if isinstance(text, str) else "".join(p["text"] for p in text)})
            elif isinstance(m["content"], str):
                items.append({"role": m["role"], "content": m["content"]})
            elif m["role"] != "user":
                items.append(
                    {"role": m["role"], "content": [{"type": "input_text", "text": p["text"]} for p in _text_only(prompt, label, m, i)]}
                )
            else:
                parts = []
                for p, part in enumerate(m["content"]):
                    if part["type"] == "text":
                        parts.append({"type": "input_text", "text": part["text"]})
                    elif part["type"] == "image":
                        parts.append({"type": "input_image", "image_url": part["url"], "detail": part.get("detail", "auto")})
                    elif part["type"] == "file":
                        if part["url"].startswith("data:"):
                            parts.append({"type": "input_file", "file_data": part["url"], "filename": part.get("filename", "file")})
                        else:
                            parts.append(
                                {
                                    "type": "input_file",
                                    "file_url": part["url"],
                                    **({"filename": part["filename"]} if "filename" in part else {}),
                                }
                            )
                    else:
                        raise _error(
                            prompt,
                            label,
                            f"message {i + 1} (user) part {p + 1} is an audio part, which the Responses API does not take in a message",
                            'Use to_openai(api="chat") for audio.',
                        )
                items.append({"role": "user", "content": parts})
        body["input"] = items
        if tools:
            body["tools"] = [
                {
                    "type": "function",
                    "name": t["name"],
                    **({"description": t["description"]} if "description" in t else {}),
                    "parameters": _schema_copy(prompt, label, t["parameters"]),
                    "strict": t.get("strict", False),
                }
                for t in tools
            ]
        if output:
            body["text"] = {"format": {"type": "json_schema", **_json_schema_format(prompt, label, output)}}
        if "max_tokens" in settings:
            body["max_output_tokens"] = settings["max_tokens"]
        for key in ("temperature", "top_p"):
            if key in settings:
                body[key] = settings[key]
        if "reasoning_effort" in settings:
            body["reasoning"] = {"effort": settings["reasoning_effort"]}
        return body
    chat = []
    for i, m in enumerate(messages):
        _check_role(prompt, label, m, i)
        if m["role"] != "user":
            chat.append({"role": m["role"], "content": _text_only(prompt, label, m, i)})
        elif isinstance(m["content"], str):
            chat.append({"role": "user", "content": m["content"]})
        else:
            parts = []
            for part in m["content"]:
                if part["type"] == "text":
                    parts.append({"type": "text", "text": part["text"]})
                elif part["type"] == "image":
                    parts.append(
                        {"type": "image_url", "image_url": {"url": part["url"], **({"detail": part["detail"]} if "detail" in part else {})}}
                    )
                elif part["type"] == "file":
                    parts.append({"type": "file", "file": {"file_data": part["url"], "filename": part.get("filename", "file")}})
                else:
                    match = DATA_URL.match(part["url"])
                    data = match.group(3) if match else ""
                    parts.append(
                        {"type": "input_audio", "input_audio": {"data": data, "format": "mp3" if "mpeg" in part["url"][:20] else "wav"}}
                    )
            chat.append({"role": "user", "content": parts})
    body["messages"] = chat
    if tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t["name"],
                    **({"description": t["description"]} if "description" in t else {}),
                    "parameters": _schema_copy(prompt, label, t["parameters"]),
                    **({"strict": t["strict"]} if "strict" in t else {}),
                },
            }
            for t in tools
        ]
    if output:
        body["response_format"] = {"type": "json_schema", "json_schema": _json_schema_format(prompt, label, output)}
    if "max_tokens" in settings:
        body["max_completion_tokens"] = settings["max_tokens"]
    for key in ("temperature", "top_p", "seed", "presence_penalty", "frequency_penalty", "stop"):
        if key in settings:
            body[key] = settings[key]
    if "reasoning_effort" in settings:
        body["reasoning_effort"] = settings["reasoning_effort"]
    return body


def anthropic_request(
    prompt: str, messages: Sequence[Mapping[str, Any]], model: Any, config: Any, tools: Any, output: Any
) -> dict[str, Any]:
    api = "to_anthropic (Messages API)"
    name, settings = model_choice(prompt, model, config, api)
    if "max_tokens" not in settings:
        raise _error(
            prompt,
            api,
            "Anthropic requires max_tokens and the prompt sets none",
            "Add `max_tokens` to the prompt's model block: `model: { name: claude-…, max_tokens: 1024 }`.",
        )
    system: list[str] = []
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        _check_role(prompt, api, m, i)
        if m["role"] in ("system", "developer"):
            text = _text_only(prompt, api, m, i)
            system.append(text if isinstance(text, str) else "".join(p["text"] for p in text))
            continue
        content = m["content"]
        if isinstance(content, str):
            out.append({"role": m["role"], "content": content})
            continue
        blocks = []
        for p, part in enumerate(content):
            if part["type"] == "text":
                blocks.append({"type": "text", "text": part["text"]})
            elif part["type"] == "image":
                match = DATA_URL.match(part["url"])
                if match is None:
                    blocks.append({"type": "image", "source": {"type": "url", "url": part["url"]}})
                else:
                    blocks.append(
                        {"type": "image", "source": {"type": "base64", "media_type": match.group(1) or "", "data": match.group(3)}}
                    )
            elif part["type"] == "file":
                match = DATA_URL.match(part["url"])
                source = (
                    {"type": "url", "url": part["url"]}
                    if match is None
                    else {"type": "base64", "media_type": match.group(1) or "", "data": match.group(3)}
                )
                blocks.append({"type": "document", "source": source, **({"title": part["filename"]} if "filename" in part else {})})
            else:
                raise _error(
                    prompt,
                    api,
                    f"message {i + 1} ({m['role']}) part {p + 1} is an audio part, which Anthropic does not take",
                    'Use to_openai(api="chat") for audio.',
                )
        out.append({"role": m["role"], "content": blocks})
    body: dict[str, Any] = {"model": name, "max_tokens": settings["max_tokens"]}
    if system:
        body["system"] = "\n\n".join(system)
    body["messages"] = out
    if tools:
        body["tools"] = [
            {
                "name": t["name"],
                **({"description": t["description"]} if "description" in t else {}),
                "input_schema": _schema_copy(prompt, api, t["parameters"]),
            }
            for t in tools
        ]
    if output:
        body["output_config"] = {"format": {"type": "json_schema", "schema": _schema_copy(prompt, api, output["schema"])}}
    for key in ("temperature", "top_p", "top_k"):
        if key in settings:
            body[key] = settings[key]
    if "stop" in settings:
        body["stop_sequences"] = settings["stop"]
    return body
