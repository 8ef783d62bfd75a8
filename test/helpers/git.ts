import { execFileSync } from "node:child_process";
import { writeFiles, tempDir } from "./fs.ts";

const identity = ["-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false"];

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", [...identity, ...args], { cwd: dir, encoding: "utf8" }).trim();
}

/** A real git repository with `files` committed as `message`. */
export async function gitRepo(files: Record<string, string>, message = "Initial prompts", name = "repo"): Promise<string> {
  const dir = `${await tempDir()}/${name}`;
  await writeFiles(dir, files);
  git(dir, "init", "-q", "-b", "main");
  return commitAll(dir, message);
}

export function commitAll(dir: string, message: string): string {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
  return dir;
}
