import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { ConfigError } from "../src/errors.ts";
import { resolveRenderLimits, type RenderLimits, type ResolvedRenderLimits } from "../src/template/budget.ts";
import { assertProjectId, assertVersionOrAlias } from "../src/formats/names.ts";
import type { TrustedKeys } from "../src/signing/keys.ts";
import type { TelemetryEvent } from "../src/formats/telemetry-events.ts";
import { resolveTrustedKeys } from "./trusted-keys.ts";

export interface CacheStrategy {
  /** Seconds a resolved alias is served from memory before its pointer is revalidated. @default refreshInterval */
  memoryTtl?: number;
  /**
   * Seconds an alias pointer kept in cacheDir may be served unmarked when the registry does not confirm it in time
   * after a restart (see startupRevalidationTimeout); older ones are still served then, but marked stale. It no
   * longer skips that first check: a pointer from disk is always revalidated once per process. @default 3600
   */
  fileTtl?: number;
  /**
   * Seconds the first use of an alias pointer found in cacheDir waits for the registry to confirm it (one
   * conditional request, once per pointer and process). A moved alias is served at once; when the registry does not
   * answer in time, the disk pointer is served and the request goes on in the background, switching when it
   * answers; when it fails, the disk pointer stays. 0 serves the disk pointer at once and revalidates behind it.
   * @default 1
   */
  startupRevalidationTimeout?: number;
  /**
   * When a pointer's memoryTtl has passed: `background` serves the cached version at once and refreshes it in the
   * background (one refresh per pointer at a time); `on-demand` waits for the refresh; `none` never refreshes.
   * @default "background"
   */
  refreshStrategy?: "background" | "on-demand" | "none";
  /** Memory for compiled prompts, least recently used evicted first: bytes, or a size such as "100MB". @default "100MB" */
  maxCacheSize?: number | string;
}

/** Receives each batch of events; a rejection counts as a failed flush and the batch is kept for the next. */
export type TelemetryCallback = (batch: TelemetryEvent[]) => Promise<void>;

export interface TelemetryOptions {
  /**
   * Where events go: `registry` (NDJSON batches in the registry's bucket or folder, under telemetry/, which is never
   * public), `http` (POSTed to `url`), `folder` (the same layout below `dir`) or a function.
   * @default "registry"
   */
  sink?: "registry" | "http" | "folder" | TelemetryCallback;
  /** The `http` sink's endpoint: each batch is POSTed as NDJSON (application/x-ndjson). */
  url?: string;
  /** Headers for the `http` sink, such as Authorization. */
  headers?: Record<string, string>;
  /** The `folder` sink's folder. */
  dir?: string;
  /**
   * Where the `registry` sink writes when the manager reads over HTTP or a CDN: `s3://bucket/prefix` (with write
   * credentials from the AWS environment) or a folder.
   * @default the registry the manager reads, when that is a folder or s3://
   */
  registry?: string;
  /** Endpoint and region of an s3:// telemetry registry. @default env AWS_ENDPOINT_URL_S3, AWS_REGION */
  s3?: { endpoint?: string; region?: string };
  /**
   * Seconds between flushes (and on close()). Each flush of the registry or folder sink writes one object, so they
   * flush less often: 60 s is 1,440 objects a day per client, where 5 s would be 17,280. @default 5, or 60 for the
   * registry and folder sinks
   */
  flushInterval?: number;
  /** Seconds between heartbeats. @default 60 */
  heartbeatInterval?: number;
  /**
   * reportMetrics events held while the sink is slow or down; beyond it new ones are dropped and counted
   * (telemetryStats().dropped, and every heartbeat). @default 10000
   */
  maxBufferedEvents?: number;
}

