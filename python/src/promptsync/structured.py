"""Issue 17's structured prompts, as the TypeScript SDK reads them (src/structured/, src/json-schema/): message
placeholders filled with the app's messages (data, never rendered), content parts, the `inputs` check before
rendering, and `parse_output` against the output schema."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from .errors import InvalidBundleError, PromptSyncError
from .pattern import Budget as PatternBudget
from .pattern import PatternError, compile_pattern, search

MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool")
MAX_PLACEHOLDER_MESSAGES = 1000
# A model's answer, not a data dump; nested as deep as the TypeScript SDK's MAX_VALUE_DEPTH allows.
MAX_OUTPUT_LENGTH = 4 * 1024 * 1024
MAX_OUTPUT_DEPTH = 100
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
MAX_MESSAGE_PARTS = 100
PART_KEYS = {"text": {"type", "text"}, "image": {"type", "url", "detail"}, "file": {"type", "url", "filename"}, "audio": {"type", "url"}}
DETAILS = {"auto", "low", "high"}
MAX_VIOLATIONS = 20


class InvalidMessageError(PromptSyncError):
    """A message a placeholder was filled with breaks a rule (role, content, count or size)."""

    code = "INVALID_MESSAGE"

    def __init__(self, prompt: str, placeholder: str, index: int | None, rule: str) -> None:
        where = f" {rule}" if index is None else f" message [{index}]: {rule}"
        super().__init__(
            f'Prompt "{prompt}": placeholder "{placeholder}"{where}',
            suggestion=f'Pass "{placeholder}" a list of {{role, content}} messages: role one of {", ".join(MESSAGE_ROLES)}; content a string or a list of {{type: text|image|file|audio}} parts.',
        )
        self.placeholder = placeholder
        self.index = index


class InputValidationError(PromptSyncError):
    """The variables break the prompt's `inputs` schema; `violations` lists each (at most 20)."""

    code = "INPUT_INVALID"

    def __init__(self, prompt: str, violations: list[dict[str, Any]], truncated: bool = False) -> None:
        shown = "; ".join(f'variable "{v["path"]}": {v["message"]} ({v["rule"]})' for v in violations)
        super().__init__(
            f'Prompt "{prompt}" got variables its inputs schema does not allow: {shown}' + (" (and more)" if truncated else "")
        )
        self.violations = violations
        self.truncated = truncated


class OutputValidationError(PromptSyncError):
    """A model's response is not JSON, or breaks the prompt's output schema."""

    code = "OUTPUT_INVALID"

    def __init__(self, prompt: str, message: str, violations: list[dict[str, Any]] | None = None) -> None:
        super().__init__(f'Prompt "{prompt}": the response {message}')
        self.violations = violations or []


def short_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value[:60] + "…" if len(value) > 60 else value, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def url_problem(kind: str, url: str) -> str | None:
    if kind == "audio":
        return (
            None
            if re.match(r"^data:audio/(?:wav|mpeg)[;,]", url, re.IGNORECASE)
            else "an audio part's url must be a data:audio/wav or data:audio/mpeg URL"
        )
    return (
        None
        if re.match(r"^(?:https:|data:)", url, re.IGNORECASE)
        else f"an {'image' if kind == 'image' else 'file'} part's url must start with https: or data:"
    )


def placeholder_messages(prompt: str, placeholder: str, value: Any, max_length: int) -> list[dict[str, Any]]:
    """The messages a placeholder is filled with, checked and copied: data from the app, never rendered."""

    def fail(rule: str, index: int | None = None) -> InvalidMessageError:
        return InvalidMessageError(prompt, placeholder, index, rule)

    if not isinstance(value, list | tuple):
        raise fail(f"must be a list of messages ({{role, content}}), got {short_value(value)}")
    if len(value) > MAX_PLACEHOLDER_MESSAGES:
        raise fail(f"has {len(value)} messages; at most {MAX_PLACEHOLDER_MESSAGES} are allowed")
    length = 0

    def count(text: str, index: int | None = None) -> str:
        nonlocal length
        length += len(text)
        if length > max_length:
            raise fail(f"the messages hold more than {max_length} characters (render limit maxOutputLength)", index)
        return text

    out: list[dict[str, Any]] = []
    for index, message in enumerate(value):
        if not isinstance(message, Mapping):
            raise fail(f"must be an object {{role, content}}, got {short_value(message)}", index)
        unknown = next((k for k in message if k not in ("role", "content")), None)
        if unknown is not None:
            raise fail(f"has the unknown field {short_value(unknown)} (a message has only role and content)", index)
        role = message.get("role")
        if not isinstance(role, str) or role not in MESSAGE_ROLES:
            raise fail(f"role must be one of {', '.join(MESSAGE_ROLES)}, got {short_value(role)}", index)
        content = message.get("content")
        if isinstance(content, str):
            out.append({"role": role, "content": count(content, index)})
            continue
        if not isinstance(content, list | tuple):
            raise fail(f"content must be a string or a list of content parts, got {short_value(content)}", index)
        if len(content) == 0 or len(content) > MAX_MESSAGE_PARTS:
            raise fail(f"content must have 1 to {MAX_MESSAGE_PARTS} parts, got {len(content)}", index)
        parts = []
        for p, part in enumerate(content):
            checked = _content_part(part, functools.partial(count, index=index))
            if isinstance(checked, str):
                raise fail(f"content part {p + 1} {checked}", index)
            parts.append(checked)
        out.append({"role": role, "content": parts})
    return out


