import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { detectProject, loadConfig, type LoadedConfig } from "../src/config.ts";
import { UsageError } from "../src/errors.ts";
import { gitTopLevel } from "../src/git.ts";
import { redactUrl } from "../src/redact.ts";
import { openReader, openStore, parseRegistryLocation, type OpenOptions, type RegistryLocation } from "../src/storage/open.ts";
import type { S3StoreOptions } from "../src/storage/s3-settings.ts";
import type { RegistryReader, RegistryStore } from "../src/storage/types.ts";

/** Options every command accepts. */
export interface GlobalOptions {
  registry?: string;
  project?: string;
  json?: boolean;
  endpoint?: string;
  region?: string;
  /** Only on commands that write. */
  allowUnsafeStore?: boolean;
  /** Only on commands that read telemetry. */
  telemetry?: string;
}

export interface CliContext {
  cwd: string;
  json: boolean;
  config: LoadedConfig;
  /** Where the registry is, and how messages and --json output show it (without URL credentials). */
  registry: RegistryLocation & { display: string };
  /** The prompts folder: --path, then the config's `prompts`, then ./prompts. */
  promptsDir(pathOption?: string): string;
  project(): Promise<string>;
  actor(): string;
  /** Settings for an s3:// registry. */
  s3: Omit<S3StoreOptions, "url">;
  reader(): Promise<RegistryReader>;
  store(): Promise<RegistryStore>;
  /** Where telemetry is: --telemetry, then PROMPTSYNC_TELEMETRY, then the registry itself unless it is read-only HTTP. */
  telemetry: RegistryLocation | undefined;
  telemetryStore(): Promise<RegistryStore>;
}

export const REGISTRY_ENV = "PROMPTSYNC_REGISTRY";
export const TELEMETRY_ENV = "PROMPTSYNC_TELEMETRY";
export const DEFAULT_REGISTRY_DIR = ".promptsync/registry";

/** Resolves the settings once: option, then environment, then config file, then the embedded default. */
export async function resolveContext(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const cwd = process.cwd();
  const config = await loadConfig(cwd);
  const top = await gitTopLevel(cwd);
  const registry = options.registry
    ? { raw: options.registry, base: cwd }
    : env[REGISTRY_ENV]
      ? { raw: env[REGISTRY_ENV], base: cwd }
      : config.config.registry
        ? { raw: config.config.registry, base: config.dir }
        : { raw: join(config.file ? config.dir : (top ?? cwd), DEFAULT_REGISTRY_DIR), base: cwd };
  const location = parseRegistryLocation(registry.raw, registry.base);
  let project: Promise<string> | undefined;
  const s3Config = config.config.s3;
  const s3: Omit<S3StoreOptions, "url"> = {
    endpoint: options.endpoint ?? s3Config?.endpoint,
    region: options.region ?? s3Config?.region,
    forcePathStyle: s3Config?.forcePathStyle,
    allowUnsafeStore: options.allowUnsafeStore,
    env,
  };
  const open: OpenOptions = { s3 };
  const telemetryOption = options.telemetry ?? env[TELEMETRY_ENV];
  const telemetry = telemetryOption ? parseRegistryLocation(telemetryOption, cwd) : location.kind === "http" ? undefined : location;
  return {
    cwd,
    json: options.json === true,
    config,
    registry: { ...location, display: location.kind === "folder" ? `file://${location.path}` : redactUrl(location.url) },
    promptsDir: (pathOption) =>
      pathOption ? resolve(cwd, pathOption) : config.config.prompts ? resolve(config.dir, config.config.prompts) : resolve(cwd, "prompts"),
    project: () => (project ??= detectProject(cwd, options.project, config.config).then((p) => p.project)),
    s3,
    reader: () => openReader(location, open),
    store: () => openStore(location, open),
    telemetry,
    telemetryStore: () => {
      if (!telemetry) throw new UsageError(`Telemetry is not in the HTTP registry ${location.kind === "http" ? redactUrl(location.url) : ""}: say where it is with --telemetry or ${TELEMETRY_ENV} (a folder or s3://bucket/prefix)`);
      return openStore(telemetry, open);
    },
    actor: () => env.PROMPTSYNC_ACTOR ?? env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN ?? env.USER ?? userInfo().username,
  };
}
