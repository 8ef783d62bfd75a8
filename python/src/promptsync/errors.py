"""Errors with the same stable codes as the TypeScript SDK (src/errors.ts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

SourceName = Literal["memory", "disk", "network", "snapshot", "local"]

MAX_SHOWN = 128


def shown(value: object) -> str:
    """A value as a message shows it: a hostile name can be megabytes long."""
    text = str(value)
    return text[:MAX_SHOWN] + "…" if len(text) > MAX_SHOWN else text


class PromptSyncError(Exception):
    """Every failure has a stable `code`, the same as the TypeScript SDK's."""

    code: str = "PROMPTSYNC_ERROR"

    def __init__(self, message: str, *, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


class ConfigError(PromptSyncError):
    code = "CONFIG_INVALID"


class UsageError(PromptSyncError):
    code = "USAGE"


class PromptNotFoundError(PromptSyncError):
    code = "PROMPT_NOT_FOUND"

    def __init__(self, prompt: str, where: str, suggestion: str | None = None) -> None:
        super().__init__(f'Prompt "{shown(prompt)}" not found in {where}', suggestion=suggestion)
        self.prompt = prompt


class VersionNotFoundError(PromptSyncError):
    code = "VERSION_NOT_FOUND"

    def __init__(self, version: str, project: str) -> None:
        super().__init__(
            f'Version {shown(version)} does not exist in project "{project}"', suggestion="Run `promptsync list` to see the versions."
        )
        self.version = version


class AliasNotFoundError(PromptSyncError):
    code = "ALIAS_NOT_FOUND"

    def __init__(self, alias: str, project: str) -> None:
        super().__init__(
            f'Alias "{shown(alias)}" does not exist in project "{project}"',
            suggestion=f"Create it with `promptsync alias set {shown(alias)} <version>`, or run `promptsync alias list`.",
        )
        self.alias = alias


class NetworkError(PromptSyncError):
    code = "NETWORK"

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url
        self.status = status


class InvalidBundleError(PromptSyncError):
    """A registry object that is malformed, off-schema, oversize or fails its hash."""

    code = "INVALID_BUNDLE"

    def __init__(self, key: str, message: str) -> None:
        super().__init__(
            f"Invalid registry object {key}: {message}",
            suggestion="The registry was changed outside promptsync or is corrupt; push the version again to a new number.",
        )
        self.key = key


class SignatureInvalidError(PromptSyncError):
    code = "SIGNATURE_INVALID"

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(
            f"Refused registry object {key}: {problem}",
            suggestion="Someone wrote to the registry without the team's signing key, or the trusted keys are out of date.",
        )
        self.key = key


class UnsafeTemplateError(PromptSyncError):
    code = "UNSAFE_TEMPLATE"

    def __init__(self, message: str) -> None:
        super().__init__(message, suggestion="Templates may only read variables and call the built-in filters and globals.")


class RenderLimitError(PromptSyncError):
    """A render went over one of its limits (operations, output length, range, depth, time)."""

    code = "RENDER_LIMIT"

    def __init__(self, limit: str, message: str, line: int | None = None) -> None:
        super().__init__(message, suggestion=f"Simplify the template, or raise render_limits['{limit}'] if the prompt really needs it.")
        self.limit = limit
        self.line = line


class InvalidNameError(PromptSyncError):
    code = "INVALID_NAME"

    def __init__(self, kind: str, value: object, problem: str) -> None:
        super().__init__(f"Invalid {kind} {shown(value)!r}: {problem}", suggestion="Use the name exactly as `promptsync list` shows it.")
        self.kind = kind
        self.value = shown(value)


class MissingVariableError(PromptSyncError):
    code = "MISSING_VARIABLE"

    def __init__(self, prompt: str, variables: Sequence[str]) -> None:
        noun = "variable" if len(variables) == 1 else "variables"
        super().__init__(
            f'Prompt "{prompt}" needs {noun} ' + ", ".join(f'"{v}"' for v in variables),
            suggestion="Pass every variable to format(), or give it a default in the template: {{ name | default('…') }}.",
        )
        self.variables = tuple(variables)


class RenderError(PromptSyncError):
    code = "RENDER_FAILED"

    def __init__(self, prompt: str, message: str) -> None:
        super().__init__(f'Rendering "{prompt}" failed: {message}')


@dataclass(frozen=True)
class SourceAttempt:
    source: SourceName
    error: str


class SourcesUnavailableError(PromptSyncError):
    code = "PROMPT_UNAVAILABLE"

    def __init__(self, what: str, attempts: Iterable[SourceAttempt], cause: BaseException | None = None) -> None:
        self.attempts = tuple(attempts)
        super().__init__(
            f"{what} could not be served: " + "; ".join(f"{a.source}: {a.error}" for a in self.attempts),
            suggestion="Check the registry URL and the network; ship a snapshot (promptsync pull, snapshot_dir) or pass fallback_to_local.",
        )
        self.cause = cause
        self.__cause__ = cause


class PromptUnavailableError(SourcesUnavailableError):
    def __init__(self, prompt: str, ref: str, attempts: Iterable[SourceAttempt], cause: BaseException | None = None) -> None:
        super().__init__(f'Prompt "{prompt}" ({ref})', attempts, cause)
        self.prompt = prompt


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    code: str
    message: str
    suggestion: str | None = None


class CompileError(PromptSyncError):
    code = "COMPILE_FAILED"

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        files = len({d.file for d in diagnostics})
        lines = "".join(f"\n{d.file}:{d.line}:{d.column}: {d.code}: {d.message}" for d in diagnostics)
        super().__init__(
            f"{len(diagnostics)} problem{'s' if len(diagnostics) != 1 else ''} in {files} file{'s' if files != 1 else ''}{lines}"
        )


def is_unavailable(error: BaseException) -> bool:
    """The registry could not serve right now, as against: the prompt, version or alias does not exist."""
    return isinstance(error, NetworkError | InvalidBundleError | UnsafeTemplateError | SignatureInvalidError | SourcesUnavailableError)
