import { join } from "node:path";
import type { ConfigFile } from "../src/formats/types.ts";
import { parseRegistryLocation, type RegistryLocation } from "../src/storage/location.ts";

export const REGISTRY_ENV = "PROMPTSYNC_REGISTRY";
export const TELEMETRY_ENV = "PROMPTSYNC_TELEMETRY";
export const DEFAULT_REGISTRY_DIR = ".promptsync/registry";

/**
 * Where the registry is: --registry, then PROMPTSYNC_REGISTRY, then the config's `registry` (relative to the
 * config's folder), then .promptsync/registry beside the config file, else at the git top level (else in `cwd`).
 */
export function registryLocation(
  option: string | undefined,
  env: NodeJS.ProcessEnv,
  config: { config: ConfigFile; file: string | undefined; dir: string },
  top: string | undefined,
  cwd: string,
): RegistryLocation {
  const registry = option
    ? { raw: option, base: cwd }
    : env[REGISTRY_ENV]
      ? { raw: env[REGISTRY_ENV], base: cwd }
      : config.config.registry
        ? { raw: config.config.registry, base: config.dir }
        : { raw: join(config.file ? config.dir : (top ?? cwd), DEFAULT_REGISTRY_DIR), base: cwd };
  return parseRegistryLocation(registry.raw, registry.base);
}
