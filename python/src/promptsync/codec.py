"""Decoding registry objects: strict UTF-8, JSON or YAML 1.2, the object's JSON Schema, its own hashes
(docs/registry-format.md#verifying-what-you-read). Every failure is INVALID_BUNDLE naming the key."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from .canonical import content_hash
from .errors import InvalidBundleError
from .yaml12 import load_yaml12

SCHEMA_BASE = "https://promptsync.dev/schemas/"


@cache
def _registry() -> Registry:
    resources_list = []
    for entry in resources.files("promptsync").joinpath("schemas").iterdir():
        if entry.name.endswith(".schema.json"):
            schema = json.loads(entry.read_text("utf-8"))
            resources_list.append((SCHEMA_BASE + entry.name, Resource.from_contents(schema, default_specification=_spec())))
    return Registry().with_resources(resources_list)


def _spec() -> Any:
    from referencing.jsonschema import DRAFT7

    return DRAFT7


@cache
def validator(schema_name: str) -> Draft7Validator:
    schema = _registry().contents(SCHEMA_BASE + schema_name)
    cls: Any = Draft7Validator
    from jsonschema.validators import validator_for

    cls = validator_for(schema, default=Draft7Validator)
    return cls(schema, registry=_registry())


def schema_problem(value: Any, schema_name: str) -> str | None:
    try:
        error: ValidationError | None = next(iter(validator(schema_name).iter_errors(value)), None)
    except RecursionError:
        return "nested too deeply"
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "the document"
    return f"{where}: {error.message[:300]}"


def text_of(body: bytes, key: str) -> str:
    try:
        text = body.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        raise InvalidBundleError(key, f"not UTF-8 ({e.reason})") from None
    if text.startswith("\ufeff"):
        raise InvalidBundleError(key, "starts with a byte order mark")
    return text


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(body: bytes, key: str, schema: str) -> Any:
    text = text_of(body, key)
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise InvalidBundleError(key, f"malformed JSON: {str(e)[:200]}") from None
    return checked(value, key, schema)


def decode_yaml(body: bytes, key: str, schema: str) -> Any:
    text = text_of(body, key)
    try:
        value = load_yaml12(text)
    except RecursionError:
        raise InvalidBundleError(key, "malformed YAML: nested too deeply") from None
    except Exception as e:  # noqa: BLE001 - any parser failure is a malformed object
        raise InvalidBundleError(key, f"malformed YAML: {str(e).splitlines()[0][:200] if str(e) else type(e).__name__}") from None
    return checked(value, key, schema)


def checked(value: Any, key: str, schema: str) -> Any:
    problem = schema_problem(value, schema)
    if problem is not None:
        raise InvalidBundleError(key, f"does not match {schema}: {problem}")
    return value


def verify_prompt_hash(prompt: dict[str, Any], key: str) -> dict[str, Any]:
    try:
        for variant in prompt.get("variants", []):
            if content_hash(variant) != variant.get("hash"):
                raise InvalidBundleError(key, f"variant {str(variant.get('id'))[:64]} does not match its hash")
        if content_hash(prompt) != prompt.get("hash"):
            raise InvalidBundleError(key, "content does not match its hash")
    except (RecursionError, TypeError) as e:
        raise InvalidBundleError(key, f"cannot be hashed: {type(e).__name__}") from None
    return prompt
