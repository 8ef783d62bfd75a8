// CLI start-up (issue 15): whole `promptsync` processes on a folder registry (the built bin, dist/cli/main.mjs, as
// installed), each beside `node -e 0` in the same run: the two alternate, round after round, and each line is the
// median of the command over the median of `node -e 0`. Targets: ≤ 2× for version get, alias set, alias list and
// list in a project with promptsync.config.yaml (as `promptsync init` writes it); ≤ 1.5× for version get in a
// project without a config file. version get runs cli/fast-version-get.ts, the others the full CLI. alias set is
// also set beside its own floor (scripts/bench/alias-set-floor.mjs: its git runs, reads and durable writes in one
// plain file), to tell what the command must do from what PromptSync adds.
import { spawnSync } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "../../dist/cli/main.mjs");
const ALIAS_SET_FLOOR = join(import.meta.dirname, "alias-set-floor.mjs");
const ROUNDS = 20;

interface Case {
  name: string;
  cwd: string;
  args: string[];
  /** The script run with the arguments. @default the CLI */
  script?: string;
  /** At most this many times `node -e 0`; none for figures shown for comparison. */
  target?: number;
  env?: NodeJS.ProcessEnv;
}

function run(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}: ${String(result.stderr)}`);
  return ms;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A git repository with one pushed version and a `production` alias; without promptsync.config.yaml if `yaml` is false. */
async function project(dir: string, yaml: boolean): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const git = (...args: string[]) => spawnSync("git", ["-c", "user.name=Bench", "-c", "user.email=bench@example.com", ...args], { cwd: dir });
  git("init", "-q");
  run(dir, [BIN, "init"]);
  git("add", "-A");
  git("commit", "-qm", "prompts");
  run(dir, [BIN, "push"]);
  run(dir, [BIN, "alias", "set", "production", "--version", "latest"]);
  if (!yaml) await rm(join(dir, "promptsync.config.yaml"));
}

export async function cliStartupBench(work: string): Promise<void> {
  const withConfig = join(work, "startup-config");
  const withoutConfig = join(work, "startup-plain");
  await project(withConfig, true);
  await project(withoutConfig, false);
  const cases: Case[] = [
    { name: "version get production", cwd: withConfig, args: ["version", "get", "production"], target: 2 },
    { name: "alias set production --version latest", cwd: withConfig, args: ["alias", "set", "production", "--version", "latest"], target: 2 },
    { name: "alias list", cwd: withConfig, args: ["alias", "list"], target: 2 },
    { name: "list", cwd: withConfig, args: ["list"], target: 2 },
    { name: "alias set's floor (no PromptSync code)", cwd: withConfig, args: [".promptsync/registry/prompts/startup-config", "production"], script: ALIAS_SET_FLOOR },
    { name: "no config: version get production --project p", cwd: withoutConfig, args: ["version", "get", "production", "--project", "startup-plain"], target: 1.5 },
    // For comparison: the name from git runs `git remote get-url origin`.
    { name: "no config: version get production", cwd: withoutConfig, args: ["version", "get", "production"] },
    { name: "version get production, compile cache off", cwd: withConfig, args: ["version", "get", "production"], env: { NODE_DISABLE_COMPILE_CACHE: "1" } },
    { name: "list, compile cache off", cwd: withConfig, args: ["list"], env: { NODE_DISABLE_COMPILE_CACHE: "1" } },
  ];
  // Warm-up: the compile cache is written on a command's first run, and the page cache filled.
  for (const c of cases) for (let i = 0; i < 3; i++) run(c.cwd, [c.script ?? BIN, ...c.args], c.env);
  const floor: number[] = [];
  const times = cases.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    cases.forEach((c, i) => {
      floor.push(run(work, ["-e", "0"]));
      times[i]!.push(run(c.cwd, [c.script ?? BIN, ...c.args], c.env));
    });
  }
  const base = median(floor);
  console.log(`${"floor: node -e 0".padEnd(58)} p50 ${base.toFixed(1).padStart(6)} ms`);
  cases.forEach((c, i) => {
    const ms = median(times[i]!);
    const ratio = ms / base;
    const target = c.target === undefined ? "" : ` (target ≤ ${c.target}×: ${ratio <= c.target ? "met" : "MISSED"})`;
    console.log(`${(c.script ? c.name : `promptsync ${c.name}`).padEnd(58)} p50 ${ms.toFixed(1).padStart(6)} ms  ${ratio.toFixed(2)}× node -e 0${target}`);
  });
  const medianOf = (name: string) => median(times[cases.findIndex((c) => c.name === name)]!);
  const floorRatio = medianOf("alias set production --version latest") / medianOf("alias set's floor (no PromptSync code)");
  console.log(`${"promptsync alias set over its floor".padEnd(58)} ${floorRatio.toFixed(2)}×`);
  console.log(`  (${ROUNDS} rounds, each command alternating with node -e 0; medians)`);
}
