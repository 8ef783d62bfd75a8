import { spawn } from "node:child_process";
import { CLI, inheritedEnv } from "./cli.ts";

export interface ServeProcess {
  url: string;
  /** What the server wrote to its own stderr so far: its log. */
  stderr(): string;
  stop(): Promise<number | null>;
}

/** `promptsync serve --port 0 --json` as a child process, with more arguments and environment; resolves once it listens. */
export async function serveCli(dir: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--json", ...args], {
    cwd: dir,
    env: { ...inheritedEnv(), NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (chunk) => (log += String(chunk)));
  let output = "";
  for await (const chunk of child.stdout) {
    output += String(chunk);
    if (output.trimEnd().endsWith("}")) break;
  }
  if (!output.trim()) throw new Error(`promptsync serve did not start: ${log}`);
  const { url } = JSON.parse(output) as { url: string };
  return {
    url,
    stderr: () => log,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}
