import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";

/**
 * Where CI systems and hosting platforms put the commit being built or deployed, most specific first.
 * PROMPTSYNC_APP_COMMIT wins over all of them.
 */
export const COMMIT_VARIABLES = [
  "PROMPTSYNC_APP_COMMIT",
  "GITHUB_SHA",
  "CI_COMMIT_SHA",
  "VERCEL_GIT_COMMIT_SHA",
  "RENDER_GIT_COMMIT",
  "RAILWAY_GIT_COMMIT_SHA",
  "CF_PAGES_COMMIT_SHA",
  "HEROKU_BUILD_COMMIT",
  "SOURCE_VERSION",
  "COMMIT_REF",
  "BITBUCKET_COMMIT",
  "CIRCLE_SHA1",
  "BUILDKITE_COMMIT",
  "GIT_COMMIT",
] as const;

const SHA = /^[0-9a-f]{7,64}$/;

/** What a heartbeat says the app is. */
export interface AppInfo {
  app: string;
  commit: string | null;
  sdk: string;
}

/**
 * The application's git commit: the option, else the usual CI/platform environment variables, else
 * `git rev-parse HEAD` in `cwd`; null when none says (a container without .git and no variable).
 */
export async function detectAppCommit(option: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<string | null> {
  for (const candidate of [option, ...COMMIT_VARIABLES.map((name) => env[name])]) {
    const sha = candidate?.trim().toLowerCase();
    if (sha && SHA.test(sha)) return sha;
  }
  return new Promise((resolve) => {
    execFile("git", ["rev-parse", "HEAD"], { cwd, timeout: 2000 }, (error, stdout) => {
      const sha = stdout?.trim().toLowerCase();
      resolve(!error && sha && SHA.test(sha) ? sha : null);
    });
  });
}

/** The option, else PROMPTSYNC_APP_NAME, else the name in package.json, else the folder's name. */
export async function detectAppName(option: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  if (option) return option;
  if (env.PROMPTSYNC_APP_NAME) return env.PROMPTSYNC_APP_NAME;
  try {
    const { name } = JSON.parse(await readFile(join(cwd, "package.json"), "utf8")) as { name?: unknown };
    if (typeof name === "string" && name) return name;
  } catch {
    // No package.json: not a Node project root.
  }
  return basename(cwd);
}