export interface PromptManagerOptions {
  /**
   * Where to read prompts: an http(s) URL (a bucket, a CDN, any static server), `file://…` or a folder path.
   * Without one (and without PROMPTSYNC_REGISTRY or a `publicUrl`/`registry` in promptsync.config.yaml), the
   * manager compiles the local prompts folder in-process.
   * @default process.env.PROMPTSYNC_REGISTRY
   */
  registry?: string;
  /**
   * Project ID. Detected like the CLI does when omitted: config, git remote, git folder, package.json, pyproject.toml.
   * @default process.env.PROMPTSYNC_PROJECT
   */
  project?: string;
  /** Folder where fetched prompt versions are kept across restarts. Versions are immutable, so they never expire. */
  cacheDir?: string;
  /** Seconds an alias's resolved version is trusted before its pointer is read again. @default 300 */
  refreshInterval?: number;
  cacheStrategy?: CacheStrategy;
  /**
   * A snapshot written by `promptsync pull` and shipped with the app: served when neither the caches nor the
   * registry can provide a prompt, so a cold start with the CDN down still works.
   */
  snapshotDir?: string;
  /**
   * Public keys (SPKI PEM text, or paths of .pub files) whose signatures the manager requires: alias pointers,
   * the index behind `latest`, release manifests and, through them, content. What no trusted key signed (or an
   * expired pointer, or one older than a revision already verified) is refused with SIGNATURE_INVALID and the
   * last verified version is served, marked stale. A bare 404 no longer means "deleted": only a signed
   * tombstone does. Local prompt files are not verified. Unset: nothing is verified.
   * @default process.env.PROMPTSYNC_TRUSTED_KEYS (PEMs one after another, or file paths separated by commas or newlines)
   */
  trustedKeys?: string[];
  /**
   * Keys retired after a rotation, by key ID (as `promptsync keys generate` prints it), PEM or file path: their
   * signatures are refused even when the key is also listed in trustedKeys.
   * @default process.env.PROMPTSYNC_REVOKED_KEYS (the same forms, separated by commas or newlines), else none
   */
  revokedKeys?: string[];
  /** Retries of a failed registry request (network error, 429, 5xx), with jittered exponential backoff. @default 2 */
  retries?: number;
  /** Follow canaries running on aliases (`promptsync canary set`). @default true */
  respectCanary?: boolean;
  /** Alias or version used when getPrompt is not given one. @default "production" */
  defaultVersionOrAlias?: string;
  /** The local prompts folder (local mode and fallbackToLocal). @default "./prompts" */
  promptsDir?: string;
  /** Missing variables throw MissingVariableError; false renders them empty, as Jinja does. @default true */
  strict?: boolean;
  /**
   * In local mode (no registry configured), a version or alias asked for (getPrompt's or preload's
   * `versionOrAlias`, `defaultVersionOrAlias`, a diff side other than `"local"`) cannot be honoured: the local files
   * are served instead. false: a warning is emitted once per manager (`process.emitWarning`, code
   * PROMPTSYNC_LOCAL_MODE) and the local files are served; true: the call throws UsageError (USAGE).
   * @default false
   */
  strictLocalMode?: boolean;
  /**
   * What one `format()` may spend: operations, output length, `range()` size, macro depth and time. Over a
   * limit, `format()` throws RenderLimitError (RENDER_LIMIT). Fields left out keep their defaults.
   * @default { maxOperations: 1000000, maxOutputLength: 4194304, maxRange: 100000, maxDepth: 100, timeoutMs: 1000 }
   */
  renderLimits?: RenderLimits;
  /** Per-request timeout in milliseconds. @default 10000 */
  timeoutMs?: number;
  /**
   * Usage events, metrics and heartbeats (`reportMetrics`, `promptsync analytics`, `promptsync status`). Off
   * unless given; `{}` writes into the registry the manager reads.
   * @default process.env.PROMPTSYNC_TELEMETRY_SINK ("registry", or an http(s) URL) else off
   */
  telemetry?: TelemetryOptions | false;
  /**
   * The application's git commit, reported in heartbeats so that `promptsync status` can check the prompts it
   * serves against the code. @default env PROMPTSYNC_APP_COMMIT, GITHUB_SHA, … (CI/platform variables), else `git rev-parse HEAD`
   */
  appCommit?: string;
  /** The application's name in heartbeats. @default env PROMPTSYNC_APP_NAME, else package.json's name, else the folder's name */
  appName?: string;
  /** This manager's ID in telemetry (letters, digits, `.`, `_`, `-`). @default a random UUID */
  clientId?: string;
  /** For tests and custom transports. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** Milliseconds since the epoch; injectable for tests. @default Date.now */
  now?: () => number;
  /** Where relative paths and project detection start. @default process.cwd() */
  cwd?: string;
}

