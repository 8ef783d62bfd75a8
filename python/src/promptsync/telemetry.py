"""Telemetry (docs/telemetry.md is the contract; sdk/telemetry/recorder.ts is the TypeScript twin): usage counted
per served prompt and UTC hour, report_metrics events and heartbeats, held in a bounded buffer and sent in
batches by a daemon thread, so that get_prompt and format only ever touch memory."""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import secrets
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ConfigError, UsageError
from .tracking import ServedPrompt, js_length, parse_prompt_id, served_of

if TYPE_CHECKING:
    from .prompt import Prompt

Event = dict[str, Any]
TelemetryCallback = Callable[[list[Event]], object]

# Prompts remembered by id for report_metrics(prompt_id=…) and create_tracking_metadata(prompt_id=…).
MAX_REMEMBERED_IDS = 256
# Most events in one object or POST.
MAX_BATCH_EVENTS = 5000
# A heartbeat lists what was served this recently; usage is counted per UTC hour.
SERVING_WINDOW = 3600.0
USAGE_WINDOW = 3600.0
MAX_METRICS = 32
MAX_METRIC_NAME = 64
MAX_LATENCY_MS = 1e9
MAX_METRIC_MAGNITUDE = 1e15

# Where CI systems and hosting platforms put the commit being built or deployed, most specific first
# (sdk/telemetry/app-info.ts).
COMMIT_VARIABLES = (
    "PROMPTSYNC_APP_COMMIT",
    "GITHUB_SHA",
    "CI_COMMIT_SHA",
    "VERCEL_GIT_COMMIT_SHA",
    "RENDER_GIT_COMMIT",
    "RAILWAY_GIT_COMMIT_SHA",
    "CF_PAGES_COMMIT_SHA",
    "HEROKU_BUILD_COMMIT",
    "SOURCE_VERSION",
    "COMMIT_REF",
    "BITBUCKET_COMMIT",
    "CIRCLE_SHA1",
    "BUILDKITE_COMMIT",
    "GIT_COMMIT",
)
_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class TelemetrySettings:
    sink: str | TelemetryCallback
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    dir: str | None = None
    registry: str | None = None
    s3: Mapping[str, str] = field(default_factory=dict)
    flush_interval: float = 5.0
    heartbeat_interval: float = 60.0
    max_buffered_events: int = 10_000


@dataclass
class TelemetryStats:
    """What telemetry holds and has sent; `dropped` is exact."""

    buffered: int
    dropped: int
    sent: int
    failed_flushes: int
    last_error: str | None


def resolve_telemetry(option: Mapping[str, Any] | bool | None, env: Mapping[str, str], cwd: str) -> TelemetrySettings | None:
    """`telemetry=` as the TypeScript option: off unless given or PROMPTSYNC_TELEMETRY_SINK ("registry", "folder"
    with a dir, or an http(s) URL) is set; `{}` (or True) writes into the registry the manager reads."""
    if option is False:
        return None
    from_env = env.get("PROMPTSYNC_TELEMETRY_SINK") or None
    if option is None and from_env is None:
        return None
    if option is None or option is True:
        given: Mapping[str, Any] = (
            {} if option is True else {"sink": "http", "url": from_env} if re.match(r"^https?://", from_env or "", re.I) else {"sink": from_env}
        )
    elif isinstance(option, Mapping):
        given = option
    else:
        raise ConfigError("PromptManager option `telemetry` must be a dict of settings, True or False")
    known = {"sink", "url", "headers", "dir", "registry", "s3", "flush_interval", "heartbeat_interval", "max_buffered_events"}
    for key in given:
        if key not in known:
            raise ConfigError(f"PromptManager option `telemetry`: unknown key {key!r} (known: {', '.join(sorted(known))})")
    sink = given.get("sink", "registry")
    if not callable(sink) and sink not in ("registry", "http", "folder"):
        raise ConfigError(
            f'PromptManager option `telemetry["sink"]` (or PROMPTSYNC_TELEMETRY_SINK) must be "registry", "http", "folder" or a function, not {sink!r}'
        )
    if sink == "http" and not given.get("url"):
        raise ConfigError('PromptManager option `telemetry["url"]` is required with the http sink: the endpoint that receives NDJSON batches')
    if sink == "folder" and not given.get("dir"):
        raise ConfigError('PromptManager option `telemetry["dir"]` is required with the folder sink: the folder to write batches into')
    maximum = given.get("max_buffered_events", 10_000)
    if isinstance(maximum, bool) or not isinstance(maximum, int) or maximum < 1:
        raise ConfigError(f'PromptManager option `telemetry["max_buffered_events"]` must be a whole number of events, at least 1, not {maximum!r}')
    # Each flush of a store sink is one object: fewer, larger ones keep storage requests and the analytics state small.
    flush_default = 60.0 if sink in ("registry", "folder") else 5.0

    def seconds(name: str, default: float) -> float:
        value = given.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ConfigError(f'PromptManager option `telemetry["{name}"]` must be a number of seconds ≥ 0')
        return float(value)

    return TelemetrySettings(
        sink=sink,
        url=given.get("url"),
        headers=dict(given.get("headers") or {}),
        dir=os.path.join(cwd, os.fspath(given["dir"])) if given.get("dir") is not None else None,
        registry=given.get("registry"),
        s3=dict(given.get("s3") or {}),
        flush_interval=seconds("flush_interval", flush_default),
        heartbeat_interval=seconds("heartbeat_interval", 60.0),
        max_buffered_events=maximum,
    )


