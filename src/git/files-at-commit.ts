import { spawn } from "node:child_process";
import { relative, sep } from "node:path";
import { PromptSyncError } from "../errors.ts";
import { git, gitTopLevel } from "./repository.ts";
import { sourceFormat } from "../source/parse.ts";
import type { SourceFile } from "../source/types.ts";

/** The full SHA of `commit` (a short SHA, a branch, a tag); a clear error when it is not a commit. */
export async function resolveCommit(cwd: string, commit: string): Promise<{ sha: string; top: string }> {
  const top = await gitTopLevel(cwd);
  if (!top) {
    throw new PromptSyncError("NOT_A_GIT_REPO", `${cwd} is not inside a git repository`, {
      suggestion: "Run the command from the repository that holds the prompts.",
    });
  }
  const sha = await git(cwd, ["rev-parse", "--verify", "--quiet", `${commit}^{commit}`]);
  if (!sha) {
    throw new PromptSyncError("GIT_COMMIT_NOT_FOUND", `"${commit}" is not a commit of ${top}`, {
      suggestion: "Give a commit SHA (a short one works), a branch or a tag; `git log --oneline` lists them.",
    });
  }
  return { sha, top };
}

/** The prompt files under `promptsDir` as they were at `sha`, read in one `git cat-file --batch`. */
export async function promptFilesAtCommit(top: string, sha: string, promptsDir: string): Promise<SourceFile[]> {
  const folder = relative(top, promptsDir).split(sep).join("/");
  const listing = (await git(top, ["ls-tree", "-r", "-z", "--name-only", sha, "--", folder || "."])) ?? "";
  const prefix = folder ? `${folder}/` : "";
  const paths = listing
    .split("\0")
    .filter((p) => p.startsWith(prefix) && sourceFormat(p) !== undefined)
    .filter((p) => !p.slice(prefix.length).split("/").some((s) => s.startsWith(".")))
    .sort();
  const blobs = await catFiles(top, paths.map((p) => `${sha}:${p}`));
  return paths.map((p, i) => ({ path: p.slice(prefix.length), text: blobs[i]! }));
}

function catFiles(cwd: string, objects: readonly string[]): Promise<string[]> {
  if (objects.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["cat-file", "--batch"], { cwd });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`git cat-file exited ${code}`));
      const out = Buffer.concat(chunks);
      const texts: string[] = [];
      let at = 0;
      for (let i = 0; i < objects.length; i++) {
        const end = out.indexOf(10, at);
        const size = Number(out.subarray(at, end).toString().split(" ")[2]);
        texts.push(out.subarray(end + 1, end + 1 + size).toString("utf8"));
        at = end + 1 + size + 1;
      }
      resolve(texts);
    });
    child.stdin.end(`${objects.join("\n")}\n`);
  });
}
