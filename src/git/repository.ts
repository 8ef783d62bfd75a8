import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { GitInfo } from "../formats/types.ts";

const exec = promisify(execFile);

/** Runs git in `cwd`; undefined when git is missing or `cwd` is not in a repository. */
export async function git(cwd: string, args: readonly string[]): Promise<string | undefined> {
  try {
    const { stdout } = await exec("git", [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout.replace(/\n$/, "");
  } catch {
    return undefined;
  }
}

export function gitTopLevel(cwd: string): Promise<string | undefined> {
  return git(cwd, ["rev-parse", "--show-toplevel"]);
}

/** Commit, branch, author, subject and time of HEAD, and whether `path` has uncommitted changes. */
export async function gitInfo(cwd: string, path: string): Promise<GitInfo | undefined> {
  const head = await git(cwd, ["log", "-1", "--format=%H%x00%an <%ae>%x00%s%x00%cI"]);
  if (!head) return undefined;
  const [commit = "", author, subject, timestamp] = head.split("\0");
  const [branch, status] = await Promise.all([
    git(cwd, ["symbolic-ref", "--quiet", "--short", "HEAD"]),
    git(cwd, ["status", "--porcelain", "--", path]),
  ]);
  return {
    commit,
    ...(branch && { branch }),
    dirty: (status ?? "") !== "",
    ...(author && { author }),
    ...(subject !== undefined && { subject }),
    ...(timestamp && { timestamp }),
  };
}

/** `git@github.com:acme/support-bot.git` → `support-bot`. */
export async function gitRemoteRepositoryName(cwd: string): Promise<string | undefined> {
  const url = await git(cwd, ["remote", "get-url", "origin"]);
  const name = url?.replace(/\/+$/, "").split(/[/:]/).at(-1)?.replace(/\.git$/, "");
  return name || undefined;
}
