import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

/** The test process's environment without PromptSync settings a developer may have exported. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("PROMPTSYNC_")) delete env[key];
  return env;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process (the repo's Node, which runs TypeScript directly). */
export function runCli(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...inheritedEnv(), NO_COLOR: "1", ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Runs the CLI as a user the file system's permissions apply to: as itself, or, when the tests run as root (who
 * reads and writes through any mode), as `nobody` through util-linux's setpriv.
 */
export function runCliUnprivileged(cwd: string, args: readonly string[]): Promise<CliResult> {
  if (process.getuid?.() !== 0) return runCli(cwd, args);
  return new Promise((resolve) => {
    execFile(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath, CLI, ...args],
      { cwd, env: { ...inheritedEnv(), NO_COLOR: "1", HOME: "/nonexistent", PATH: "/usr/local/bin:/usr/bin:/bin" } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

export async function cliJson<T>(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<T> {
  const result = await runCli(cwd, [...args, "--json"], env);
  if (result.code !== 0) throw new Error(`promptsync ${args.join(" ")} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}
