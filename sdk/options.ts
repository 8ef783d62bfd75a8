import { resolve } from "node:path";
import { ConfigError } from "../src/errors.ts";

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
  /** Alias or version used when getPrompt is not given one. @default "production" */
  defaultVersionOrAlias?: string;
  /** The local prompts folder (local mode and fallbackToLocal). @default "./prompts" */
  promptsDir?: string;
  /** Missing variables throw MissingVariableError; false renders them empty, as Jinja does. @default true */
  strict?: boolean;
  /** Per-request timeout in milliseconds. @default 10000 */
  timeoutMs?: number;
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
  refreshIntervalMs: number;
  defaultVersionOrAlias: string;
  promptsDir: string;
  strict: boolean;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  now: () => number;
  cwd: string;
}

function positiveNumber(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`PromptManager option \`${option}\` must be a non-negative number of seconds, not ${String(value)}`);
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
  return {
    registry,
    project: options.project ?? env.PROMPTSYNC_PROJECT,
    cacheDir: options.cacheDir === undefined ? undefined : resolve(cwd, options.cacheDir),
    refreshIntervalMs: positiveNumber(options.refreshInterval, 300, "refreshInterval") * 1000,
    defaultVersionOrAlias: options.defaultVersionOrAlias ?? "production",
    promptsDir: resolve(cwd, options.promptsDir ?? "prompts"),
    strict: options.strict ?? true,
    timeoutMs: positiveNumber(options.timeoutMs, 10_000, "timeoutMs"),
    fetch: options.fetch ?? globalThis.fetch,
    now: options.now ?? Date.now,
    cwd,
  };
}
