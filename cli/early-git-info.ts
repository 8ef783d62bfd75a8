// The git facts an alias change records (gitInfo: two git processes), started by cli/start-up.ts before the
// command's modules load, so that git runs while Node loads them instead of after (issue 15). The folder is the one
// ctx.promptsDir() names (cli/context.ts), worked out from the config as findConfig finds it when no YAML parser is
// needed, read synchronously so that git starts before anything else. The command takes the result only when its
// own prompts folder is that one (gitInfoFor); otherwise, and whenever the folder cannot be worked out here, it
// starts git itself, as before.
import { dirname, join, resolve } from "node:path";
import type { GitInfo } from "../src/formats/types.ts";
import { gitInfo } from "../src/git/repository.ts";
import { gitTopLevelFromFiles } from "../src/git/top-level.ts";
import { CONFIG_FILES, safeJson } from "../src/project/locate.ts";
import { plainConfig } from "../src/project/plain-config.ts";

// Not `import … from "node:fs"`: an ES module import of node:fs builds a facade of all its exports.
const { existsSync, readFileSync } = process.getBuiltinModule("node:fs");

let started: { cwd: string; path: string; info: Promise<GitInfo | undefined> } | undefined;

/** Starts gitInfo in `cwd` for the prompts folder, when the repository and the config tell it without git or YAML. */
export function startGitInfo(cwd: string): void {
  try {
    const top = gitTopLevelFromFiles(cwd)?.top;
    if (top === undefined) return;
    const path = promptsDirOf(cwd, top);
    if (path !== undefined) started = { cwd, path, info: gitInfo(cwd, path) };
  } catch {
    // A config that cannot be read is the command's to report; git then starts when the command asks.
  }
}

/** gitInfo(cwd, path): the run startGitInfo started when it was for this folder (once), else a new one. */
export function gitInfoFor(cwd: string, path: string): Promise<GitInfo | undefined> {
  const early = started;
  started = undefined;
  return early && early.cwd === cwd && early.path === path ? early.info : gitInfo(cwd, path);
}

/** What ctx.promptsDir() will say, from the config findConfig (src/project/locate.ts) finds; undefined when unsure. */
function promptsDirOf(cwd: string, top: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const text = readIfExists(join(dir, name));
      if (text !== undefined) return promptsIn(plainConfig(text), dir, cwd);
    }
    const pkg = readIfExists(join(dir, "package.json"));
    const section = pkg === undefined ? undefined : (safeJson(pkg) as { promptsync?: unknown } | undefined)?.promptsync;
    if (section !== undefined) return promptsIn(section, dir, cwd);
    if (dir === top || dir === dirname(dir)) return resolve(cwd, "prompts");
  }
}

/** The config's `prompts` from its folder `dir`, else ./prompts; undefined for a config this cannot read. */
function promptsIn(config: unknown, dir: string, cwd: string): string | undefined {
  if (config === undefined || config === null || typeof config !== "object") return undefined;
  const prompts = (config as { prompts?: unknown }).prompts;
  if (prompts === undefined || prompts === "") return resolve(cwd, "prompts");
  return typeof prompts === "string" ? resolve(dir, prompts) : undefined;
}

function readIfExists(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
