"""Issue 17's structured prompts, as the TypeScript SDK reads them (src/structured/, src/json-schema/): message
placeholders filled with the app's messages (data, never rendered), content parts, the `inputs` check before
rendering, and `parse_output` against the output schema."""

from __future__ import annotations

import functools
import json
import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from types import FrameType
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from .errors import InvalidBundleError, PromptSyncError
from .pattern import Budget as CheckBudget
from .pattern import BudgetExceeded, PatternError, compile_pattern, search

MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool")
MAX_PLACEHOLDER_MESSAGES = 1000
# A model's answer, not a data dump; nested as deep as the TypeScript SDK's MAX_VALUE_DEPTH allows.
MAX_OUTPUT_LENGTH = 4 * 1024 * 1024
MAX_OUTPUT_DEPTH = 100
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
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_ONE = ("not", "if", "then", "else", "additionalProperties", "propertyNames", "items", "contains")
COUNTS = ("minProperties", "maxProperties", "minItems", "maxItems", "minContains", "maxContains", "minLength", "maxLength")
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
TYPES = ("null", "boolean", "object", "array", "number", "integer", "string")
ROOT_ONLY = ("$schema", "$id")
MAX_SUBSCHEMAS = 10_000
MAX_SCHEMA_DEPTH = 128
MAX_SAFE_INTEGER = 2**53 - 1
CHECK_BUDGET = 5_000_000
# What jsonschema's work costs, in matcher steps of about the same time, so that a check spends its budget at about
# the same pace (a few seconds for all of it) however the schema makes it work: a keyword applied, a `$ref` (a
# lookup and a new resolver), an error built or passed up (its message can quote a large part of the schema).
KEYWORD_STEPS = 8
REF_STEPS = 100
ERROR_STEPS = 4
# A keyword applied inside another adds at most this many Python frames to the stack (`not`, `if` and `contains`
# the most); a check keeps this many frames free below the recursion limit for the calls a keyword makes.
FRAMES_PER_KEYWORD = 5
STACK_RESERVE = 60


def _is_number(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and math.isfinite(value))


def _is_count(value: Any) -> bool:
    return _is_number(value) and value == int(value) and 0 <= value <= MAX_SAFE_INTEGER


def _is_names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value) and len(set(value)) == len(value)


def _is_types(value: Any) -> bool:
    names = [value] if isinstance(value, str) else value
    return isinstance(names, list) and len(names) > 0 and all(isinstance(name, str) and name in TYPES for name in names)


# What each keyword's value must be, as src/json-schema/compile-schema.ts requires: jsonschema raises on the rest.
SHAPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    **{key: (_is_count, "a whole number, 0 or more") for key in COUNTS},
    **{key: (_is_number, "a number") for key in BOUNDS},
    **{key: (lambda v: isinstance(v, list) and len(v) > 0, "a non-empty list of schemas") for key in SCHEMA_LISTS},
    **{key: (lambda v: isinstance(v, Mapping), "a mapping") for key in SCHEMA_MAPS},
    "multipleOf": (lambda v: _is_number(v) and v > 0, "a number above 0"),
    "type": (_is_types, f"one of {', '.join(TYPES)}, or a list of them"),
    "enum": (lambda v: isinstance(v, list), "a list"),
    "required": (_is_names, "a list of distinct property names"),
    "dependentRequired": (
        lambda v: isinstance(v, Mapping) and all(_is_names(names) for names in v.values()),
        "a mapping of property names to lists of distinct names",
    ),
    "uniqueItems": (lambda v: isinstance(v, bool), "true or false"),
    **{key: (lambda v: isinstance(v, str), "a string") for key in ("$ref", *ROOT_ONLY)},
}


def schema_problem(schema: Any) -> str | None:
    """Why a schema is outside the subset format() enforces (or unsafe to run), or None."""
    return _SchemaReview(schema).problem()


def _pointer(path: tuple[Any, ...]) -> str:
    return "".join(f"/{key}" for key in path)


