import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const CONFIG_FILES = ["promptsync.config.yaml", "promptsync.config.yml"];

/**
 * Whether anything could be a config from `cwd` up to the file system's root: a promptsync.config.yaml or .yml
 * (of any kind), or a package.json with a "promptsync" key. Synchronous and without git, for the CLI's start-up:
 * it errs towards yes (findConfig stops at the git top level; an unreadable package.json counts), never towards no.
 */
export function mayHaveConfig(cwd: string): boolean {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (CONFIG_FILES.some((name) => existsSync(join(dir, name)))) return true;
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        const value: unknown = JSON.parse(readFileSync(pkg, "utf8"));
        if ((value as { promptsync?: unknown } | null)?.promptsync !== undefined) return true;
      } catch {
        // Unreadable, or not JSON: findConfig skips it too, but it is no place to be clever.
        return true;
      }
    }
    if (dir === dirname(dir)) return false;
  }
}