def resolve_client_id(client_id: str | None) -> str:
    if client_id is None:
        import uuid

        return str(uuid.uuid4())
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        raise ConfigError(f'PromptManager option `client_id` must be 1-64 letters, digits, ".", "_" or "-", not {client_id!r}')
    return client_id


def check_metrics(metrics: Any) -> None:
    """report_metrics' argument as the event schema takes it (src/telemetry/metrics.ts); a UsageError naming the
    metric otherwise."""
    problem = _metrics_problem(metrics)
    if problem:
        raise UsageError(
            f"report_metrics: {problem}", suggestion='Report numbers and booleans, e.g. {"success": True, "latency_ms": 250, "tokens": 812}.'
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _metrics_problem(metrics: Any) -> str | None:
    if not isinstance(metrics, Mapping) or not all(isinstance(k, str) for k in metrics):
        return "metrics must be a dict of names to numbers or booleans"
    if not metrics:
        return "metrics is empty"
    if len(metrics) > MAX_METRICS:
        return f"metrics has {len(metrics)} entries; the limit is {MAX_METRICS}"
    for name in metrics:
        if js_length(name) > MAX_METRIC_NAME:
            return f"a metric name has at most {MAX_METRIC_NAME} characters, not {js_length(name)}"
    for name, value in metrics.items():
        if not (isinstance(value, bool) or _is_number(value)):
            return f"metrics.{name} must be a finite number or a boolean"
    for name, value in metrics.items():
        if not isinstance(value, bool) and abs(value) > MAX_METRIC_MAGNITUDE:
            return f"metrics.{name} must be from -{MAX_METRIC_MAGNITUDE:.0e} to {MAX_METRIC_MAGNITUDE:.0e}".replace("+", "")
    if "success" in metrics and not isinstance(metrics["success"], bool):
        return "metrics.success must be a boolean"
    if "latency_ms" in metrics:
        latency = metrics["latency_ms"]
        if isinstance(latency, bool) or latency < 0 or latency > MAX_LATENCY_MS:
            return f"metrics.latency_ms must be a non-negative number of milliseconds, at most {int(MAX_LATENCY_MS)}"
    return None


def iso(seconds: float) -> str:
    """Date.toISOString(): UTC with milliseconds."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def to_ndjson(events: list[Event]) -> bytes:
    """NDJSON as JSON.stringify writes it: one event a line."""
    return "".join(json.dumps(_plain(e), separators=(",", ":"), ensure_ascii=False) + "\n" for e in events).encode("utf-8")


# --- what the app is ----------------------------------------------------------------------------------------------


def detect_app_commit(option: str | None, env: Mapping[str, str], cwd: str) -> str | None:
    """The option, else the usual CI/platform variables, else `git rev-parse HEAD` in cwd; None when none says."""
    for candidate in (option, *(env.get(name) for name in COMMIT_VARIABLES)):
        sha = (candidate or "").strip().lower()
        if sha and _SHA.match(sha):
            return sha
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=2, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip().lower()
    return sha if out.returncode == 0 and _SHA.match(sha) else None


def detect_app_name(option: str | None, env: Mapping[str, str], cwd: str) -> str:
    """The option, else PROMPTSYNC_APP_NAME, else pyproject.toml's [project] name (or package.json's), else the
    folder's name."""
    if option:
        return option
    if env.get("PROMPTSYNC_APP_NAME"):
        return env["PROMPTSYNC_APP_NAME"]
    try:
        import tomllib

        name = tomllib.loads(Path(cwd, "pyproject.toml").read_text("utf-8")).get("project", {}).get("name")
        if isinstance(name, str) and name:
            return name
    except (OSError, ValueError):
        pass
    try:
        name = json.loads(Path(cwd, "package.json").read_text("utf-8")).get("name")
        if isinstance(name, str) and name:
            return name
    except (OSError, ValueError, AttributeError):
        pass
    return os.path.basename(os.path.abspath(cwd))