class _SchemaReview:
    """One walk over a schema and the `$ref` targets it reaches, bounded in size and depth: everything jsonschema
    will apply is checked here, so a malformed registry schema is refused at load instead of raising in format()."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.count = 0
        self.reviewed: set[tuple[Any, ...]] = set()
        self.references: list[tuple[str, tuple[Any, ...]]] = []

    def problem(self) -> str | None:
        problem = self.schema(self.root, (), 0)
        # Reviewing a target may add references: the list grows while it is walked.
        for ref, at in self.references:
            if problem:
                break
            problem = self.reference(ref, at)
        return problem

    def schema(self, schema: Any, path: tuple[Any, ...], depth: int) -> str | None:
        self.count += 1
        self.reviewed.add(path)
        if self.count > MAX_SUBSCHEMAS or depth > MAX_SCHEMA_DEPTH:
            return "the schema is too large or too deeply nested"
        if isinstance(schema, bool):
            return None
        if not isinstance(schema, Mapping):
            return f"{_pointer(path) or 'the schema'} must be an object or a boolean"
        for key, value in schema.items():
            at = (*path, key)
            problem = self.keyword(key, value, at) or self.subschemas(key, value, at, depth + 1)
            if problem:
                return problem
        return None

    def keyword(self, key: Any, value: Any, at: tuple[Any, ...]) -> str | None:
        where = _pointer(at)
        if key not in SUBSET:
            return f"{where}: the keyword {key!r} is not supported"
        test, shape = SHAPES.get(key, (None, ""))
        if test is not None and not test(value):
            return f"{where} must be {shape}"
        if key in ROOT_ONLY and len(at) > 1:
            return f"{where}: {key} is only supported at the root of the schema"
        if key == "items" and isinstance(value, list):
            return f"{where}: the list form of items is not supported (write prefixItems)"
        if key == "$ref":
            self.references.append((value, at))
        for pattern in [value] if key == "pattern" else list(value) if key == "patternProperties" else []:
            problem = pattern_problem(pattern)
            if problem:
                return f"{where}: {problem}"
        return None

    def subschemas(self, key: str, value: Any, at: tuple[Any, ...], depth: int) -> str | None:
        if key in SCHEMA_ONE:
            return self.schema(value, at, depth)
        named = value.items() if key in SCHEMA_MAPS else enumerate(value) if key in SCHEMA_LISTS else ()
        for name, sub in named:
            problem = self.schema(sub, (*at, name), depth)
            if problem:
                return problem
        return None

    def reference(self, ref: str, at: tuple[Any, ...]) -> str | None:
        target = _ref_target(ref, self.root)
        if isinstance(target, str):
            return f"{_pointer(at)}: $ref {short_value(ref)} {target}"
        value, path = target
        return None if path in self.reviewed else self.schema(value, path, len(path))


def _ref_target(ref: str, root: Any) -> tuple[Any, tuple[Any, ...]] | str:
    """The schema a local `$ref` points to, found as jsonschema's resolver finds it (the fragment unquoted, then
    split), or why there is none."""
    if ref == "#":
        return root, ()
    if not ref.startswith("#/"):
        return 'is not local: write "#", "#/$defs/name" or "#/definitions/name"'
    segments = [segment.replace("~1", "/").replace("~0", "~") for segment in unquote(ref[2:]).split("/")]
    if segments[0] not in ("$defs", "definitions"):
        return 'must point into "$defs" or "definitions"'
    value = root
    path: tuple[Any, ...] = ()
    for segment in segments:
        if isinstance(value, list) and re.fullmatch(r"0|[1-9][0-9]{0,8}", segment) and int(segment) < len(value):
            value, path = value[int(segment)], (*path, int(segment))
        elif isinstance(value, Mapping) and segment in value:
            value, path = value[segment], (*path, segment)
        else:
            return "points to nothing in the schema"
    return value, path


def pattern_problem(pattern: Any) -> str | None:
    if not isinstance(pattern, str):
        return "a pattern is a string"
    try:
        compile_pattern(pattern)
    except PatternError as e:
        return f"the pattern {short_value(pattern)} is not supported: {e}"
    return None


class _Check:
    """One check under way: the budget its matcher and keywords spend, whatever the $ref fan-out, and how deep its
    keyword applications nest. The nesting stops short of the recursion limit, which could otherwise be reached
    inside jsonschema's Rust-backed maps, where it is a panic (a BaseException) rather than a RecursionError."""

    __slots__ = ("budget", "depth", "max_depth")

    def __init__(self) -> None:
        self.budget = CheckBudget(CHECK_BUDGET)
        self.depth = 0
        self.max_depth = (sys.getrecursionlimit() - _stack_depth() - STACK_RESERVE) // FRAMES_PER_KEYWORD