def _content_part(part: Any, count: Callable[[str], str]) -> dict[str, Any] | str:
    if not isinstance(part, Mapping):
        return f"must be an object with a type, got {short_value(part)}"
    kind = part.get("type")
    keys = PART_KEYS.get(kind) if isinstance(kind, str) else None
    if keys is None:
        return f"type must be one of text, image, file, audio, got {short_value(kind)}"
    unknown = next((k for k in part if k not in keys), None)
    if unknown is not None:
        return f"({kind}) has the unknown field {short_value(unknown)}"
    if kind == "text":
        text = part.get("text")
        return {"type": "text", "text": count(text)} if isinstance(text, str) else f"(text) text must be a string, got {short_value(text)}"
    url = part.get("url")
    if not isinstance(url, str):
        return f"({kind}) url must be a string, got {short_value(url)}"
    problem = url_problem(str(kind), url)
    if problem:
        return f"({kind}): {problem}, got {short_value(url)}"
    count(url)
    if kind == "image":
        detail = part.get("detail")
        if detail is None:
            return {"type": "image", "url": url}
        return (
            {"type": "image", "url": url, "detail": detail}
            if detail in DETAILS
            else f"(image) detail must be auto, low or high, got {short_value(detail)}"
        )
    if kind == "file":
        filename = part.get("filename")
        if filename is None:
            return {"type": "file", "url": url}
        return (
            {"type": "file", "url": url, "filename": count(filename)}
            if isinstance(filename, str)
            else f"(file) filename must be a string, got {short_value(filename)}"
        )
    return {"type": "audio", "url": url}


# --- JSON Schema checks (inputs, output) ---------------------------------------------------------------------------

SUBSET = frozenset(
    [
        "type",
        "enum",
        "const",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "$ref",
        "$defs",
        "definitions",
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "required",
        "dependentRequired",
        "minProperties",
        "maxProperties",
        "prefixItems",
        "items",
        "contains",
        "minContains",
        "maxContains",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "title",
        "description",
        "default",
        "examples",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "contentMediaType",
        "contentEncoding",
        "$schema",
        "$id",
    ]
)
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentRequired")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_ONE = ("not", "if", "then", "else", "additionalProperties", "propertyNames", "items", "contains")
MAX_SUBSCHEMAS = 10_000
MAX_SCHEMA_DEPTH = 128
INPUTS_BUDGET = 5_000_000


def schema_problem(schema: Any, path: str = "", state: list[int] | None = None, depth: int = 0) -> str | None:
    """Why a schema is outside the subset format() enforces (or unsafe to run), or None."""
    state = state if state is not None else [0]
    state[0] += 1
    if state[0] > MAX_SUBSCHEMAS or depth > MAX_SCHEMA_DEPTH:
        return "the schema is too large or too deeply nested"
    if isinstance(schema, bool):
        return None
    if not isinstance(schema, Mapping):
        return f"{path or 'the schema'} must be an object or a boolean"
    for key, value in schema.items():
        where = f"{path}/{key}"
        if key not in SUBSET:
            return f"{where}: the keyword {key!r} is not supported"
        if key == "$ref" and (not isinstance(value, str) or not value.startswith("#")):
            return f"{where}: only local references (#/$defs/…) are supported"
        if key == "items" and isinstance(value, list):
            return f"{where}: the list form of items is not supported (write prefixItems)"
        if key == "pattern" or key == "patternProperties":
            for pattern in [value] if key == "pattern" else list(value) if isinstance(value, Mapping) else []:
                problem = pattern_problem(pattern)
                if problem:
                    return f"{where}: {problem}"
        if key in SCHEMA_MAPS and isinstance(value, Mapping) and key != "dependentRequired":
            for name, sub in value.items():
                problem = schema_problem(sub, f"{where}/{name}", state, depth + 1)
                if problem:
                    return problem
        elif key in SCHEMA_LISTS and isinstance(value, list):
            for i, sub in enumerate(value):
                problem = schema_problem(sub, f"{where}/{i}", state, depth + 1)
                if problem:
                    return problem
        elif key in SCHEMA_ONE:
            problem = schema_problem(value, where, state, depth + 1)
            if problem:
                return problem
    return None


def pattern_problem(pattern: Any) -> str | None:
    if not isinstance(pattern, str):
        return "a pattern is a string"
    try:
        compile_pattern(pattern)
    except PatternError as e:
        return f"the pattern {short_value(pattern)} is not supported: {e}"
    return None


_budget: ContextVar[PatternBudget | None] = ContextVar("promptsync_inputs_budget", default=None)


