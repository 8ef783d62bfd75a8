import type { GitInfo } from "../formats/types.ts";
import { gitTopLevelFromFiles } from "./top-level.ts";

/**
 * Runs git in `cwd`; undefined when git is missing or `cwd` is not in a repository. node:child_process is loaded
 * on the first call: a command that learns all it needs from the files (gitTopLevel) never loads it. Through
 * process.getBuiltinModule: an ES module import of it also builds a facade of its exports.
 */
export async function git(cwd: string, args: readonly string[]): Promise<string | undefined> {
  const { execFile } = process.getBuiltinModule("node:child_process");
  return new Promise<string | undefined>((resolve) => {
    execFile("git", [...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => resolve(error ? undefined : stdout.replace(/\n$/, "")));
  }).catch(() => undefined);
}

/** `git rev-parse --show-toplevel`: from the file system when that is certain (gitTopLevelFromFiles), else from git. */
export function gitTopLevel(cwd: string): Promise<string | undefined> {
  const known = gitTopLevelFromFiles(cwd);
  return known ? Promise.resolve(known.top) : git(cwd, ["rev-parse", "--show-toplevel"]);
}

/**
 * Commit, branch, author, subject and time of HEAD, and whether `path` has uncommitted changes: two git runs at
 * once (the branch comes with the status), as a command that records them waits for both.
 */
export async function gitInfo(cwd: string, path: string): Promise<GitInfo | undefined> {
  const [head, status] = await Promise.all([
    git(cwd, ["log", "-1", "--format=%H%x00%an <%ae>%x00%s%x00%cI"]),
    git(cwd, ["status", "--porcelain=v2", "--branch", "--no-ahead-behind", "--", path]),
  ]);
  if (!head) return undefined;
  const [commit = "", author, subject, timestamp] = head.split("\0");
  const lines = (status ?? "").split("\n").filter(Boolean);
  // A prompts folder outside the repository fails the status; the branch is still HEAD's.
  const branch = status === undefined
    ? await git(cwd, ["symbolic-ref", "--quiet", "--short", "HEAD"])
    : lines.find((line) => line.startsWith("# branch.head "))?.slice("# branch.head ".length);
  return {
    commit,
    ...(branch && branch !== "(detached)" && { branch }),
    dirty: lines.some((line) => !line.startsWith("# ")),
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
