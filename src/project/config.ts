import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../errors.ts";
import type { ConfigFile } from "../formats/types.ts";
import { describeIssues, validateConfig } from "../formats/validate.ts";
import { gitRemoteRepositoryName, gitTopLevel } from "../git/repository.ts";
import { isValidProjectId, toProjectId } from "../formats/names.ts";
import { resolveRenderLimits, type ResolvedRenderLimits } from "../template/budget.ts";

export const CONFIG_FILES = ["promptsync.config.yaml", "promptsync.config.yml"];

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

async function readIfExists(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch(() => undefined);
}

/** Finds the config from `cwd` upward, stopping at the git top-level folder. */
export async function loadConfig(cwd: string): Promise<LoadedConfig> {
  const top = await gitTopLevel(cwd);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const path = join(dir, name);
      const text = await readIfExists(path);
      if (text === undefined) continue;
      let value: unknown;
      try {
        value = parseYaml(text);
      } catch (error) {
        throw new ConfigError(`${path}: invalid YAML: ${(error as Error).message.split("\n")[0]}`);
      }
      return { config: checkConfig(value, path), file: path, dir };
    }
    const pkgPath = join(dir, "package.json");
    const pkg = await readIfExists(pkgPath);
    if (pkg !== undefined) {
      const section = (safeJson(pkg) as { promptsync?: unknown } | undefined)?.promptsync;
      if (section !== undefined) return { config: checkConfig(section, `${pkgPath} ("promptsync")`), file: pkgPath, dir };
    }
    if (dir === top || dir === dirname(dir)) return { config: {}, file: undefined, dir: top ?? resolve(cwd) };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type ProjectSource = "option" | "config" | "git remote" | "git folder" | "package.json" | "pyproject.toml";

/**
 * The project ID: the option, then the config, then the git remote origin's repository name, the git
 * top-level folder's name, package.json's name, pyproject.toml's [project] name.
 */
export async function detectProject(
  cwd: string,
  explicit: string | undefined,
  config: ConfigFile,
): Promise<{ project: string; source: ProjectSource }> {
  const candidates: [ProjectSource, () => Promise<string | undefined>][] = [
    ["option", async () => explicit],
    ["config", async () => config.project],
    ["git remote", () => gitRemoteRepositoryName(cwd)],
    ["git folder", async () => {
      const top = await gitTopLevel(cwd);
      return top && basename(top);
    }],
    ["package.json", async () => (safeJson((await readIfExists(join(cwd, "package.json"))) ?? "") as { name?: string } | undefined)?.name],
    ["pyproject.toml", async () => pyprojectName((await readIfExists(join(cwd, "pyproject.toml"))) ?? "")],
  ];
  for (const [source, read] of candidates) {
    const raw = await read();
    if (!raw) continue;
    const project = source === "option" || source === "config" ? raw : toProjectId(raw);
    if (!isValidProjectId(project)) {
      throw new ConfigError(
        `Project ID "${project}" (from ${source}) is invalid`,
        "Project IDs use lowercase letters, digits, '.', '_' and '-': pass --project or set `project:` in promptsync.config.yaml.",
      );
    }
    return { project, source };
  }
  throw new ConfigError(
    "Cannot tell which project this is",
    "Pass --project, set `project:` in promptsync.config.yaml, or run inside a git repository.",
  );
}

/** The `name` of pyproject.toml's [project] table. */
export function pyprojectName(text: string): string | undefined {
  let inProject = false;
  for (const line of text.split(/\r?\n/)) {
    const table = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (table) inProject = table[1]?.trim() === "project";
    const name = inProject && /^\s*name\s*=\s*["']([^"']+)["']/.exec(line);
    if (name) return name[1];
  }
  return undefined;
}