# --- sinks --------------------------------------------------------------------------------------------------------


class TelemetrySink(Protocol):
    """Delivers one batch; raising leaves the batch with the recorder, to be sent again. Returns a warning when the
    batch was delivered but a side effect failed, so that it is never sent twice."""

    def send(self, batch: list[Event]) -> str | None: ...


class Store(Protocol):
    """The writes the registry and folder sinks need: create-only objects and a replaced pointer."""

    def create(self, key: str, body: bytes) -> None: ...

    def put(self, key: str, body: bytes) -> None: ...

    def exists(self, key: str) -> bool: ...


class FolderStore:
    """A folder with the registry's layout: objects are created by a link (never replaced); the heartbeat
    pointer is replaced by a rename."""

    def __init__(self, root: str) -> None:
        self.root = root

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *key.split("/"))

    def _temp(self, target: str, body: bytes) -> str:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        temp = os.path.join(os.path.dirname(target), f".{secrets.token_hex(8)}.tmp")
        with open(temp, "wb") as out:
            out.write(body)
        return temp

    def create(self, key: str, body: bytes) -> None:
        target = self._path(key)
        temp = self._temp(target, body)
        try:
            os.link(temp, target)
        except FileExistsError:
            pass
        finally:
            os.unlink(temp)

    def put(self, key: str, body: bytes) -> None:
        target = self._path(key)
        os.replace(self._temp(target, body), target)

    def exists(self, key: str) -> bool:
        return os.path.exists(self._path(key))


def batch_key(project: str, client: str, moment: float, sequence: int) -> str:
    """The partition of the hour it is written in, and a name that sorts by time and never collides
    (src/telemetry/batch.ts)."""
    stamp = datetime.fromtimestamp(moment, UTC).strftime("%Y%m%dT%H%M%SZ")
    partition = datetime.fromtimestamp(moment, UTC).strftime("dt=%Y-%m-%d/hour=%H")
    return f"telemetry/{project}/events/{partition}/{stamp}-{client[:12]}-{sequence:06d}-{secrets.token_hex(3)}.ndjson.gz"


class StoreSink:
    """Writes each batch as a new gzipped NDJSON object in its hour's partition, and the newest heartbeat as the
    client's pointer, which `promptsync status` reads."""

    def __init__(self, store: Store, project: str, client: str, now: Callable[[], float]) -> None:
        self._store, self._project, self._client, self._now = store, project, client, now
        self._sequence = 0

    def send(self, batch: list[Event]) -> str | None:
        key = batch_key(self._project, self._client, self._now(), self._sequence)
        self._sequence += 1
        body = gzip.compress(to_ndjson(batch), mtime=0)
        try:
            self._store.create(key, body)
        except Exception:
            # The write may have been stored before its answer was lost: then the batch is delivered.
            if not self._exists(key):
                raise
        heartbeats = [e for e in batch if e["type"] == "heartbeat"]
        if not heartbeats:
            return None
        client_key = f"telemetry/{self._project}/clients/{self._client}.json"
        try:
            self._store.put(client_key, to_ndjson(heartbeats[-1:]))
        except Exception as error:  # noqa: BLE001 - delivered; the pointer is retried with the next heartbeat
            return f"The batch was written, but not the client's heartbeat: {error}"
        return None

    def _exists(self, key: str) -> bool:
        try:
            return self._store.exists(key)
        except Exception:  # noqa: BLE001
            return False