export interface ResolvedOptions {
  registry: string | undefined;
  project: string | undefined;
  cacheDir: string | undefined;
  snapshotDir: string | undefined;
  refreshIntervalMs: number;
  memoryTtlMs: number;
  fileTtlMs: number;
  startupRevalidationMs: number;
  refreshStrategy: "background" | "on-demand" | "none";
  maxCacheBytes: number;
  respectCanary: boolean;
  retries: number;
  defaultVersionOrAlias: string;
  /** defaultVersionOrAlias was given, not defaulted. */
  defaultVersionOrAliasGiven: boolean;
  promptsDir: string;
  strict: boolean;
  strictLocalMode: boolean;
  renderLimits: ResolvedRenderLimits;
  /** Undefined when nothing is verified. */
  trust: TrustedKeys | undefined;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  now: () => number;
  cwd: string;
  telemetry: ResolvedTelemetry | undefined;
  appCommit: string | undefined;
  appName: string | undefined;
  clientId: string;
  env: NodeJS.ProcessEnv;
}

export interface ResolvedTelemetry {
  sink: "registry" | "http" | "folder" | TelemetryCallback;
  url: string | undefined;
  headers: Record<string, string>;
  dir: string | undefined;
  registry: string | undefined;
  s3: { endpoint?: string; region?: string };
  flushIntervalMs: number;
  heartbeatIntervalMs: number;
  maxBufferedEvents: number;
}

function nonNegative(value: number | undefined, fallback: number, option: string, unit = "seconds"): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`PromptManager option \`${option}\` must be a non-negative number of ${unit}, not ${String(value)}`);
  }
  return value;
}

/** Defaults resolved once, in one place. */
export function resolveOptions(options: PromptManagerOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  const cwd = options.cwd ?? process.cwd();
  const registry = options.registry ?? env.PROMPTSYNC_REGISTRY;
  if (registry !== undefined && registry.trim() === "") {
    throw new ConfigError(
      "The registry is empty: set the PromptManager option `registry` or the PROMPTSYNC_REGISTRY environment variable to a URL or folder",
    );
  }
  // The project becomes a key prefix: checked here, before any request, like every name from outside.
  const project = options.project ?? env.PROMPTSYNC_PROJECT;
  const refreshInterval = nonNegative(options.refreshInterval, 300, "refreshInterval");
  const strategy = options.cacheStrategy ?? {};
  const refreshStrategy = strategy.refreshStrategy ?? "background";
  if (!["background", "on-demand", "none"].includes(refreshStrategy)) {
    throw new ConfigError(`PromptManager option \`cacheStrategy.refreshStrategy\` must be "background", "on-demand" or "none", not ${JSON.stringify(refreshStrategy)}`);
  }
  return {
    registry,
    project: project === undefined ? undefined : assertProjectId(project),
    cacheDir: options.cacheDir === undefined ? undefined : resolve(cwd, options.cacheDir),
    snapshotDir: options.snapshotDir === undefined ? undefined : resolve(cwd, options.snapshotDir),
    refreshIntervalMs: refreshInterval * 1000,
    memoryTtlMs: nonNegative(strategy.memoryTtl, refreshInterval, "cacheStrategy.memoryTtl") * 1000,
    fileTtlMs: nonNegative(strategy.fileTtl, 3600, "cacheStrategy.fileTtl") * 1000,
    startupRevalidationMs: nonNegative(strategy.startupRevalidationTimeout, 1, "cacheStrategy.startupRevalidationTimeout") * 1000,
    refreshStrategy,
    maxCacheBytes: parseSize(strategy.maxCacheSize ?? "100MB"),
    respectCanary: options.respectCanary ?? true,
    retries: nonNegative(options.retries, 2, "retries", "retries"),
    defaultVersionOrAlias: assertVersionOrAlias(options.defaultVersionOrAlias ?? "production"),
    defaultVersionOrAliasGiven: options.defaultVersionOrAlias !== undefined,
    promptsDir: resolve(cwd, options.promptsDir ?? "prompts"),
    strict: options.strict ?? true,
    strictLocalMode: options.strictLocalMode ?? false,
    renderLimits: resolveLimits(options.renderLimits),
    trust: resolveTrustedKeys(options.trustedKeys, options.revokedKeys, env, cwd),
    timeoutMs: nonNegative(options.timeoutMs, 10_000, "timeoutMs", "milliseconds"),
    fetch: options.fetch ?? globalThis.fetch,
    now: options.now ?? Date.now,
    cwd,
    telemetry: resolveTelemetry(options.telemetry, env, cwd),
    appCommit: options.appCommit,
    appName: options.appName,
    clientId: resolveClientId(options.clientId),
    env,
  };
}

