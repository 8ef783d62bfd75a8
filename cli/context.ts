import { userInfo } from "node:os";
import { resolve } from "node:path";
import { detectProject, loadConfig, type LoadedConfig } from "../src/project/config.ts";
import { UsageError } from "../src/errors.ts";
import { gitTopLevel } from "../src/git/repository.ts";
import { redactUrl } from "../src/redact.ts";
import { SigningKeyError } from "../src/signing/errors.ts";
import type { TrustedKeys } from "../src/signing/keys.ts";
import type { SigningSettings } from "../src/signing/pointers.ts";
import { openReader, openStore, parseRegistryLocation, type OpenOptions, type RegistryLocation } from "../src/storage/open.ts";
import type { S3StoreOptions } from "../src/storage/s3-settings.ts";
import type { RegistryReader, RegistryStore } from "../src/storage/types.ts";
import { registryLocation, TELEMETRY_ENV } from "./registry-location.ts";
import { resolveSigning, resolveTrust, SIGNING_KEY_ENV, type SigningOptions } from "./signing-settings.ts";

/** Options every command accepts. */
export interface GlobalOptions extends SigningOptions {
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
  /** The registry as it is, for commands that serve or count objects rather than read prompts. */
  reader(): Promise<RegistryReader>;
  /** For commands that read prompts: refuses what no trusted key signed, when keys are trusted. */
  verifiedReader(): Promise<RegistryReader>;
  store(): Promise<RegistryStore>;
  /** How writing commands sign; undefined when no key is configured. Resolved before anything is written. */
  signing(): Promise<SigningSettings | undefined>;
  /** For commands whose only job is to sign. */
  requireSigning(): Promise<SigningSettings>;
  /** The keys reads trust; undefined when none are configured. */
  trust(): Promise<TrustedKeys | undefined>;
  /** Where telemetry is: --telemetry, then PROMPTSYNC_TELEMETRY, then the registry itself unless it is read-only HTTP. */
  telemetry: RegistryLocation | undefined;
  telemetryStore(): Promise<RegistryStore>;
}

export { DEFAULT_REGISTRY_DIR, REGISTRY_ENV, TELEMETRY_ENV } from "./registry-location.ts";

/** Resolves the settings once: option, then environment, then config file, then the embedded default. */
export async function resolveContext(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const cwd = process.cwd();
  // One `git rev-parse` for the config search, the default registry and the project's folder name.
  const gitTop = gitTopLevel(cwd);
  const config = await loadConfig(cwd, gitTop);
  const location = registryLocation(options.registry, env, config, await gitTop, cwd);
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
  // Read on demand: a key configured for CI must not stop `list` on a laptop that lacks the file.
  let signing: Promise<SigningSettings | undefined> | undefined;
  let trust: Promise<TrustedKeys | undefined> | undefined;
  const resolvedSigning = () => (signing ??= resolveSigning(options, env, config, cwd));
  const resolvedTrust = () => (trust ??= resolveTrust(options, config, cwd));
  return {
    cwd,
    json: options.json === true,
    config,
    registry: { ...location, display: location.kind === "folder" ? `file://${location.path}` : redactUrl(location.url) },
    promptsDir: (pathOption) =>
      pathOption ? resolve(cwd, pathOption) : config.config.prompts ? resolve(config.dir, config.config.prompts) : resolve(cwd, "prompts"),
    project: () => (project ??= detectProject(cwd, options.project, config.config, { top: gitTop }).then((p) => p.project)),
    s3,
    reader: () => openReader(location, open),
    verifiedReader: async () => {
      const keys = await resolvedTrust();
      const reader = await openReader(location, open);
      // The signature checks load only when keys are trusted.
      return keys ? new (await import("../src/signing/verifying-reader.ts")).VerifyingReader(reader, keys) : reader;
    },
    store: () => openStore(location, open),
    signing: resolvedSigning,
    requireSigning: async () => {
      const settings = await resolvedSigning();
      if (!settings) throw new SigningKeyError("No signing key", `Give --signing-key <file>, set ${SIGNING_KEY_ENV} to the PEM, or set signing.key in promptsync.config.yaml.`);
      return settings;
    },
    trust: resolvedTrust,
    telemetry,
    telemetryStore: () => {
      if (!telemetry) throw new UsageError(`Telemetry is not in the HTTP registry ${location.kind === "http" ? redactUrl(location.url) : ""}: say where it is with --telemetry or ${TELEMETRY_ENV} (a folder or s3://bucket/prefix)`);
      return openStore(telemetry, open);
    },
    actor: () => env.PROMPTSYNC_ACTOR ?? env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN ?? env.USER ?? userInfo().username,
  };
}