class HttpSink:
    """POSTs each batch as NDJSON; anything but a 2xx answer is a failure."""

    def __init__(self, url: str, headers: Mapping[str, str], timeout: float) -> None:
        self._url, self._headers, self._timeout = url, dict(headers), timeout

    def send(self, batch: list[Event]) -> str | None:
        request = urllib.request.Request(
            self._url, data=to_ndjson(batch), method="POST", headers={"content-type": "application/x-ndjson", **self._headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise OSError(f"{self._url} answered {error.code} {error.reason}") from None
        return None


class CallbackSink:
    def __init__(self, callback: TelemetryCallback) -> None:
        self._callback = callback

    def send(self, batch: list[Event]) -> str | None:
        self._callback(list(batch))
        return None


@dataclass(frozen=True)
class Connection:
    project: str
    sink: TelemetrySink
    app: dict[str, Any]


# --- the recorder -------------------------------------------------------------------------------------------------


class _Counter:
    __slots__ = ("count", "since")

    def __init__(self, since: float) -> None:
        self.count = 1
        self.since = since


def _serving_key(prompt: Prompt) -> tuple[str, str, str, bool]:
    return (prompt.name, prompt.alias if prompt.alias is not None else f"@{prompt.version}", prompt.variant or "", prompt.canary)


class TelemetryRecorder:
    """Remembers served prompts by id (always), and records usage, metrics and heartbeats when telemetry is on.
    Metrics events and past hours' usage are bounded by max_buffered_events (beyond it new ones are dropped and
    counted); the current hour's counters are bounded by the prompts served; the heartbeat is one slot."""

    def __init__(
        self,
        settings: TelemetrySettings | None = None,
        client: str = "",
        now: Callable[[], float] = time.time,
        connect: Callable[[], Connection] | None = None,
        signature_refusals: Callable[[], int] | None = None,
    ) -> None:
        self._settings = settings
        self._client = client
        self._now = now
        self._connect_fn = connect
        self._signature_refusals = signature_refusals
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._by_id: OrderedDict[str, Prompt] = OrderedDict()
        self._usage: dict[Prompt, _Counter] = {}
        started = now()
        self._usage_window = math.floor(started / USAGE_WINDOW)
        self._window_end = (self._usage_window + 1) * USAGE_WINDOW
        self._sending = False
        self._past_usage: list[Event] = []
        self._events: list[Event] = []
        self._serving: dict[tuple[str, str, str, bool], tuple[ServedPrompt, float]] = {}
        self._dropped = 0
        self._sent = 0
        self._failed_flushes = 0
        self._last_error: str | None = None
        self._last_heartbeat = -math.inf
        self._started_at = iso(started)
        self._connection: Connection | None = None
        self._connection_error: ConfigError | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if settings is not None and settings.flush_interval > 0:
            self._thread = threading.Thread(target=self._run, name="promptsync-telemetry", daemon=True)
            self._thread.start()

    @property
    def settings(self) -> TelemetrySettings | None:
        return self._settings

    @property
    def client(self) -> str:
        return self._client

    @property
    def on(self) -> bool:
        return self._settings is not None

    def served(self, prompt: Prompt) -> None:
        """On get_prompt's hot path: a dictionary lookup and an increment."""
        if self._settings is None:
            if self._by_id.get(prompt.id) is not prompt:
                self._remember(prompt)
            return
        now = self._now()
        with self._lock:
            if now >= self._window_end and not self._sending:
                # The first call of a new UTC hour: the past hour's counts become events of their own. While a batch
                # is on its way this waits for it (its usage events are taken from these counters), so a call made
                # during that send may count in the past hour, and none is counted twice.
                self._close_usage_window(now)
            counter = self._usage.get(prompt)
            if counter is not None:
                counter.count += 1
                if counter.count > 1:
                    return
                counter.since = now
            else:
                self._usage[prompt] = _Counter(now)
            self._remember_locked(prompt)
            self._serving[_serving_key(prompt)] = (served_of(prompt), now)

    def lookup(self, prompt_id: str) -> ServedPrompt:
        """A served prompt by its id (name@version#variant), with the alias and canary side it was last served with."""
        prompt = self._by_id.get(prompt_id)
        return served_of(prompt) if prompt is not None else parse_prompt_id(prompt_id)

    def report(self, served: ServedPrompt, metrics: Mapping[str, float | bool]) -> None:
        check_metrics(metrics)
        if self._settings is None:
            return
        # The project is filled in when the batch is sent: it may not be known yet.
        event: Event = {"v": 1, "type": "metrics", "ts": iso(self._now()), "project": "", "client": self._client, **served, "metrics": dict(metrics)}
        with self._lock:
            self._buffer(self._events, event)

    def stats(self) -> TelemetryStats:
        with self._lock:
            return TelemetryStats(len(self._events) + len(self._past_usage), self._dropped, self._sent, self._failed_flushes, self._last_error)

    def flush(self) -> None:
        """Sends what is buffered, one flush at a time; never raises: failures are counted in stats()."""
        if self._settings is None:
            return
        with self._flush_lock:
            self._flush_once()

    def close(self, timeout: float) -> None:
        """Stops the thread and sends what is left, waiting at most `timeout` seconds in all."""
        if self._settings is None or self._stop.is_set():
            return
        self._stop.set()
        final = threading.Thread(target=self.flush, name="promptsync-telemetry-close", daemon=True)
        final.start()
        final.join(timeout)

    # --- internals ---

    def _run(self) -> None:
        """The daemon flusher: it never holds the lock get_prompt takes while a batch is on its way."""
        assert self._settings is not None
        interval = self._settings.flush_interval
        if interval <= 0:
            return
        while not self._stop.wait(interval):
            self.flush()

    def _remember(self, prompt: Prompt) -> None:
        with self._lock:
            self._remember_locked(prompt)

    def _remember_locked(self, prompt: Prompt) -> None:
        self._by_id.pop(prompt.id, None)
        self._by_id[prompt.id] = prompt
        if len(self._by_id) > MAX_REMEMBERED_IDS:
            self._by_id.popitem(last=False)

    def _buffer(self, target: list[Event], event: Event) -> None:
        assert self._settings is not None
        if len(self._events) + len(self._past_usage) >= self._settings.max_buffered_events:
            self._dropped += 1
        else:
            target.append(event)

    def _connect(self) -> Connection:
        # A misconfigured sink stays misconfigured: its error is kept, so flushes do not retry the setup.
        if self._connection_error is not None:
            raise self._connection_error
        if self._connection is None:
            assert self._connect_fn is not None
            try:
                self._connection = self._connect_fn()
            except ConfigError as error:
                self._connection_error = error
                raise
        return self._connection

    def _flush_once(self) -> None:
        now = self._now()
        with self._lock:
            self._close_usage_window(now)
        try:
            connection = self._connect()
            with self._lock:
                outgoing = self._outgoing(connection.project, connection.app, now)
                self._sending = True
            for start in range(0, len(outgoing), MAX_BATCH_EVENTS):
                chunk = outgoing[start : start + MAX_BATCH_EVENTS]
                warning = connection.sink.send([event for event, _ in chunk])
                sent = {id(event) for event, _ in chunk}
                with self._lock:
                    self._events = [e for e in self._events if id(e) not in sent]
                    self._past_usage = [e for e in self._past_usage if id(e) not in sent]
                    for _, delivered in chunk:
                        if delivered is not None:
                            delivered()
                    self._sent += len(chunk)
                    self._last_error = warning
        except Exception as error:  # noqa: BLE001 - counted, and the batch stays for the next flush
            with self._lock:
                self._failed_flushes += 1
                self._last_error = str(error) or type(error).__name__
        finally:
            with self._lock:
                self._sending = False
                self._close_usage_window(self._now())

    def _outgoing(self, project: str, app: Mapping[str, Any], now: float) -> list[tuple[Event, Callable[[], None] | None]]:
        """The heartbeat when due, past hours' usage, this hour's usage so far, then the metrics buffered now."""
        assert self._settings is not None
        outgoing: list[tuple[Event, Callable[[], None] | None]] = []
        if now - self._last_heartbeat >= self._settings.heartbeat_interval:

            def beat() -> None:
                self._last_heartbeat = now

            outgoing.append((self._heartbeat(project, app, now), beat))
        for event in self._past_usage:
            event["project"] = project
            outgoing.append((event, None))
        for event, counters in self._usage_events(project, list(self._usage.items())):
            taken = [c.count for c in counters]

            def delivered(counters: list[_Counter] = counters, taken: list[int] = taken) -> None:
                # Calls counted while this batch was on its way stay for the next one.
                for counter, count in zip(counters, taken, strict=True):
                    counter.count -= count
                    counter.since = now

            outgoing.append((event, delivered))
        for event in self._events:
            event["project"] = project
            outgoing.append((event, None))
        return outgoing

    def _close_usage_window(self, now: float) -> None:
        """At each hour's start (and at the first flush after it), the past hour's counters become events of their own."""
        window = math.floor(now / USAGE_WINDOW)
        if window == self._usage_window:
            return
        self._usage_window = window
        self._window_end = (window + 1) * USAGE_WINDOW
        self._touch_serving(now)
        entries = list(self._usage.items())
        self._usage.clear()
        for event, _ in self._usage_events("", entries):
            self._buffer(self._past_usage, event)

    def _usage_events(self, project: str, entries: list[tuple[Prompt, _Counter]]) -> list[tuple[Event, list[_Counter]]]:
        """One usage event per served prompt (a prompt may be counted under several Prompt objects, one per
        source), with the counters it sums. Counters with nothing counted are let go."""
        events: dict[tuple[Any, ...], tuple[Event, list[_Counter]]] = {}
        for prompt, counter in entries:
            if counter.count == 0:
                self._usage.pop(prompt, None)
                continue
            key = (*_serving_key(prompt), prompt.version)
            ts = iso(counter.since)
            entry = events.get(key)
            if entry is not None:
                entry[0]["count"] += counter.count
                entry[0]["ts"] = min(entry[0]["ts"], ts)
                entry[1].append(counter)
            else:
                event: Event = {"v": 1, "type": "usage", "ts": ts, "project": project, "client": self._client, **served_of(prompt)}
                event["count"] = counter.count
                events[key] = (event, [counter])
        return list(events.values())

    def _heartbeat(self, project: str, app: Mapping[str, Any], now: float) -> Event:
        heartbeat: Event = {
            "v": 1,
            "type": "heartbeat",
            "ts": iso(now),
            "project": project,
            "client": self._client,
            **app,
            "host": socket.gethostname()[:256],
            "startedAt": self._started_at,
            "dropped": self._dropped,
            "serves": self._served_recently(now),
        }
        if self._signature_refusals is not None:
            heartbeat["signatureRefusals"] = self._signature_refusals()
        return heartbeat

    def _touch_serving(self, now: float) -> None:
        """Prompts with calls counted and not yet delivered are still being served."""
        for prompt, counter in self._usage.items():
            key = _serving_key(prompt)
            if counter.count > 0 and key in self._serving:
                self._serving[key] = (self._serving[key][0], now)

    def _served_recently(self, now: float) -> list[ServedPrompt]:
        """Prompts served in the last hour (or still being counted): a canary that ended drops out of the heartbeat."""
        self._touch_serving(now)
        serves: list[ServedPrompt] = []
        for key, (served, at) in list(self._serving.items()):
            if at >= now - SERVING_WINDOW:
                serves.append(served)
            else:
                del self._serving[key]
        return serves