def _matches(pattern: str, text: str) -> bool:
    budget = _budget.get()
    if budget is None:
        budget = PatternBudget(INPUTS_BUDGET)
    return search(compile_pattern(pattern), text, budget)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _matches(pattern, instance):
        yield ValidationError(f"{short_value(instance)} does not match the pattern {short_value(pattern)}")


def _pattern_properties(validator: Any, patterns: Mapping[str, Any], instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [k for k in instance if k not in properties and not any(_matches(p, k) for p in patterns)]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        shown = ", ".join(short_value(e) for e in extras[:10])
        yield ValidationError(f"is not allowed: {shown} not declared by the schema")


def _path_text(path: list[Any]) -> str:
    out = ""
    for i, key in enumerate(path):
        if isinstance(key, int):
            out += f"[{key}]"
        elif i == 0:
            out += str(key)
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", str(key)):
            out += f".{key}"
        else:
            out += f"[{json.dumps(str(key))}]"
    return out


def _violations(validator: Draft202012Validator, value: Any) -> tuple[list[dict[str, Any]], bool]:
    violations: list[dict[str, Any]] = []
    truncated = False
    try:
        for error in validator.iter_errors(value):
            if len(violations) >= MAX_VIOLATIONS:
                truncated = True
                break
            violations.append(_violation(error))
    except RecursionError:
        violations.append(
            {"variable": None, "path": "", "rule": "depth", "message": "the values or the schema are nested too deeply to check"}
        )
    return violations, truncated


def _violation(error: ValidationError) -> dict[str, Any]:
    path = list(error.absolute_path)
    return {
        "variable": path[0] if path and isinstance(path[0], str) else None,
        "path": _path_text(path),
        "rule": str(error.validator),
        "message": error.message[:300],
    }


def _multiple_of(validator: Any, divisor: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """multipleOf with the TypeScript SDK's relative tolerance of 1e-9, so 0.3 is a multiple of 0.1."""
    if not validator.is_type(instance, "number") or isinstance(instance, bool):
        return
    if isinstance(divisor, int) and isinstance(instance, int):
        ok = instance % divisor == 0
    else:
        quotient = instance / divisor
        ok = math.isfinite(quotient) and abs(quotient - round(quotient)) <= 1e-9 * max(1.0, abs(quotient))
    if not ok:
        yield ValidationError(f"{instance!r} is not a multiple of {divisor}")


_Checker = validators.extend(
    Draft202012Validator,
    {
        "multipleOf": _multiple_of,
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)


def compile_schema(schema: Any, origin: str, prompt: str, what: str) -> Draft202012Validator:
    problem = schema_problem(schema)
    if problem:
        raise InvalidBundleError(origin, f'prompt "{prompt}": {what}: {problem}')
    try:
        return _Checker(schema)
    except Exception as e:  # noqa: BLE001
        raise InvalidBundleError(origin, f'prompt "{prompt}": {what}: {e}') from None


def inputs_check(prompt: Mapping[str, Any], origin: str) -> Callable[[Mapping[str, Any]], None] | None:
    """The check format() runs before rendering when the prompt declares `inputs`, compiled once at load."""
    schema = prompt.get("inputs")
    if schema is None:
        return None
    name = str(prompt.get("name"))
    validator = compile_schema(schema, origin, name, "inputs")

    def check(values: Mapping[str, Any]) -> None:
        violations, truncated = _violations(validator, dict(values))
        if violations:
            raise InputValidationError(name, violations, truncated)

    return check


def _nested_too_deep(text: str) -> bool:
    """Whether JSON text nests arrays and objects deeper than MAX_OUTPUT_DEPTH, strings aside: checked before
    parsing, as the TypeScript SDK does, so that a hostile response cannot hand the app a value its own recursive
    code cannot walk."""
    depth = 0
    for bracket in _BRACKETS.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > MAX_OUTPUT_DEPTH:
            return True
    return False


def parse_output(prompt_name: str, output: Mapping[str, Any] | None, text: str) -> Any:
    """A model's response parsed as JSON and checked against the output schema."""
    if output is None:
        raise OutputValidationError(prompt_name, "cannot be checked: the prompt declares no output schema")
    if len(text) > MAX_OUTPUT_LENGTH:
        raise OutputValidationError(prompt_name, f"is longer than {MAX_OUTPUT_LENGTH} characters")
    if _nested_too_deep(text):
        message = f"is nested deeper than {MAX_OUTPUT_DEPTH} levels"
        raise OutputValidationError(prompt_name, message, [{"path": "", "rule": "depth", "message": message}])
    try:
        value = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except (ValueError, RecursionError) as e:
        raise OutputValidationError(prompt_name, f"is not JSON: {str(e)[:200]}") from None
    validator = compile_schema(output.get("schema", {}), "output", prompt_name, "output schema")
    violations, _ = _violations(validator, value)
    if violations:
        shown = "; ".join(f"{v['path'] or '(root)'}: {v['message']} ({v['rule']})" for v in violations)
        raise OutputValidationError(prompt_name, f"does not match the output schema: {shown}", violations)
    return value
