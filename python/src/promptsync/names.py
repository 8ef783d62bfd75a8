"""Names that become registry keys, versions, keys and body limits (src/formats/names.ts, version.ts, layout.ts,
src/storage/key.ts): the same rules, applied before any request, cache or file access."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidNameError

SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
PROJECT = re.compile(r"[a-z0-9][a-z0-9._-]*")
ALIAS = re.compile(r"[a-z][a-z0-9_-]*")
VERSION = re.compile(r"v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?")
MAX_PROMPT_NAME = 512
MAX_SHORT_NAME = 128
LATEST = "latest"


def prompt_name_problem(name: str) -> str | None:
    if len(name) > MAX_PROMPT_NAME:
        return f"a prompt name has at most {MAX_PROMPT_NAME} characters"
    segments = name.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            return f'"{name}" has an empty, "." or ".." path segment'
        if not SEGMENT.fullmatch(segment) or not segment.isascii():
            return f'"{segment}" may only contain letters, digits, "_" and "-", and must start with a letter or digit'
    if segments[0].lower() == "aliases":
        return f'"{segments[0]}" is reserved by the registry layout'
    return None


def is_valid_project_id(value: str) -> bool:
    return len(value) <= MAX_SHORT_NAME and value.isascii() and PROJECT.fullmatch(value) is not None


def is_valid_alias(value: str) -> bool:
    return len(value) <= MAX_SHORT_NAME and value.isascii() and ALIAS.fullmatch(value) is not None and value != LATEST


def _parse_version(text: str) -> tuple[int, int, int, str | None] | None:
    m = VERSION.fullmatch(text.strip())
    if not m or not text.isascii():
        return None
    return int(m[1]), int(m[2]), int(m[3]), m[4]


def is_version(text: str) -> bool:
    return _parse_version(text) is not None


def normalize_version(text: str) -> str:
    v = _parse_version(text)
    if v is None:
        raise InvalidNameError("version", text, "not a version such as v1.2.3")
    return f"v{v[0]}.{v[1]}.{v[2]}" + (f"-{v[3]}" if v[3] else "")


def _compare_prerelease(a: str | None, b: str | None) -> int:
    if a == b:
        return 0
    if a is None:
        return 1
    if b is None:
        return -1
    pa, pb = a.split("."), b.split(".")
    for i in range(max(len(pa), len(pb))):
        if i >= len(pa):
            return -1
        if i >= len(pb):
            return 1
        sa, sb = pa[i], pb[i]
        na = int(sa) if sa.isdigit() else None
        nb = int(sb) if sb.isdigit() else None
        if na is not None and nb is not None:
            if na != nb:
                return -1 if na < nb else 1
        elif na is not None:
            return -1
        elif nb is not None:
            return 1
        elif sa != sb:
            return -1 if sa < sb else 1
    return 0


def compare_versions(a: str, b: str) -> int:
    x, y = _parse_version(a), _parse_version(b)
    if x is None or y is None:
        return (a > b) - (a < b)
    for i in range(3):
        if x[i] != y[i]:
            return -1 if x[i] < y[i] else 1  # type: ignore[operator]
    return _compare_prerelease(x[3], y[3])


def greatest_version(versions: Iterable[str]) -> str | None:
    """The greatest by compare_versions, the last of equals (as the last of a stable sort), in one pass: an index
    may list 100,000 versions, and sorting them compared long pre-release tags part by part n log n times."""
    greatest: str | None = None
    for version in versions:
        if greatest is None or compare_versions(version, greatest) >= 0:
            greatest = version
    return greatest


def assert_prompt_name(name: object) -> str:
    problem = prompt_name_problem(name) if isinstance(name, str) else "a prompt name is a string"
    if problem is not None:
        raise InvalidNameError("prompt", name, problem)
    assert isinstance(name, str)
    return name


def assert_project_id(value: object) -> str:
    if isinstance(value, str) and is_valid_project_id(value):
        return value
    raise InvalidNameError(
        "project",
        value,
        f'a project ID has 1-{MAX_SHORT_NAME} lowercase letters, digits, ".", "_" and "-", starting with a letter or digit',
    )


def assert_version_or_alias(ref: object) -> str:
    if isinstance(ref, str) and len(ref) <= MAX_SHORT_NAME and (ref == LATEST or is_version(ref) or is_valid_alias(ref)):
        return ref
    kind = "version" if isinstance(ref, str) and re.match(r"v?\d", ref) else "alias"
    raise InvalidNameError(
        kind,
        ref,
        'expected a version such as v1.2.0, "latest", or an alias name: lowercase letters, digits, "_" and "-", starting with a letter',
    )


# --- keys --------------------------------------------------------------------------------------------------------

MAX_KEY_BYTES = 1024
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


def registry_key_problem(key: str) -> str | None:
    if key == "":
        return "the key is empty"
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return f"a key has at most {MAX_KEY_BYTES} bytes"
    if _FORBIDDEN.search(key):
        return "a key contains no backslash or control character"
    if any(segment in ("", ".", "..") for segment in key.split("/")):
        return 'a key has no empty, "." or ".." segment'
    return None


def check_key(key: str) -> str:
    problem = registry_key_problem(key)
    if problem is not None:
        raise InvalidNameError("key", key, problem)
    return key


def _root(project: str) -> str:
    return f"prompts/{project}"


class layout:  # noqa: N801 - mirrors src/formats/layout.ts
    @staticmethod
    def index(project: str) -> str:
        return f"{_root(project)}/_index.json"

    @staticmethod
    def release(project: str, version: str) -> str:
        return f"{_root(project)}/_releases/{version}.json"

    @staticmethod
    def release_signature(project: str, version: str, key_id: str) -> str:
        return f"{_root(project)}/_signatures/{version}/{key_id}.json"

    @staticmethod
    def bundle(project: str, version: str) -> str:
        return f"{_root(project)}/_bundles/{version}.json"

    @staticmethod
    def alias(project: str, alias: str) -> str:
        return f"{_root(project)}/aliases/{alias}.json"

    @staticmethod
    def prompt_default(project: str, prompt: str, version: str) -> str:
        return f"{_root(project)}/{prompt}/{version}/default.yaml"


KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class BodyLimit:
    kind: str
    bytes: int


_BODY_LIMITS: tuple[tuple[re.Pattern[str], BodyLimit], ...] = (
    (re.compile(r"^prompts/[^/]+/aliases/[^/]+\.json$"), BodyLimit("alias pointer", 4 * MiB)),
    (re.compile(r"^prompts/[^/]+/_index\.json$"), BodyLimit("project index", 32 * MiB)),
    (re.compile(r"^prompts/[^/]+/_claims/[^/]+\.json$"), BodyLimit("version claim", 64 * KiB)),
    (re.compile(r"^prompts/[^/]+/_releases/[^/]+\.json$"), BodyLimit("release manifest", 16 * MiB)),
    (re.compile(r"^prompts/[^/]+/_signatures/[^/]+/[^/]+\.json$"), BodyLimit("release signature", 64 * KiB)),
    (re.compile(r"^prompts/[^/]+/_bundles/[^/]+\.json$"), BodyLimit("release bundle", 128 * MiB)),
    (re.compile(r"^prompts/[^/]+/_interfaces/[^/]+\.json$"), BodyLimit("commit interface", 16 * MiB)),
    (re.compile(r"^prompts/.+/metadata\.json$"), BodyLimit("prompt history", 8 * MiB)),
    (re.compile(r"^prompts/.+/default\.yaml$"), BodyLimit("compiled prompt", 16 * MiB)),
    (re.compile(r"^prompts/.+/variants/[^/]+\.yaml$"), BodyLimit("variant file", 16 * MiB)),
)
_OTHER = BodyLimit("registry object", 16 * MiB)


def body_limit_of(key: str) -> BodyLimit:
    for pattern, limit in _BODY_LIMITS:
        if pattern.search(key):
            return limit
    return _OTHER


def format_bytes(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n // KiB} KiB"