function resolveTelemetry(options: TelemetryOptions | false | undefined, env: NodeJS.ProcessEnv, cwd: string): ResolvedTelemetry | undefined {
  if (options === false) return undefined;
  const fromEnv = env.PROMPTSYNC_TELEMETRY_SINK;
  if (options === undefined && !fromEnv) return undefined;
  const given = options ?? (/^https?:\/\//i.test(fromEnv!) ? { sink: "http" as const, url: fromEnv } : { sink: fromEnv as TelemetryOptions["sink"] });
  const sink = given.sink ?? "registry";
  if (typeof sink !== "function" && !["registry", "http", "folder"].includes(sink)) {
    throw new ConfigError(`PromptManager option \`telemetry.sink\` (or PROMPTSYNC_TELEMETRY_SINK) must be "registry", "http", "folder" or a function, not ${JSON.stringify(sink)}`);
  }
  if (sink === "http" && !given.url) throw new ConfigError("PromptManager option `telemetry.url` is required with the http sink: the endpoint that receives NDJSON batches");
  if (sink === "folder" && !given.dir) throw new ConfigError("PromptManager option `telemetry.dir` is required with the folder sink: the folder to write batches into");
  const maxBufferedEvents = given.maxBufferedEvents ?? 10_000;
  if (!Number.isInteger(maxBufferedEvents) || maxBufferedEvents < 1) {
    throw new ConfigError(`PromptManager option \`telemetry.maxBufferedEvents\` must be a whole number of events, at least 1, not ${String(maxBufferedEvents)}`);
  }
  // Each flush of a store sink is one object: fewer, larger ones keep storage requests and the analytics state small.
  const flushDefault = sink === "registry" || sink === "folder" ? 60 : 5;
  return {
    sink,
    url: given.url,
    headers: given.headers ?? {},
    dir: given.dir === undefined ? undefined : resolve(cwd, given.dir),
    registry: given.registry,
    s3: given.s3 ?? {},
    flushIntervalMs: nonNegative(given.flushInterval, flushDefault, "telemetry.flushInterval") * 1000,
    heartbeatIntervalMs: nonNegative(given.heartbeatInterval, 60, "telemetry.heartbeatInterval") * 1000,
    maxBufferedEvents,
  };
}

function resolveLimits(limits: RenderLimits | undefined): ResolvedRenderLimits {
  const resolved = resolveRenderLimits(limits);
  if (typeof resolved === "string") throw new ConfigError(`PromptManager option \`renderLimits\`: ${resolved}`);
  return resolved;
}

function resolveClientId(clientId: string | undefined): string {
  if (clientId === undefined) return randomUUID();
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(clientId)) {
    throw new ConfigError(`PromptManager option \`clientId\` must be 1-64 letters, digits, ".", "_" or "-", not ${JSON.stringify(clientId)}`);
  }
  return clientId;
}

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** 1048576, "100MB", "512 KiB" → bytes. */
function parseSize(size: number | string): number {
  if (typeof size === "number" && Number.isFinite(size) && size >= 0) return size;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*$/i.exec(String(size));
  if (!match) {
    throw new ConfigError(`PromptManager option \`cacheStrategy.maxCacheSize\` must be a number of bytes or a size such as "100MB", not ${JSON.stringify(size)}`);
  }
  return Math.floor(Number(match[1]) * UNITS[(match[2] ?? "B").toUpperCase()]!);
}
