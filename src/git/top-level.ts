import type { Stats } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";

// Not `import … from "node:fs"`: an ES module import of node:fs builds a facade of all its exports, reading
// fs.promises among them, which is ~2 ms of a quick command's start-up.
const { accessSync, constants, lstatSync, readFileSync, statSync } = process.getBuiltinModule("node:fs");

/** git(1)'s variables that change where the repository is, or its config (and git's own test switches). */
const WHERE_GIT_LOOKS =
  /^GIT_(DIR|WORK_TREE|COMMON_DIR|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|NAMESPACE|CEILING_DIRECTORIES|DISCOVERY_ACROSS_FILESYSTEM|CONFIG|IMPLICIT_WORK_TREE|PREFIX|TEST_)/;

/**
 * What `git rev-parse --show-toplevel` prints in `cwd`, read from the file system where that is certain, without
 * starting git (starting it is most of a quick command's time): `{ top }` for a plain repository, whose `.git`
 * folder is found from `cwd` up; `{ top: undefined }` outside any repository; undefined when only git can tell,
 * and the caller asks it. Only git can tell on Windows, when a variable that moves or configures the repository
 * is set (GIT_DIR, GIT_WORK_TREE, GIT_CEILING_DIRECTORIES, GIT_CONFIG_*, …), when git is not on PATH,
 * for a `.git` file (linked worktrees, submodules) or a bare repository, for a repository owned by another user
 * (safe.directory), across a file system boundary, and for a repository config that sets core.worktree or
 * core.bare, includes other files, or has per-worktree config.
 */
export function gitTopLevelFromFiles(cwd: string, env: NodeJS.ProcessEnv = process.env): { top: string | undefined } | undefined {
  if (process.platform === "win32" || Object.keys(env).some((name) => WHERE_GIT_LOOKS.test(name)) || !gitOnPath(env.PATH, cwd)) return undefined;
  try {
    return fromFiles(cwd);
  } catch {
    // A folder this user may not look into, or a file where a folder was expected: git decides.
    return undefined;
  }
}

function fromFiles(cwd: string): { top: string | undefined } | undefined {
  const uid = process.geteuid?.();
  let device: number | undefined;
  for (let dir = cwd; ; dir = dirname(dir)) {
    const stats = statOf(dir);
    if (!stats) return undefined;
    device ??= stats.dev;
    if (stats.dev !== device) return undefined;
    const dotGit = lstatOf(join(dir, ".git"));
    if (dotGit) {
      if (!dotGit.isDirectory() || stats.uid !== uid || dotGit.uid !== uid) return undefined;
      return plainGitFolder(join(dir, ".git")) ? { top: dir } : undefined;
    }
    // A git folder itself (a bare repository, or inside .git).
    if (statOf(join(dir, "HEAD")) && statOf(join(dir, "objects"))) return undefined;
    if (dir === dirname(dir)) return { top: undefined };
  }
}

/** The file's stats; undefined when it is missing; other failures (no permission, …) throw. */
function statOf(path: string): Stats | undefined {
  return statSync(path, { throwIfNoEntry: false });
}

function lstatOf(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

/**
 * Whether execFile("git", …, { cwd }) finds a program: a `git` file this user may execute in a PATH folder
 * (relative to `cwd`). Looked for with stat, which throws nothing for the many folders without one.
 */
function gitOnPath(path: string | undefined, cwd: string): boolean {
  if (!path) return false;
  return path.split(delimiter).some((dir) => {
    const file = resolve(cwd, dir, "git");
    try {
      if (!statOf(file)?.isFile()) return false;
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      // As execvp, which goes on to the next folder past one it may not read.
      return false;
    }
  });
}

/** A repository folder git accepts, whose work tree is its parent: HEAD, objects/, refs/ and a plain config. */
function plainGitFolder(gitDir: string): boolean {
  if (!statOf(join(gitDir, "objects"))?.isDirectory() || !statOf(join(gitDir, "refs"))?.isDirectory()) return false;
  if (statOf(join(gitDir, "commondir")) || statOf(join(gitDir, "config.worktree"))) return false;
  try {
    const head = readFileSync(join(gitDir, "HEAD"), "utf8");
    if (!/^(ref: refs\/\S+|[0-9a-f]{40}|[0-9a-f]{64})\r?\n?$/.test(head)) return false;
    const config = readFileSync(join(gitDir, "config"), "utf8");
    // `bare = false`, as git init writes it, is the only mention of bare or worktree that leaves the answer alone.
    const lines = config.split(/\r?\n/).map((line) => line.trim().toLowerCase());
    return !lines.some((line) => /^\[\s*include/.test(line) || (/^(bare|worktree)\b/.test(line) && !/^bare\s*=\s*false$/.test(line)));
  } catch {
    return false;
  }
}
