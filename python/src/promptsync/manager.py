"""PromptManager: reads prompts from a registry (http(s), file://, a folder) with no server in between, or compiles
the local prompts folder when none is configured. The same semantics as the TypeScript SDK (sdk/): serving order
memory → disk → network → snapshot → local, `source` and `stale`, conditional revalidation, single-flight,
background refresh, a byte-bounded memory cache, signature verification with rollback protection."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import subprocess
import threading
import time
import uuid
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .canary import in_canary
from .codec import decode_json, decode_yaml, verify_prompt_hash
from .errors import (
    AliasNotFoundError,
    ConfigError,
    InvalidBundleError,
    PromptNotFoundError,
    PromptSyncError,
    PromptUnavailableError,
    SourceAttempt,
    SourceName,
    SourcesUnavailableError,
    UsageError,
    VersionNotFoundError,
    is_unavailable,
)
from .local import compile_folder
from .names import (
    LATEST,
    BodyLimit,
    assert_project_id,
    assert_prompt_name,
    assert_version_or_alias,
    body_limit_of,
    compare_versions,
    greatest_version,
    is_valid_alias,
    is_valid_project_id,
    is_version,
    layout,
    normalize_version,
    prompt_name_problem,
)
from .otel import SpanLike, annotate_span
from .prompt import Prompt, PromptInfo
from .render import RenderableBody, RenderLimits, RenderSettings, materialize, resolve_limits
from .signing import Verifier, resolve_trusted_keys
from .storage import DiskCache, FolderReader, HttpReader, Reader, StoredObject, open_reader
from .telemetry import (
    CallbackSink,
    Connection,
    FolderStore,
    HttpSink,
    Store,
    StoreSink,
    TelemetryRecorder,
    TelemetrySink,
    TelemetryStats,
    detect_app_commit,
    detect_app_name,
    resolve_client_id,
    resolve_telemetry,
)
from .tracking import ServedPrompt, served_of, tracking_metadata
from .variants import select_variant
from .version import __version__
from .yaml12 import load_yaml12

RefreshStrategy = Literal["background", "on-demand", "none"]
UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3}


def parse_size(size: int | float | str) -> int:
    if isinstance(size, int | float) and not isinstance(size, bool) and size >= 0:
        return int(size)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*", str(size), re.IGNORECASE)
    if not m:
        raise ConfigError(
            f'PromptManager option `cache_strategy["max_cache_size"]` must be a number of bytes or a size such as "100MB", not {size!r}'
        )
    return int(float(m.group(1)) * UNITS[(m.group(2) or "B").upper()])


def _seconds(value: Any, name: str, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum or value != value:
        raise ConfigError(f"PromptManager option `{name}` must be a number of seconds ≥ {minimum}, not {value!r}")
    return float(value)


class LoadedPrompt:
    """A compiled prompt with its templates compiled once, and the Prompt objects handed out for it."""

    def __init__(self, compiled: dict[str, Any], encoded_bytes: int, settings: RenderSettings, origin: str) -> None:
        self.compiled = compiled
        self.bytes = encoded_bytes * 3
        self.bodies: dict[str | None, RenderableBody] = materialize(compiled, settings, origin)
        self._handed: dict[tuple[Any, ...], Prompt] = {}
        self._variants: dict[frozenset[tuple[str, str]], str | None] = {}
        self._has_variants = bool(compiled["variants"])

    def variant_of(self, tags: Mapping[str, str] | None) -> str | None:
        """The selected variant's id, remembered per tag set (at most 1,024 tag sets per prompt)."""
        if not tags or not self._has_variants:
            return None
        try:
            key = frozenset(tags.items())
            return self._variants[key]
        except KeyError:
            pass
        except (TypeError, AttributeError):
            raise UsageError("tags must be a dict of strings") from None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
            raise UsageError("tags must be a dict of strings")
        variant = select_variant(self.compiled["variants"], tags)
        vid = None if variant is None else str(variant["id"])
        if len(self._variants) < 1024:
            self._variants[key] = vid
        return vid

    def prompt(self, info: PromptInfo, tags: Mapping[str, str] | None) -> Prompt:
        return self.handed(info.project, info.version, info.alias, info.source, info.stale, info.canary, tags)

    def handed(
        self,
        project: str | None,
        version: str,
        alias: str | None,
        source: SourceName,
        stale: bool,
        canary: bool,
        tags: Mapping[str, str] | None,
    ) -> Prompt:
        """One Prompt object per alias, variant, source, staleness and canary side: the hot path allocates nothing."""
        vid = self.variant_of(tags)
        key = (alias, vid, source, stale, canary, version)
        prompt = self._handed.get(key)
        if prompt is None:
            prompt = Prompt(self.compiled, self.bodies[vid], PromptInfo(project, version, alias, source, stale, canary))
            if len(self._handed) < 4096:
                self._handed[key] = prompt
        return prompt


class ByteLru:
    """Least recently used out first, bounded by the approximate bytes of its values."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple[str, str], LoadedPrompt] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> LoadedPrompt | None:
        item = self._items.get(key)
        if item is not None:
            try:
                self._items.move_to_end(key)
            except KeyError:
                pass
        return item

    def set(self, key: tuple[str, str], value: LoadedPrompt) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old.bytes
            if value.bytes > self.max_bytes:
                return
            self._items[key] = value
            self.bytes += value.bytes
            while self.bytes > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self.bytes -= evicted.bytes

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class PointerState:
    version: str
    alias: str | None
    etag: str
    body: bytes
    checked_at: float
    stale: bool
    canary: dict[str, Any] | None


@dataclass(frozen=True)
class Target:
    version: str
    alias: str | None
    stale: bool
    canary: dict[str, Any] | None = None


class _Flight:
    """One request shared by every caller that asks while it runs (single-flight)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def wait(self, timeout: float | None = None) -> Any:
        if not self.done.wait(timeout):
            raise TimeoutError
        if self.error is not None:
            raise self.error
        return self.result


