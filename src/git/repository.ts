import type { GitInfo } from "../formats/types.ts";
import { gitTopLevelFromFiles } from "./top-level.ts";

/** More output than any git command here prints; past it the run is stopped and counts as failed. */
const MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * Runs git in `cwd`: its output, or undefined when git is missing, fails (`cwd` is not in a repository) or prints
 * more than MAX_OUTPUT. node:child_process is loaded on the first call: a command that learns all it needs from
 * the files (gitTopLevel) never loads it. Through process.getBuiltinModule: an ES module import of it also builds
 * a facade of its exports. Only standard output is piped (execFile pipes all three): each pipe is a socket set
 * up on the main thread, and commands that record git's facts start two runs before their modules load (issue 15).
 */
export async function git(cwd: string, args: readonly string[]): Promise<string | undefined> {
  const { spawn } = process.getBuiltinModule("node:child_process");
  return new Promise<string | undefined>((resolve) => {
    const child = spawn("git", args, { cwd, stdio: ["ignore", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) child.kill();
      else chunks.push(chunk);
    });
    child.on("error", () => resolve(undefined));
    child.on("close", (code) => resolve(code === 0 && size <= MAX_OUTPUT ? Buffer.concat(chunks).toString("utf8").replace(/\n$/, "") : undefined));
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
