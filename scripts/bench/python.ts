// The Python SDK's figures (python/scripts/bench.py): warm get_prompt and get + format against the floor (a dict
// lookup plus a precompiled Jinja2 render), and langsmith's Python client with its prompt cache on. Skipped, with
// the reason, when python3 or the SDK's dependencies are missing.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export function pythonBench(): void {
  const repo = join(import.meta.dirname, "../..");
  const python = process.env.PROMPTSYNC_PYTHON ?? "python3";
  const result = spawnSync(python, [join(repo, "python/scripts/bench.py")], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH: [join(repo, "python/src"), process.env.PYTHONPATH].filter(Boolean).join(":") },
    timeout: 600_000,
  });
  if (result.error || result.status !== 0) {
    console.log(`Python SDK figures skipped: ${result.error?.message ?? result.stderr.trim().split("\n").at(-1)}`);
    return;
  }
  process.stdout.write(result.stdout);
}
