// The git facts an alias change records (gitInfo: two git processes), started by cli/start-up.ts before the
// command's modules load, so that git runs while Node loads them instead of after (issue 15). The folder is the one
// ctx.promptsDir() names (cli/context.ts), worked out from the config as loadConfig finds it when no YAML parser is
// needed. The command takes the result only when its own prompts folder is that one (gitInfoFor); otherwise, and
// whenever the folder cannot be worked out here, it starts git itself, as before.
import { resolve } from "node:path";
import type { GitInfo } from "../src/formats/types.ts";
import { gitInfo } from "../src/git/repository.ts";
import { gitTopLevelFromFiles } from "../src/git/top-level.ts";
import { findConfig } from "../src/project/locate.ts";
import { plainConfig } from "../src/project/plain-config.ts";

let started: { cwd: string; path: string; info: Promise<GitInfo | undefined> } | undefined;

/** Starts gitInfo in `cwd` for the prompts folder, when the repository and the config tell it without git or YAML. */
export async function startGitInfo(cwd: string): Promise<void> {
  try {
    const top = gitTopLevelFromFiles(cwd)?.top;
    if (top === undefined) return;
    const path = await promptsDirOf(cwd, top);
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

/** What ctx.promptsDir() will say: the config's `prompts` from its folder, else ./prompts; undefined when unsure. */
async function promptsDirOf(cwd: string, top: string): Promise<string | undefined> {
  const found = await findConfig(cwd, top);
  if (found.kind === "none") return resolve(cwd, "prompts");
  const config = found.kind === "yaml" ? plainConfig(found.text) : found.section;
  if (config === undefined || config === null || typeof config !== "object") return undefined;
  const prompts = (config as { prompts?: unknown }).prompts;
  if (prompts === undefined || prompts === "") return resolve(cwd, "prompts");
  return typeof prompts === "string" ? resolve(found.dir, prompts) : undefined;
}
