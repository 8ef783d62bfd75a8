import { resolve } from "node:path";
import type { LoadedConfig } from "../src/project/config.ts";
import { ConfigError } from "../src/errors.ts";
import { parseDuration } from "../src/duration.ts";
import { SigningKeyError } from "../src/signing/errors.ts";
import type { TrustedKeys } from "../src/signing/keys.ts";
import type { SigningSettings } from "../src/signing/pointers.ts";

export const SIGNING_KEY_ENV = "PROMPTSYNC_SIGNING_KEY";

export interface SigningOptions {
  signingKey?: string;
  trustedKey?: string[];
}

/** The key writing commands sign with: --signing-key, then PROMPTSYNC_SIGNING_KEY (the PEM), then signing.key. */
export async function resolveSigning(options: SigningOptions, env: NodeJS.ProcessEnv, config: LoadedConfig, cwd: string): Promise<SigningSettings | undefined> {
  if (!options.signingKey && !env[SIGNING_KEY_ENV] && !config.config.signing?.key) return undefined;
  // Key files and node:crypto load only when a key is configured.
  const { readKeyFile, signerFrom } = await import("../src/signing/key-files.ts");
  const signer = options.signingKey
    ? signerFrom(await readKeyFile(resolve(cwd, options.signingKey), "--signing-key"), `--signing-key ${options.signingKey}`)
    : env[SIGNING_KEY_ENV]
      ? signerFrom(envPem(env[SIGNING_KEY_ENV]), SIGNING_KEY_ENV)
      : config.config.signing?.key
        ? signerFrom(await readKeyFile(resolve(config.dir, config.config.signing.key), "signing.key"), `signing.key ${config.config.signing.key}`)
        : undefined;
  if (!signer) return undefined;
  const ttl = pointerTtlMs(config);
  return { signer, ...(ttl !== undefined && { pointerTtlMs: ttl }) };
}

function envPem(value: string): string {
  if (!value.includes("-----BEGIN")) {
    throw new SigningKeyError(`${SIGNING_KEY_ENV} does not hold a PEM key`, "Put the contents of promptsync.key in it (a CI secret), not a path; for a file use --signing-key or signing.key.");
  }
  return value;
}

function pointerTtlMs(config: LoadedConfig): number | undefined {
  const text = config.config.signing?.pointerTtl;
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (!ms) throw new ConfigError(`signing.pointerTtl: "${text}" is not a duration such as 30d, 12h or 90m`);
  return ms;
}

/** The keys reads trust: --trusted-key (replacing the config's list), else signing.trustedKeys; less signing.revokedKeys. */
export async function resolveTrust(options: SigningOptions, config: LoadedConfig, cwd: string): Promise<TrustedKeys | undefined> {
  const files = options.trustedKey?.length
    ? options.trustedKey.map((path) => ({ path: resolve(cwd, path), what: "--trusted-key" }))
    : (config.config.signing?.trustedKeys ?? []).map((path) => ({ path: resolve(config.dir, path), what: "signing.trustedKeys" }));
  if (files.length === 0) return undefined;
  const { readTrustedKeys } = await import("../src/signing/key-files.ts");
  return readTrustedKeys(files, config.config.signing?.revokedKeys ?? []);
}