def _stack_depth() -> int:
    frame: FrameType | None = sys._getframe()
    depth = 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


class _NestedTooDeep(Exception):
    pass


_check: ContextVar[_Check] = ContextVar("promptsync_check")


def _matches(pattern: str, text: str) -> bool:
    budget = _check.get().budget
    budget.charge(KEYWORD_STEPS)  # setting up a search costs about as much as applying a keyword
    return search(compile_pattern(pattern), text, budget)


def _keyword_steps(name: str, value: Any) -> int:
    if name == "$ref":
        return REF_STEPS
    # enum compares the value with each member in turn.
    return KEYWORD_STEPS + (len(value) if name == "enum" else 0)


def _charged(name: str, keyword: Callable[..., Any]) -> Callable[..., Iterator[ValidationError]]:
    """The keyword, spending the check's budget as it works, within the check's nesting."""

    def apply(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        check = _check.get()
        check.budget.charge(_keyword_steps(name, value))
        if check.depth >= check.max_depth:
            raise _NestedTooDeep
        check.depth += 1
        try:
            for error in keyword(validator, value, instance, schema) or ():
                check.budget.charge(ERROR_STEPS + len(error.message) // 64)
                yield error
        finally:
            check.depth -= 1

    return apply


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


def _violations(validator: Draft202012Validator, value: Any, schema_name: str) -> tuple[list[dict[str, Any]], bool]:
    """The value's violations of the schema (at most MAX_VIOLATIONS, and whether there were more), found within one
    CHECK_BUDGET and the nesting the stack has room for."""
    violations: list[dict[str, Any]] = []
    token = _check.set(_Check())
    try:
        for error in validator.iter_errors(value):
            if len(violations) >= MAX_VIOLATIONS:
                return violations, True
            violations.append(_violation(error))
    except (RecursionError, _NestedTooDeep):
        violations.append(_bound_violation("depth", "the values or the schema are nested too deeply to check"))
    except BudgetExceeded:
        message = f"the values are too large to check against the {schema_name} (the check went over its budget)"
        violations.append(_bound_violation("budget", message))
    finally:
        _check.reset(token)
    return violations, False


def _bound_violation(rule: str, message: str) -> dict[str, Any]:
    return {"variable": None, "path": "", "rule": rule, "message": message}


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
    ok = instance % divisor == 0 if isinstance(divisor, int) and isinstance(instance, int) else _is_multiple(instance, divisor)
    if not ok:
        yield ValidationError(f"{instance!r} is not a multiple of {divisor}")


def _is_multiple(value: float, divisor: float) -> bool:
    try:
        quotient = value / divisor
    except OverflowError:  # a whole number past a float's range: Infinity in TypeScript, so not a multiple
        return False
    return math.isfinite(quotient) and abs(quotient - round(quotient)) <= 1e-9 * max(1.0, abs(quotient))


_Checker = validators.extend(
    Draft202012Validator,
    {
        name: _charged(name, keyword)
        for name, keyword in {
            **Draft202012Validator.VALIDATORS,
            "multipleOf": _multiple_of,
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional_properties,
        }.items()
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
        violations, truncated = _violations(validator, dict(values), "inputs schema")
        if violations:
            raise InputValidationError(name, violations, truncated)

    return check


def _nested_too_deep(text: str) -> bool:
    """Whether JSON text nests arrays and objects deeper than MAX_OUTPUT_DEPTH, strings aside: checked before
    parsing, as the TypeScript SDK does, so that a hostile response cannot hand the app a value its own recursive
    code cannot walk. One pass, as src/json-schema/parse-output.ts scans: an unterminated string runs to the end."""
    depth = 0
    in_string = False
    escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "[" or c == "{":
            depth += 1
            if depth > MAX_OUTPUT_DEPTH:
                return True
        elif c == "]" or c == "}":
            depth -= 1
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
    violations, _ = _violations(validator, value, "output schema")
    if violations:
        shown = "; ".join(f"{v['path'] or '(root)'}: {v['message']} ({v['rule']})" for v in violations)
        raise OutputValidationError(prompt_name, f"does not match the output schema: {shown}", violations)
    return value
