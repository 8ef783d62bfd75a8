import { ConfigError } from "../errors.ts";
import type { ConfigFile } from "../formats/types.ts";
import { describeIssues } from "../formats/schema-validation.ts";
import { validateConfig } from "../formats/validate-pointers.ts";
import { gitTopLevel } from "../git/repository.ts";
import { resolveRenderLimits, type ResolvedRenderLimits } from "../template/render-limits.ts";
import { findConfig } from "./locate.ts";
import { plainConfig } from "./plain-config.ts";

export { CONFIG_FILES, detectProject, pyprojectName, type KnownGit, type ProjectSource } from "./locate.ts";

export interface LoadedConfig {
  config: ConfigFile;
  /** The file it came from (a promptsync.config.yaml, or package.json); undefined when there is none. */
  file: string | undefined;
  /** The folder relative paths in the config are resolved against. */
  dir: string;
}

/** The config's `render.limits`, with the defaults for the fields it leaves out. */
export function configRenderLimits(config: ConfigFile): ResolvedRenderLimits {
  const limits = resolveRenderLimits(config.render?.limits);
  if (typeof limits === "string") throw new ConfigError(`render.limits: ${limits}`);
  return limits;
}

/** Pure: checks a parsed config object. */
export function checkConfig(value: unknown, file: string): ConfigFile {
  const result = validateConfig(value ?? {});
  if (!result.ok) {
    throw new ConfigError(`${file}: ${describeIssues(result.issues)}`, "See schemas/config.schema.json for the keys a config takes.");
  }
  return result.value;
}

/**
 * Finds the config from `cwd` upward, stopping at the git top-level folder (`gitTop`, when the caller has asked
 * git already). The YAML parser is loaded only for a config that plainConfig cannot read: most projects never load it.
 */
export async function loadConfig(cwd: string, gitTop: Promise<string | undefined> = gitTopLevel(cwd)): Promise<LoadedConfig> {
  const found = await findConfig(cwd, await gitTop);
  if (found.kind === "none") return { config: {}, file: undefined, dir: found.dir };
  if (found.kind === "package.json") return { config: checkConfig(found.section, `${found.file} ("promptsync")`), file: found.file, dir: found.dir };
  return { config: checkConfig(plainConfig(found.text) ?? (await parseYaml(found.text, found.file)), found.file), file: found.file, dir: found.dir };
}

async function parseYaml(text: string, file: string): Promise<unknown> {
  const { parse } = await import("yaml");
  try {
    return parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: invalid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}