def _find_config(cwd: str) -> tuple[dict[str, Any], str] | None:
    top = _git_top(cwd)
    d = os.path.abspath(cwd)
    while True:
        for name in ("promptsync.config.yaml", "promptsync.config.yml"):
            path = os.path.join(d, name)
            if os.path.isfile(path):
                try:
                    with open(path, encoding="utf-8") as f:
                        value = load_yaml12(f.read(1 << 20))
                except Exception as e:  # noqa: BLE001
                    raise ConfigError(f"{path}: {str(e).splitlines()[0] if str(e) else 'invalid YAML'}") from None
                return (value if isinstance(value, dict) else {}), d
        pkg = os.path.join(d, "package.json")
        if os.path.isfile(pkg):
            try:
                with open(pkg, encoding="utf-8") as f:
                    section = json.loads(f.read(1 << 22)).get("promptsync")
                if isinstance(section, dict):
                    return section, d
            except (OSError, ValueError, AttributeError):
                pass
        parent = os.path.dirname(d)
        if d == top or parent == d:
            return None
        d = parent


def _git(cwd: str, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def _git_top(cwd: str) -> str | None:
    return _git(cwd, "rev-parse", "--show-toplevel")


def to_project_id(raw: str) -> str:
    base = re.sub(r"\.git$", "", re.sub(r"^@[^/]+/", "", raw.strip()))
    return re.sub(r"^[._-]+|-+$", "", re.sub(r"[^a-z0-9._-]+", "-", base.lower()))


def _package_json_name(cwd: str) -> str | None:
    try:
        with open(os.path.join(cwd, "package.json"), encoding="utf-8") as f:
            name = json.loads(f.read(1 << 22)).get("name")
        return name if isinstance(name, str) else None
    except (OSError, ValueError, AttributeError):
        return None


def _pyproject_name(cwd: str) -> str | None:
    try:
        with open(os.path.join(cwd, "pyproject.toml"), encoding="utf-8") as f:
            text = f.read(1 << 22)
    except OSError:
        return None
    in_project = False
    for line in text.splitlines():
        table = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
        if table:
            in_project = table.group(1).strip() == "project"
        name = re.match(r"^\s*name\s*=\s*[\"']([^\"']+)[\"']", line) if in_project else None
        if name:
            return name.group(1)
    return None


def detect_project(cwd: str, config: Mapping[str, Any]) -> str:
    """As the CLI does: the config, the git remote origin's repository name, the git top-level folder's name,
    package.json's name, pyproject.toml's [project] name."""
    configured = config.get("project")
    if isinstance(configured, str):
        return assert_project_id(configured)
    candidates: list[tuple[str, Callable[[], str | None]]] = [
        (
            "git remote",
            lambda: (lambda url: re.sub(r"\.git$", "", re.split(r"[/:]", url.rstrip("/"))[-1]) if url else None)(
                _git(cwd, "remote", "get-url", "origin")
            ),
        ),
        ("git folder", lambda: (lambda top: os.path.basename(top) if top else None)(_git_top(cwd))),
        ("package.json", lambda: _package_json_name(cwd)),
        ("pyproject.toml", lambda: _pyproject_name(cwd)),
    ]
    for source, candidate in candidates:
        raw = candidate()
        if raw:
            project = to_project_id(raw)
            if not is_valid_project_id(project):
                raise ConfigError(
                    f'Project ID "{project}" (from {source}) is invalid',
                    suggestion="Pass project=… or set `project:` in promptsync.config.yaml.",
                )
            return project
    raise ConfigError(
        "Cannot tell which project this is",
        suggestion="Pass project=…, set PROMPTSYNC_PROJECT or `project:` in promptsync.config.yaml, or run inside a git repository.",
    )


class PromptManager:
    """Reads prompts from a registry (http(s), file://, a folder), or compiles the local prompts folder when no
    registry is configured. Serving order: memory, disk cache, registry, snapshot, local files."""

    def __init__(
        self,
        registry: str | None = None,
        project: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        refresh_interval: float = 300,
        cache_strategy: Mapping[str, Any] | None = None,
        snapshot_dir: str | os.PathLike[str] | None = None,
        respect_canary: bool = True,
        trusted_keys: Sequence[str] | None = None,
        revoked_keys: Sequence[str] | None = None,
        render_limits: Mapping[str, int] | RenderLimits | None = None,
        prompts_dir: str | os.PathLike[str] = "./prompts",
        default_version_or_alias: str | None = None,
        strict: bool = True,
        strict_local_mode: bool = False,
        retries: int = 2,
        timeout: float = 10.0,
        cwd: str | os.PathLike[str] | None = None,
        now: Callable[[], float] | None = None,
        telemetry: Mapping[str, Any] | bool | None = None,
        app_commit: str | None = None,
        app_name: str | None = None,
        client_id: str | None = None,
    ) -> None:
        env = os.environ
        self._cwd = os.path.abspath(cwd if cwd is not None else os.getcwd())
        self._now = now or time.time
        self._refresh_interval = _seconds(refresh_interval, "refresh_interval")
        strategy = dict(cache_strategy or {})
        known = {"memory_ttl", "file_ttl", "refresh_strategy", "max_cache_size", "startup_revalidation_timeout"}
        for key in strategy:
            if key not in known:
                raise ConfigError(f"PromptManager option `cache_strategy`: unknown key {key!r} (known: {', '.join(sorted(known))})")
        self._memory_ttl = _seconds(strategy.get("memory_ttl", self._refresh_interval), 'cache_strategy["memory_ttl"]')
        self._file_ttl = _seconds(strategy.get("file_ttl", 3600), 'cache_strategy["file_ttl"]')
        self._startup_timeout = _seconds(strategy.get("startup_revalidation_timeout", 1), 'cache_strategy["startup_revalidation_timeout"]')
        refresh_strategy = strategy.get("refresh_strategy", "background")
        if refresh_strategy not in ("background", "on-demand", "none"):
            raise ConfigError('PromptManager option `cache_strategy["refresh_strategy"]` must be "background", "on-demand" or "none"')
        self._strategy: RefreshStrategy = refresh_strategy
        self._max_bytes = parse_size(strategy.get("max_cache_size", "100MB"))
        self._registry_option = registry if registry is not None else env.get("PROMPTSYNC_REGISTRY") or None
        project = project if project is not None else env.get("PROMPTSYNC_PROJECT") or None
        self._project_option = assert_project_id(project) if project is not None else None
        self._default_given = default_version_or_alias is not None
        self._default_ref = assert_version_or_alias(default_version_or_alias if default_version_or_alias is not None else "production")
        self._cache_dir = os.fspath(cache_dir) if cache_dir is not None else None
        self._snapshot_dir = os.fspath(snapshot_dir) if snapshot_dir is not None else None
        self._respect_canary = respect_canary
        self._prompts_dir = os.path.join(self._cwd, os.fspath(prompts_dir))
        self._strict_local = strict_local_mode
        self._settings = RenderSettings(strict=strict, limits=resolve_limits(render_limits))
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigError("PromptManager option `retries` must be a whole number ≥ 0")
        self._retries = retries
        self._timeout = _seconds(timeout, "timeout", 0.001)
        self._trust = resolve_trusted_keys(trusted_keys, revoked_keys, env, self._cwd)
        self._canary_key = str(uuid.uuid4())
        self._lock = threading.RLock()
        self._closed = threading.Event()
        self._mode: Literal["registry", "local"] | None = None
        self._project: str | None = None
        self._network: Reader | None = None
        self._disk: DiskCache | None = None
        self._snapshot: FolderReader | None = None
        self.verifier: Verifier | None = None
        self._pointers: dict[str, PointerState] = {}
        self._pointer_flights: dict[str, _Flight] = {}
        self._known_versions: dict[str, Target] = {}
        self._memory = ByteLru(self._max_bytes)
        self._content_flights: dict[tuple[str, str], _Flight] = {}
        self._manifests: dict[str, tuple[dict[str, Any], SourceName]] = {}
        self._manifest_flights: dict[str, _Flight] = {}
        self._in_use: dict[str, set[str]] = {}
        self._local: dict[str, LoadedPrompt] | None = None
        self._warned_local = False
        self._thread: threading.Thread | None = None
        self._workers = _DaemonWorkers()
        self._app_commit = app_commit
        self._app_name = app_name
        self._telemetry = TelemetryRecorder(
            resolve_telemetry(telemetry, env, self._cwd),
            resolve_client_id(client_id),
            self._now,
            self._connect_telemetry,
            (lambda: self.verifier.refusals if self.verifier else 0) if self._trust else None,
        )

    # --- public API --------------------------------------------------------------------------------------------

    def get_prompt(
        self,
        name: str,
        version_or_alias: str | None = None,
        fallback_to_local: bool = False,
        tags: Mapping[str, str] | None = None,
        canary_key: str | None = None,
        respect_canary: bool | None = None,
        span: SpanLike | None = None,
    ) -> Prompt:
        """A prompt at a version or alias (default: the manager's default_version_or_alias, "production"), with a
        variant selected by tags. Sets the prompt's attributes on `span`, else on the active OpenTelemetry span."""
        ref = version_or_alias if version_or_alias is not None else self._default_ref
        # The hot path: everything in memory, no lock, no validation beyond dictionary hits of checked names.
        if self._mode == "registry" and type(ref) is str and type(name) is str:
            target: Target | PointerState | None = self._known_versions.get(ref)
            if target is None:
                state = self._pointers.get(ref)
                if state is not None and (
                    self._strategy == "none" or self._now() - state.checked_at < self._memory_ttl or self._fresh(ref, state)
                ):
                    target = state
            if target is not None:
                canary = target.canary is not None and self._chooses_canary(target, canary_key, respect_canary)
                version = target.canary["version"] if canary and target.canary else target.version
                hit = self._memory.get((version, name))
                if hit is not None:
                    prompt = hit.handed(self._project, version, target.alias, "memory", target.stale, canary, tags)
                    self._telemetry.served(prompt)
                    annotate_span(prompt, span)
                    return prompt
        prompt = self._resolve(name, ref, version_or_alias, fallback_to_local, tags, canary_key, respect_canary)
        self._telemetry.served(prompt)
        annotate_span(prompt, span)
        return prompt

    def create_tracking_metadata(
        self, *, prompt: Prompt | None = None, prompt_id: str | None = None, context: Mapping[str, Any] | None = None
    ) -> dict[str, str]:
        """A flat string map for the `metadata` of an LLM call (OpenAI's limits: 16 keys, 64-character keys,
        512-character values): the prompt's project, name, version, variant, alias and canary side, plus `context`
        (values that are not strings JSON-encoded). Breaking a limit is a UsageError naming the key."""
        project = (prompt.project if prompt is not None else None) or self._project or self._project_option
        return tracking_metadata(project, self._served_prompt(prompt, prompt_id), context)

    def diff(self, name: str, v1: str, v2: str) -> dict[str, Any]:
        """What changed in a prompt between two versions or aliases (`"local"` for the local files): the TypeScript
        SDK's pm.diff and `promptsync diff --format json` (`name`, `status`, `changes`)."""
        from .diff import compare_prompts

        assert_prompt_name(name)
        for ref in (v1, v2):
            if ref != "local":
                assert_version_or_alias(ref)
        before, after = self._compiled_at(name, v1), self._compiled_at(name, v2)
        if before is None and after is None:
            raise PromptNotFoundError(name, f"{v1} or {v2}")
        return compare_prompts(name, before, after)

    def _compiled_at(self, name: str, ref: str) -> dict[str, Any] | None:
        mode = self._detect()
        if ref == "local" or mode == "local":
            if ref != "local":
                self._ignored_in_local_mode(ref)
            local = self._compile_local().get(name)
            return local.compiled if local is not None else None
        version = self._target(ref).version
        try:
            return self._load(version, name)[0].compiled
        except PromptNotFoundError:
            return None

    def report_metrics(
        self, *, prompt: Prompt | None = None, prompt_id: str | None = None, metrics: Mapping[str, float | bool]
    ) -> None:
        """Records the outcome of an LLM call made with a prompt (`success`, `latency_ms`, and any other numbers or
        booleans) for `promptsync analytics`. Returns at once: events are buffered and sent by a daemon thread. A
        no-op when telemetry is off (the metrics are still checked)."""
        self._telemetry.report(self._served_prompt(prompt, prompt_id), metrics)

    def telemetry_stats(self) -> TelemetryStats | None:
        """What telemetry holds and has sent: buffered and dropped events (exact), failed flushes and why; None
        when telemetry is off."""
        return self._telemetry.stats() if self._telemetry.on else None

    def flush_telemetry(self) -> None:
        """Sends buffered telemetry now instead of at the next interval; never raises (see telemetry_stats())."""
        self._telemetry.flush()

    def _connect_telemetry(self) -> Connection:
        """The project, the sink and what the app is, decided at the first flush."""
        try:
            mode = self._detect()
        except PromptSyncError:
            mode = None
        project = self._project if mode is not None and self._project else self._project_option
        if not project:
            raise ConfigError(
                "Telemetry needs a project ID to file events under", suggestion="Set the PromptManager option `project` or PROMPTSYNC_PROJECT."
            )
        settings = self._telemetry.settings
        assert settings is not None
        sink = settings.sink
        client = self._telemetry.client
        opened: TelemetrySink
        if callable(sink):
            opened = CallbackSink(sink)
        elif sink == "http":
            assert settings.url is not None
            opened = HttpSink(settings.url, settings.headers, self._timeout)
        elif sink == "folder":
            assert settings.dir is not None
            opened = StoreSink(FolderStore(settings.dir), project, client, self._now)
        else:
            opened = StoreSink(self._telemetry_store(settings.registry), project, client, self._now)
        app = {
            "app": detect_app_name(self._app_name, os.environ, self._cwd)[:256],
            "commit": detect_app_commit(self._app_commit, os.environ, self._cwd),
            "sdk": __version__,
        }
        return Connection(project, opened, app)

    def _telemetry_store(self, registry: str | None) -> Store:
        """Where the registry sink writes: `telemetry["registry"]`, else the registry read, when a folder."""
        settings = self._telemetry.settings
        s3 = settings.s3 if settings is not None else None
        target: Reader | None = (
            open_reader(registry, self._cwd, timeout=self._timeout, retries=self._retries, s3=s3) if registry is not None else self._network
        )
        if isinstance(target, FolderReader):
            return FolderStore(target.folder.root)
        from .s3 import S3Reader, S3Store

        if isinstance(target, S3Reader):
            return S3Store(target)
        raise ConfigError(
            f"The registry sink cannot write to {target.url}: HTTP registries are read-only"
            if target is not None
            else "The registry sink has no registry to write to",
            suggestion='Set `telemetry["registry"]` to the bucket behind it ("s3://bucket/prefix", with write credentials) or to a folder, or use the http or folder sink.',
        )

    def _served_prompt(self, prompt: Prompt | None, prompt_id: str | None) -> ServedPrompt:
        if isinstance(prompt, Prompt):
            return served_of(prompt)
        if prompt is None and isinstance(prompt_id, str):
            return self._telemetry.lookup(prompt_id)
        raise UsageError("Pass `prompt` (a Prompt from get_prompt) or `prompt_id` (its id)")

    def preload(self, version_or_alias: str | None = None) -> dict[str, Any]:
        """Loads every prompt of a version or alias into memory (and the disk cache): the pointer, then the
        manifest and the version's bundle."""
        ref = assert_version_or_alias(version_or_alias if version_or_alias is not None else self._default_ref)
        mode = self._detect()
        if mode == "local":
            self._ignored_in_local_mode(version_or_alias)
            return {"version": "local", "prompts": len(self._compile_local())}
        target = self._target(ref)
        names = self._preload_version(target.version)
        if target.alias:
            with self._lock:
                self._in_use.setdefault(target.alias, set()).update(names)
        return {"version": target.version, "prompts": len(names)}

    def refresh(self) -> None:
        """Revalidates every alias in use now (the background thread calls this every refresh_interval)."""
        if self._mode != "registry":
            return
        for ref in list(self._pointers):
            try:
                self._refresh_pointer(ref)
            except Exception:  # noqa: BLE001, S112 - the last good pointer stays
                continue

    def cache_stats(self) -> dict[str, int]:
        return {
            "prompts": len(self._memory),
            "bytes": self._memory.bytes,
            "max_bytes": self._max_bytes,
            "signature_refusals": self.verifier.refusals if self.verifier else 0,
        }

    def close(self) -> None:
        """Stops the background refresh, and sends the telemetry left (waiting at most `timeout` seconds)."""
        self._closed.set()
        self._workers.shutdown(wait=False, cancel_futures=True)
        self._telemetry.close(self._timeout)

    def __enter__(self) -> PromptManager:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- resolution --------------------------------------------------------------------------------------------

    def _resolve(
        self,
        name: str,
        ref: str,
        asked: str | None,
        fallback_to_local: bool,
        tags: Mapping[str, str] | None,
        canary_key: str | None,
        respect_canary: bool | None,
    ) -> Prompt:
        assert_prompt_name(name)
        assert_version_or_alias(ref)
        if tags is not None and (
            not isinstance(tags, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items())
        ):
            raise UsageError("tags must be a dict of strings")
        mode = self._detect()
        if mode == "local":
            self._ignored_in_local_mode(asked)
            return self._local_prompt(name, tags)
        try:
            target = self._target(ref)
            if target.alias:
                with self._lock:
                    self._in_use.setdefault(target.alias, set()).add(name)
            canary = self._chooses_canary(target, canary_key, respect_canary)
            version = target.canary["version"] if canary and target.canary else target.version
            hit = self._memory.get((version, name))
            if hit is not None:
                return hit.prompt(PromptInfo(self._project, version, target.alias, "memory", target.stale, canary), tags)
            loaded, source = self._load(version, name)
            return loaded.prompt(
                PromptInfo(self._project, version, target.alias, source, target.stale or source == "snapshot", canary), tags
            )
        except Exception as error:
            if not is_unavailable(error):
                raise
            attempts = list(error.attempts) if isinstance(error, SourcesUnavailableError) else [SourceAttempt("network", str(error))]
            cause = error.cause if isinstance(error, SourcesUnavailableError) else error
            if fallback_to_local:
                try:
                    return self._local_prompt(name, tags)
                except PromptSyncError as local_error:
                    attempts.append(SourceAttempt("local", str(local_error).splitlines()[0]))
            raise PromptUnavailableError(name, ref, attempts, cause) from cause

    def _chooses_canary(self, target: Target | PointerState, canary_key: str | None, respect: bool | None) -> bool:
        canary = target.canary
        if not canary or not (self._respect_canary if respect is None else respect):
            return False
        return in_canary(str(canary["salt"]), canary_key if canary_key is not None else self._canary_key, float(canary["percentage"]))

    def _target(self, ref: str) -> Target:
        if is_version(ref):
            version = normalize_version(ref)
            _, source = self._manifest(version)
            target = Target(version, None, source == "snapshot")
            self._known_versions[ref] = target
            return target
        state = self._resolve_pointer(ref)
        return Target(state.version, state.alias, state.stale, state.canary)

    # --- mode detection ----------------------------------------------------------------------------------------

    def _detect(self) -> Literal["registry", "local"]:
        if self._mode is not None:
            return self._mode
        with self._lock:
            if self._mode is not None:
                return self._mode
            found = None if self._registry_option and self._project_option else _find_config(self._cwd)
            config, config_dir = found if found else ({}, self._cwd)
            registry = self._registry_option or config.get("publicUrl") or config.get("registry")
            if not registry:
                project = self._project_option or config.get("project")
                self._project = project if isinstance(project, str) else None
                self._mode = "local"
                return "local"
            self._project = self._project_option or assert_project_id(detect_project(self._cwd, config))
            base = config_dir if not self._registry_option and registry == config.get("registry") else self._cwd
            self._network = open_reader(str(registry), base, timeout=self._timeout, retries=self._retries)
            if self._cache_dir is not None:
                self._disk = DiskCache(os.path.join(self._cwd, self._cache_dir), self._network.url)
            if self._snapshot_dir is not None:
                self._snapshot = FolderReader(os.path.join(self._cwd, self._snapshot_dir))
            if self._trust is not None:
                self.verifier = Verifier(self._trust, self._project, self._disk)
            if self._strategy != "none" and self._refresh_interval > 0:
                self._thread = threading.Thread(target=self._refresh_loop, name="promptsync-refresh", daemon=True)
                self._thread.start()
            self._mode = "registry"
            return "registry"

    def _refresh_loop(self) -> None:
        while not self._closed.wait(self._refresh_interval):
            self.refresh()

    @property
    def project(self) -> str | None:
        return self._project

    # --- pointers ----------------------------------------------------------------------------------------------

    def _pointer_key(self, ref: str) -> str:
        assert self._project is not None
        if ref == LATEST:
            return layout.index(self._project)
        if not is_valid_alias(ref):
            raise AliasNotFoundError(ref, self._project)
        return layout.alias(self._project, ref)

    def _fresh(self, ref: str, state: PointerState) -> bool:
        """Whether a cached pointer may be served now; kicks off a background refresh when it is due."""
        if self._strategy == "none" or self._now() - state.checked_at < self._memory_ttl:
            return True
        if self._strategy == "on-demand":
            return False
        if ref not in self._pointer_flights:
            try:
                self._workers.submit(self._refresh_pointer_quietly, ref)
            except RuntimeError:
                pass
        return True

    def _refresh_pointer_quietly(self, ref: str) -> None:
        try:
            self._refresh_pointer(ref)
        except Exception:  # noqa: BLE001, S110 - the last good pointer stays
            pass

    def _resolve_pointer(self, ref: str) -> PointerState:
        state = self._pointers.get(ref)
        if state is not None and self._fresh(ref, state):
            return state
        return self._refresh_pointer(ref)

    def _refresh_pointer(self, ref: str) -> PointerState:
        """Re-reads the pointer now; concurrent callers share one request."""
        with self._lock:
            flight = self._pointer_flights.get(ref)
            owner = flight is None
            if flight is None:
                flight = self._pointer_flights[ref] = _Flight()
        if not owner:
            return flight.wait()  # type: ignore[no-any-return]
        try:
            flight.result = self._fetch_pointer(ref, flight)
        except BaseException as e:
            flight.error = e
        finally:
            with self._lock:
                if self._pointer_flights.get(ref) is flight:
                    del self._pointer_flights[ref]
            flight.done.set()
        return flight.wait()  # type: ignore[no-any-return]

    def _fetch_pointer(self, ref: str, flight: _Flight) -> PointerState:
        key = self._pointer_key(ref)
        current = self._pointers.get(ref)
        if current is not None:
            return self._revalidate(ref, key, current, False)
        disk = self._pointer_from_disk(ref, key)
        if disk is None:
            return self._revalidate(ref, key, None, False)
        # First use in this process of a pointer kept on disk: ask the registry, waiting at most the start-up timeout.
        future: concurrent.futures.Future[PointerState] = self._workers.submit(self._revalidate, ref, key, disk, True)
        try:
            return future.result(timeout=self._startup_timeout)
        except concurrent.futures.TimeoutError:
            pass
        if future.done():
            return future.result()
        return self._keep(ref, PointerState(**{**disk.__dict__, "stale": self._expired(disk)}))

    def _expired(self, state: PointerState) -> bool:
        return self._now() - state.checked_at >= self._file_ttl

    def _revalidate(self, ref: str, key: str, current: PointerState | None, from_disk: bool) -> PointerState:
        assert self._network is not None
        try:
            result = self._network.get_if_changed(key, current.etag if current else None)
            if result.status == "missing":
                if self.verifier:
                    raise self.verifier.refuse(key, "the registry answered 404, and only a signed tombstone says an alias was deleted")
                self._forget(ref, key)
            if result.status == "unchanged" and current is not None:
                if self.verifier:
                    self._read_pointer(ref, key, current.body, current.etag, self._now())
                return self._keep(ref, PointerState(**{**current.__dict__, "checked_at": self._now(), "stale": False}), persist=True)
            obj = result.obj
            if obj is None:
                self._forget(ref, key)
            assert obj is not None
            nxt = self._read_pointer(ref, key, obj.body, obj.etag, self._now())
            if nxt is None:
                self._forget(ref, key)
            assert nxt is not None
            if ref == LATEST and current is not None and compare_versions(nxt.version, current.version) < 0 and self.verifier:
                raise self.verifier.refuse(
                    key, f"its newest version {nxt.version} is older than {current.version}, already verified: a replayed index"
                )
            moved = (
                current is None
                or nxt.version != current.version
                or (nxt.canary or {}).get("version") != (current.canary or {}).get("version")
            )
            if ref in self._pointers and moved:
                self._prepare(ref, [nxt.version, *([nxt.canary["version"]] if nxt.canary else [])])
            return self._keep(ref, nxt, persist=True)
        except Exception as error:
            if not is_unavailable(error):
                raise
            if from_disk and current is not None and not self._expired(current):
                return self._keep(ref, current)
            return self._keep_serving(ref, key, current, error)

    def _prepare(self, ref: str, versions: list[str]) -> None:
        """Loads the new version's prompts in use before the alias switches, so callers never see a mix."""
        names = sorted(self._in_use.get(ref, set()))
        for version in versions:
            if len(names) > 8:
                self._preload_version(version)
                continue
            for name in names:
                try:
                    self._load(version, name)
                except PromptNotFoundError:
                    pass

    def _forget(self, ref: str, key: str) -> None:
        with self._lock:
            self._pointers.pop(ref, None)
        if self._disk:
            self._disk.discard(f"_pointers/{key}")
        assert self._project is not None
        raise VersionNotFoundError(LATEST, self._project) if ref == LATEST else AliasNotFoundError(ref, self._project)

    def _keep_serving(self, ref: str, key: str, current: PointerState | None, error: BaseException) -> PointerState:
        if current is not None:
            return self._keep(ref, PointerState(**{**current.__dict__, "stale": True}))
        attempts = [SourceAttempt("network", str(error).splitlines()[0])]
        if self._snapshot is not None:
            try:
                obj = self._snapshot.get(key)
                state = self._read_pointer(ref, key, obj.body, obj.etag, 0) if obj else None
                if state is not None:
                    return self._keep(ref, PointerState(**{**state.__dict__, "stale": True}))
                attempts.append(
                    SourceAttempt("snapshot", f"{ref} was deleted when the snapshot was taken" if obj else f"{ref} is not in the snapshot")
                )
            except PromptSyncError as e:
                attempts.append(SourceAttempt("snapshot", str(e).splitlines()[0]))
        raise SourcesUnavailableError(f'"{ref}"', attempts, error)

    def _keep(self, ref: str, state: PointerState, persist: bool = False) -> PointerState:
        with self._lock:
            self._pointers[ref] = state
        if persist and self._disk:
            entry = {"etag": state.etag, "checkedAt": int(state.checked_at * 1000), "body": state.body.decode("utf-8")}
            self._disk.write(f"_pointers/{self._pointer_key(ref)}", json.dumps(entry).encode())
        return state

    def _pointer_from_disk(self, ref: str, key: str) -> PointerState | None:
        if not self._disk:
            return None
        limit = body_limit_of(key)
        raw = self._disk.read(f"_pointers/{key}", BodyLimit(limit.kind, 2 * limit.bytes + 4096))
        if raw is None:
            return None
        try:
            entry = json.loads(raw.decode("utf-8"))
            body = str(entry["body"]).encode("utf-8")
            state = self._read_pointer(ref, key, body, str(entry["etag"]), float(entry["checkedAt"]) / 1000)
            if state is not None:
                return state
        except Exception:  # noqa: BLE001, S110 - discarded below
            pass
        self._disk.discard(f"_pointers/{key}")
        return None

    def _read_pointer(self, ref: str, key: str, body: bytes, etag: str, checked_at: float) -> PointerState | None:
        assert self._project is not None
        if ref == LATEST:
            index = decode_json(body, key, "project-index.schema.json")
            if self.verifier:
                self.verifier.index(key, index)
            latest = greatest_version(str(v["version"]) for v in index["versions"])
            if latest is None:
                raise VersionNotFoundError(LATEST, self._project)
            return PointerState(latest, None, etag, body, checked_at, False, None)
        pointer = decode_json(body, key, "alias.schema.json")
        if self.verifier:
            self.verifier.alias(key, pointer, ref, self._now())
        if pointer.get("deleted"):
            return None
        canary = pointer.get("canary")
        return PointerState(str(pointer["version"]), ref, etag, body, checked_at, False, dict(canary) if canary else None)

    # --- content -----------------------------------------------------------------------------------------------

    def _manifest(self, version: str) -> tuple[dict[str, Any], SourceName]:
        cached = self._manifests.get(version)
        if cached is not None:
            return cached
        with self._lock:
            flight = self._manifest_flights.get(version)
            owner = flight is None
            if flight is None:
                flight = self._manifest_flights[version] = _Flight()
        if owner:
            try:
                flight.result = self._fetch_manifest(version)
                self._manifests[version] = flight.result
            except BaseException as e:
                flight.error = e
            finally:
                with self._lock:
                    self._manifest_flights.pop(version, None)
                flight.done.set()
        return flight.wait()  # type: ignore[no-any-return]

    def _fetch_manifest(self, version: str) -> tuple[dict[str, Any], SourceName]:
        assert self._project is not None
        project = self._project
        key = layout.release(project, version)
        verifier = self.verifier
        signature_keys = verifier.release_signature_keys(version) if verifier else []

        def decode(body: bytes, side: list[bytes | None]) -> tuple[dict[str, Any], int | None]:
            manifest = decode_json(body, key, "release-manifest.schema.json")
            for name in manifest["prompts"]:
                problem = prompt_name_problem(name)
                if problem is not None:
                    raise InvalidBundleError(key, f"it lists an invalid prompt name: {problem}")
            if verifier is None:
                return manifest, None
            return manifest, verifier.release(key, manifest, version, side)

        served = self._from_sources(key, decode, lambda: VersionNotFoundError(version, project), side_keys=signature_keys)
        (manifest, index), source, body, side = served
        if source == "network" and self._disk:
            if index is not None and side[index] is not None:
                self._disk.write(signature_keys[index], side[index])
            self._disk.write(key, body)
        return manifest, source

    def _load(self, version: str, name: str) -> tuple[LoadedPrompt, SourceName]:
        key = (version, name)
        with self._lock:
            flight = self._content_flights.get(key)
            owner = flight is None
            if flight is None:
                flight = self._content_flights[key] = _Flight()
        if owner:
            try:
                loaded, source = self._fetch_prompt(version, name)
                self._memory.set(key, loaded)
                flight.result = (loaded, source)
            except BaseException as e:
                flight.error = e
            finally:
                with self._lock:
                    self._content_flights.pop(key, None)
                flight.done.set()
        return flight.wait()  # type: ignore[no-any-return]

    def _fetch_prompt(self, version: str, name: str, skip_disk: bool = False) -> tuple[LoadedPrompt, SourceName]:
        assert self._project is not None
        project = self._project
        key = layout.prompt_default(project, name, version)
        where = f'project "{project}" at {version}'

        def decode(body: bytes, _: list[bytes | None]) -> dict[str, Any]:
            return verify_prompt_hash(decode_yaml(body, key, "compiled-prompt.schema.json"), key)

        # The manifest and the content side by side: a cold load is one round trip after the pointer.
        content_future = self._workers.submit(self._from_sources, key, decode, lambda: PromptNotFoundError(name, where), skip_disk)
        manifest, _ = self._manifest(version)
        listed = manifest["prompts"].get(name)
        if listed is None:
            content_future.cancel()
            raise PromptNotFoundError(name, where, "The name is the prompt file's path without extension.")
        try:
            compiled, source, body, _side = content_future.result()
        except PromptNotFoundError:
            return self._listed_but_missing(version, name, where)
        try:
            if compiled.get("name") != name or compiled["hash"] != listed["hash"]:
                problem = f"content does not match the hash in the {version} release manifest"
                if self.verifier:
                    raise self.verifier.refuse(key, problem)
                raise InvalidBundleError(key, problem)
            loaded = LoadedPrompt(compiled, len(body), self._settings, key)
        except PromptSyncError:
            if source != "disk":
                raise
            if self._disk:
                self._disk.discard(key)
            return self._fetch_prompt(version, name, True)
        if source == "network" and self._disk:
            self._disk.write(key, body)
        return loaded, source

    def _listed_but_missing(self, version: str, name: str, where: str) -> tuple[LoadedPrompt, SourceName]:
        assert self._project is not None and self._network is not None
        key = layout.release(self._project, version)
        try:
            gone = self._network.get(key) is None
        except PromptSyncError:
            gone = False
        if not gone:
            raise PromptNotFoundError(name, where)
        self._manifests.pop(version, None)
        if self._disk:
            self._disk.discard(key)
        raise VersionNotFoundError(version, self._project)

    def _preload_version(self, version: str) -> list[str]:
        assert self._project is not None
        key = layout.bundle(self._project, version)
        manifest, _ = self._manifest(version)
        names = list(manifest["prompts"])
        missing = object()

        def decode(body: bytes, _: list[bytes | None]) -> Any:
            return decode_json(body, key, "release-bundle.schema.json")

        try:
            bundle, source, body, _side = self._from_sources(key, decode, lambda: _Missing(missing))
        except _Missing:
            for name in names:
                self._load(version, name)
            return names
        prompts = bundle["prompts"]
        if len(prompts) != len(names):
            raise InvalidBundleError(key, "the bundle does not hold the prompts its release manifest lists")
        each = -(-len(body) // max(1, len(names)))
        for compiled in prompts:
            verify_prompt_hash(compiled, key)
            if manifest["prompts"].get(compiled["name"], {}).get("hash") != compiled["hash"]:
                problem = f'"{compiled["name"]}" does not match the hash in the {version} release manifest'
                if self.verifier:
                    raise self.verifier.refuse(key, problem)
                raise InvalidBundleError(key, problem)
            self._memory.set((version, compiled["name"]), LoadedPrompt(compiled, each, self._settings, key))
        if source == "network" and self._disk:
            self._disk.write(key, body)
        return names

    def _from_sources(
        self,
        key: str,
        decode: Callable[[bytes, list[bytes | None]], Any],
        not_found: Callable[[], BaseException],
        skip_disk: bool = False,
        side_keys: Sequence[str] = (),
    ) -> tuple[Any, SourceName, bytes, list[bytes | None]]:
        """Disk, then the network, then the snapshot. A 404 from the network is authoritative; only unreachable
        or invalid answers move on."""
        disk, network, snapshot = self._disk, self._network, self._snapshot
        assert network is not None
        if disk is not None and not skip_disk:
            cached = disk.read(key)
            if cached is not None:
                side = [disk.read(k) for k in side_keys]
                try:
                    return decode(cached, side), "disk", cached, side
                except PromptSyncError:
                    disk.discard(key)
        attempts: list[SourceAttempt] = []
        last: BaseException | None = None
        try:
            objs: list[StoredObject | None] = [network.get(k) for k in [key, *side_keys]]
            obj = objs[0]
            if obj is None:
                raise not_found()
            side = [o.body if o else None for o in objs[1:]]
            return decode(obj.body, side), "network", obj.body, side
        except Exception as error:
            if not is_unavailable(error):
                raise
            attempts.append(SourceAttempt("network", str(error).splitlines()[0]))
            last = error
        if snapshot is not None:
            try:
                objs = [snapshot.get(k) for k in [key, *side_keys]]
                if objs[0] is not None:
                    side = [o.body if o else None for o in objs[1:]]
                    return decode(objs[0].body, side), "snapshot", objs[0].body, side
                attempts.append(SourceAttempt("snapshot", f"{key} is not in the snapshot"))
            except PromptSyncError as error:
                attempts.append(SourceAttempt("snapshot", str(error).splitlines()[0]))
        raise SourcesUnavailableError(key, attempts, last)

    # --- local files -------------------------------------------------------------------------------------------

    def _compile_local(self) -> dict[str, LoadedPrompt]:
        if self._local is None:
            compiled = compile_folder(self._prompts_dir)
            self._local = {name: LoadedPrompt(p, 0, self._settings, self._prompts_dir) for name, p in compiled.items()}
        return self._local

    def _local_prompt(self, name: str, tags: Mapping[str, str] | None) -> Prompt:
        loaded = self._compile_local().get(name)
        if loaded is None:
            raise PromptNotFoundError(
                name,
                f"the local prompts folder {self._prompts_dir}",
                "The name is the file's path below the prompts folder, without extension.",
            )
        return loaded.prompt(PromptInfo(self._project, "local", None, "local", False, False), tags)

    def _ignored_in_local_mode(self, asked: str | None) -> None:
        ref = asked if asked is not None else (self._default_ref if self._default_given else None)
        if ref is None:
            return
        message = f'No registry is configured, so PromptManager serves the local prompt files in {self._prompts_dir}: "{ref}" is ignored'
        suggestion = (
            "Set the `registry` option, PROMPTSYNC_REGISTRY, or publicUrl/registry in promptsync.config.yaml to read versions and aliases"
        )
        if self._strict_local:
            raise UsageError(message, suggestion=suggestion)
        if not self._warned_local:
            self._warned_local = True
            warnings.warn(f"{message}. {suggestion}.", LocalModeWarning, stacklevel=4)


class _DaemonWorkers:
    """Runs calls on daemon threads, so a request still waiting on a slow registry never holds up the app's exit
    (a ThreadPoolExecutor's threads are joined at interpreter exit)."""

    def __init__(self) -> None:
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future[Any]:
        if self._closed:
            raise RuntimeError("the manager is closed")
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args))
            except BaseException as error:  # noqa: BLE001 - handed to the caller through the future
                future.set_exception(error)

        threading.Thread(target=run, name="promptsync-worker", daemon=True).start()
        return future

    def shutdown(self, wait: bool = False, cancel_futures: bool = True) -> None:
        self._closed = True


class LocalModeWarning(UserWarning):
    """A version or alias was asked for while no registry is configured (PROMPTSYNC_LOCAL_MODE)."""

    code = "PROMPTSYNC_LOCAL_MODE"


class _Missing(Exception):
    def __init__(self, marker: object) -> None:
        super().__init__("missing")
        self.marker = marker


__all__ = ["PromptManager", "LocalModeWarning", "HttpReader", "FolderReader"]
