// Where a project's config file is and what the project is called: no YAML parser and no schema validators, so
// that `promptsync version get` can tell whether it needs them (config.ts parses and checks what is found here;
// cli/fast-version-get.ts reads a plain one itself).
import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import type { ConfigFile } from "../formats/types.ts";
import { gitRemoteRepositoryName, gitTopLevel } from "../git/repository.ts";
import { isValidProjectId, toProjectId } from "../formats/names.ts";

export const CONFIG_FILES = ["promptsync.config.yaml", "promptsync.config.yml"];

/** A config as found, not yet parsed or checked: a YAML file's text, or package.json's "promptsync" section. */
export type FoundConfig =
  | { kind: "yaml"; file: string; dir: string; text: string }
  | { kind: "package.json"; file: string; dir: string; section: unknown }
  | { kind: "none"; dir: string };

// Not `import … from "node:fs"`: an ES module import of node:fs builds a facade of all its exports (~2 ms).
const { existsSync } = process.getBuiltinModule("node:fs");

/** The file's text; undefined when it is missing or cannot be read. */
export async function readIfExists(path: string): Promise<string | undefined> {
  // Most files asked for are missing: looking first spares making (and throwing away) an error for each.
  if (!existsSync(path)) return undefined;
  return readFile(path, "utf8").catch(() => undefined);
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Finds the config from `cwd` upward, stopping at the git top-level folder `top` (or at the file system's root). */
export async function findConfig(cwd: string, top: string | undefined): Promise<FoundConfig> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const file = join(dir, name);
      const text = await readIfExists(file);
      if (text !== undefined) return { kind: "yaml", file, dir, text };
    }
    const file = join(dir, "package.json");
    const pkg = await readIfExists(file);
    if (pkg !== undefined) {
      const section = (safeJson(pkg) as { promptsync?: unknown } | undefined)?.promptsync;
      if (section !== undefined) return { kind: "package.json", file, dir, section };
    }
    if (dir === top || dir === dirname(dir)) return { kind: "none", dir: top ?? resolve(cwd) };
  }
}

export type ProjectSource = "option" | "config" | "git remote" | "git folder" | "package.json" | "pyproject.toml";

/** What a caller already asked git (or has started asking): detectProject asks git itself otherwise. */
export interface KnownGit {
  top?: Promise<string | undefined>;
  remoteName?: Promise<string | undefined>;
}

/**
 * The project ID: the option, then the config, then the git remote origin's repository name, the git
 * top-level folder's name, package.json's name, pyproject.toml's [project] name.
 */
export async function detectProject(
  cwd: string,
  explicit: string | undefined,
  config: ConfigFile,
  known: KnownGit = {},
): Promise<{ project: string; source: ProjectSource }> {
  const candidates: [ProjectSource, () => Promise<string | undefined>][] = [
    ["option", async () => explicit],
    ["config", async () => config.project],
    ["git remote", () => known.remoteName ?? gitRemoteRepositoryName(cwd)],
    ["git folder", async () => {
      const top = await (known.top ?? gitTopLevel(cwd));
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
