// CLI start-up (issue 15): `version get` is answered by cli/fast-version-get.ts without commander or the YAML parser,
// with the full command's output byte for byte; the pieces that make it and the full commands quick (the plain-config
// reader, the git top level read from files) agree with what they stand in for. Timings are `npm run bench`'s
// business, never asserted here.
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DEFAULT_REGISTRY_DIR, REGISTRY_ENV, TELEMETRY_ENV } from "../cli/context.ts";
import { fastVersionGet } from "../cli/fast-version-get.ts";
import { gitTopLevelFromFiles } from "../src/git/top-level.ts";
import { CONFIG_FILES } from "../src/project/locate.ts";
import { plainConfig } from "../src/project/plain-config.ts";
import { CLI, inheritedEnv, runCli, type CliResult } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { commitAll, git, gitRepo } from "./helpers/git.ts";

const TRACE = fileURLToPath(new URL("fixtures/trace-cli.mjs", import.meta.url));

interface Traced extends CliResult {
  modules: string[];
}

/** The CLI as a user runs it, with every module it loaded. */
async function traced(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Traced> {
  const out = join(await tempDir("trace-"), "modules.txt");
  const result = await new Promise<CliResult>((resolve) => {
    execFile(
      process.execPath,
      ["--import", TRACE, CLI, ...args],
      { cwd, env: { ...inheritedEnv(), NO_COLOR: "1", PROMPTSYNC_TEST_TRACE: out, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
  return { ...result, modules: (await readFile(out, "utf8")).split("\n") };
}

const loads = (modules: readonly string[], what: string) => modules.some((url) => url.includes(what));
/** Loaded when the full `version` command runs, not the fast path. */
const FULL_COMMAND = "/cli/commands/version.ts";
const HEAVY = ["/node_modules/commander/", "/node_modules/yaml/", "/node_modules/nunjucks/", "/node_modules/diff/", "/node_modules/@aws-sdk/", "/node_modules/ajv/"];

/**
 * A project without a config file: one pushed version, `production` and `staging` on it, `old` deleted. In `under`
 * (kept until the caller removes it) or a folder removed after the test.
 */
async function plainProject(under?: string): Promise<string> {
  const files = { "promptsync.config.yaml": "project: repo\n", "prompts/hello.txt": "Hello {{ name }}\n" };
  const dir = under ? join(under, "repo") : await gitRepo(files);
  if (under) {
    await writeFiles(dir, files);
    git(dir, "init", "-q");
    commitAll(dir, "Prompts");
  }
  for (const args of [["push"], ["alias", "set", "production", "--version", "latest"], ["alias", "set", "staging", "v0.1.0"], ["alias", "set", "old", "v0.1.0"], ["alias", "delete", "old"]]) {
    const result = await runCli(dir, args);
    if (result.code !== 0) throw new Error(`${args.join(" ")}: ${result.stderr}`);
  }
  await rm(join(dir, "promptsync.config.yaml"));
  return dir;
}

describe("version get: the fast path", () => {
  let dir: string;
  let kept: string;
  beforeAll(async () => {
    kept = await mkdtemp(join(tmpdir(), "promptsync-startup-"));
    dir = await plainProject(kept);
  });
  afterAll(() => rm(kept, { recursive: true, force: true }));

  // Setting PROMPTSYNC_TELEMETRY (which version get does not use) sends the command down the full path; each
  // comparison also checks which path ran, so that it never compares the fast path with itself.
  const full = { [TELEMETRY_ENV]: join(DEFAULT_REGISTRY_DIR, "..", "telemetry") };

  const answered = [
    ["production"],
    ["production", "--json"],
    ["--json", "staging"],
    ["latest"],
    ["latest", "--json"],
    ["v0.1.0"],
    ["0.1.0", "--json"],
    ["production", "--project", "repo"],
    ["production", "--project=repo", "--json"],
    ["production", "--registry", DEFAULT_REGISTRY_DIR],
  ];
  it.each(answered)("version get %s … prints what the full command prints, without loading commander or YAML", async (...args: string[]) => {
    const fast = await traced(dir, ["version", "get", ...args]);
    const slow = await traced(dir, ["version", "get", ...args], full);
    expect(fast.code).toBe(0);
    for (const heavy of HEAVY) expect(loads(fast.modules, heavy), heavy).toBe(false);
    expect(loads(fast.modules, "/cli/fast-version-get.ts")).toBe(true);
    expect(loads(slow.modules, FULL_COMMAND)).toBe(true);
    expect({ code: fast.code, stdout: fast.stdout, stderr: fast.stderr }).toEqual({ code: slow.code, stdout: slow.stdout, stderr: slow.stderr });
  });

  const refused = [
    ["nope"],
    ["nope", "--json"],
    ["Not An Alias!"],
    ["old"],
    ["v9.9.9", "--json"],
    ["production", "--project", "other"],
    ["production", "--project", "Bad_Project"],
    ["production", "--registry", "ftp://example.com/registry"],
    ["production", "--registry", "missing-folder"],
    ["production", "extra"],
    ["production", "--unknown"],
    ["production", "--json", "--json"],
    ["production", "--project"],
    [],
  ];
  it.each(refused)("version get %s …: errors and anything unusual go to the full command, with its output and exit code", async (...args: string[]) => {
    const fast = await runCli(dir, ["version", "get", ...args]);
    const slow = await runCli(dir, ["version", "get", ...args], full);
    expect(fast).toEqual(slow);
  });

  it("answers only what it is sure of: each of these leaves it to the full command", async () => {
    const env = inheritedEnv();
    expect(await fastVersionGet(["production"], dir, env)).toBe("v0.1.0\n");
    expect(await fastVersionGet(["production"], dir, { ...env, [TELEMETRY_ENV]: "telemetry" })).toBeUndefined();
    expect(await fastVersionGet(["production"], dir, { ...env, [REGISTRY_ENV]: "https://prompts.example.com" })).toBeUndefined();
    expect(await fastVersionGet(["production"], dir, { ...env, [REGISTRY_ENV]: "s3://bucket/prefix" })).toBeUndefined();
    expect(await fastVersionGet(["production", "-h"], dir, env)).toBeUndefined();
    expect(await fastVersionGet(["production", "--registry", "-x"], dir, env)).toBeUndefined();
    expect(await fastVersionGet(["production", "--project", ""], dir, env)).toBeUndefined();
  });

  it("a pointer that fails its schema, or a link out of the registry, is the full command's error", async () => {
    const project = await plainProject();
    const aliases = join(project, DEFAULT_REGISTRY_DIR, "prompts", "repo", "aliases");
    await writeFile(join(aliases, "broken.json"), JSON.stringify({ format: "promptsync.alias/v1", alias: "broken" }));
    const outside = join(await tempDir(), "pointer.json");
    await writeFile(outside, await readFile(join(aliases, "production.json")));
    await symlink(outside, join(aliases, "linked.json"));
    for (const ref of ["broken", "linked"]) {
      const fast = await traced(project, ["version", "get", ref]);
      expect(fast.code).toBe(1);
      expect(loads(fast.modules, FULL_COMMAND)).toBe(true);
      expect(fast.stderr).toMatch(/^error: /);
    }
  });

  it("reads a plain config, or a package.json section, as the full command does; other configs are the full command's", async () => {
    const project = await plainProject();
    const registry = join(project, DEFAULT_REGISTRY_DIR);
    const moved = join(project, "elsewhere");
    await rename(registry, moved);
    const answered: [string, string][] = [
      [CONFIG_FILES[0]!, "# settings\nproject: repo  # the ID\nregistry: elsewhere\nprompts: prompts\n"],
      [CONFIG_FILES[1]!, "registry: file://elsewhere\n"],
      ["package.json", JSON.stringify({ name: "repo", promptsync: { registry: "elsewhere", s3: { region: "eu-west-1" } } })],
    ];
    const refused: [string, string][] = [
      // Valid, but not plain: the YAML parser reads it.
      [CONFIG_FILES[0]!, "project: repo\nregistry: 'elsewhere'\n"],
      [CONFIG_FILES[0]!, "registry: elsewhere\nprotectedAliases: [production]\n"],
      // Trusted keys would make the read verify signatures.
      ["package.json", JSON.stringify({ promptsync: { registry: "elsewhere", signing: { trustedKeys: ["missing.pub"] } } })],
      // Errors, in the full command's words.
      [CONFIG_FILES[0]!, "project: Not_A_Project\nregistry: elsewhere\n"],
      [CONFIG_FILES[0]!, "registry: elsewhere\nunknown: key\n"],
      [CONFIG_FILES[0]!, "registry: [elsewhere\n"],
      ["package.json", JSON.stringify({ promptsync: { registry: 42 } })],
    ];
    for (const [file, text] of [...answered, ...refused]) {
      await writeFile(join(project, file), text);
      for (const args of [["production"], ["latest", "--json"]]) {
        const fast = await traced(project, ["version", "get", ...args]);
        const slow = await traced(project, ["version", "get", ...args], full);
        expect(loads(slow.modules, FULL_COMMAND), text).toBe(true);
        expect(loads(fast.modules, FULL_COMMAND), text).toBe(!answered.some(([, t]) => t === text));
        expect(loads(fast.modules, "/node_modules/yaml/"), text).toBe(loads(slow.modules, "/node_modules/yaml/"));
        expect({ code: fast.code, stdout: fast.stdout, stderr: fast.stderr }, text).toEqual({ code: slow.code, stdout: slow.stdout, stderr: slow.stderr });
      }
      await rm(join(project, file));
    }
  });
});

describe("the commands on a plain config", () => {
  it("version get, list, alias list and alias set read promptsync.config.yaml without the YAML parser or commander, and load no template engine", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "# settings\nproject: plain  # the ID\nprompts: prompts\n", "prompts/hello.txt": "Hello {{ name }}\n" });
    expect((await runCli(dir, ["push", "--alias", "production"])).code).toBe(0);
    for (const args of [["version", "get", "production"], ["list"], ["alias", "list"], ["alias", "set", "staging", "--version", "latest"]]) {
      const run = await traced(dir, args);
      expect(run.code, run.stderr).toBe(0);
      for (const heavy of HEAVY) expect(loads(run.modules, heavy), `${args.join(" ")}: ${heavy}`).toBe(false);
    }
  });
});

describe("plainConfig reads what YAML reads, or nothing", () => {
  const read = [
    "",
    "# only a comment\n",
    "project: support-bot\n",
    "project: support-bot\nprompts: prompts\nregistry: s3://bucket/prompts/prefix\n",
    "registry: file://.promptsync/registry # the default\n",
    "registry: ../shared/registry\npublicUrl: https://cdn.example.com/prompts\n",
    "registry: ./registry\n\n\nproject: a.b_c-d\n",
    "project: yes\n",
    "project: no\n",
    "project: on\n",
    "project: x   \n",
    "project: e5\n",
    "project: inf\n",
    "registry: /abs/path:with:colons\n",
    "registry: https://user@host/p?x\n".replace("?x", ""),
    "project: nan\n",
    "project: _\n",
  ];
  it.each(read)("%j", (text) => {
    const plain = plainConfig(text);
    expect(plain).toBeDefined();
    expect(plain).toEqual((parseYaml(text) as unknown) ?? {});
  });

  const refused = [
    "project: 123\n",
    "project: 1.5\n",
    "project: 0x1F\n",
    "project: .inf\n",
    "project: .nan\n",
    "project: ~\n",
    "project: null\n",
    "project: Null\n",
    "project: true\n",
    "project: FALSE\n",
    "project:\n",
    "project: \n",
    "project:x\n",
    "project: 'quoted'\n",
    'project: "quoted"\n',
    "project: a b\n",
    "project: a #b\n".replace(" #b", "#b"),
    "project: x:\n",
    "project: &anchor x\n",
    "project: *alias\n",
    "project: !tag x\n",
    "project: [a, b]\n",
    "project: {a: b}\n",
    "project: |\n  block\n",
    "project: x\n  continued\n",
    "s3:\n  region: eu-west-1\n",
    "project: a\nproject: b\n",
    "  project: x\n",
    "---\nproject: x\n",
    "%YAML 1.1\n---\nproject: yes\n",
    "project: x\r\n",
    "project:\tx\n",
    "\uFEFFproject: x\n",
    "- project\n",
    "? project\n: x\n",
    "project: x\n...\n",
    "project: x\n  # indented comment\n",
    "pro ject: x\n",
    "<<: x\n",
    "project: @x\n",
    "project: `x\n",
    "project: -x\n",
    "project: +1\n",
    "project: été\n",
  ];
  it.each(refused)("%j is left to the YAML parser", (text) => {
    expect(plainConfig(text)).toBeUndefined();
  });
});

describe("gitTopLevelFromFiles says what `git rev-parse --show-toplevel` says, or that only git can tell", () => {
  const gitTop = (cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined => {
    try {
      return execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).replace(/\n$/, "");
    } catch {
      return undefined;
    }
  };
  const env = inheritedEnv();

  it("in a repository, a folder below it, and outside any repository", async () => {
    const dir = await gitRepo({ "prompts/a/b.txt": "x\n" });
    const outside = await tempDir();
    for (const cwd of [dir, join(dir, "prompts"), join(dir, "prompts", "a"), outside]) {
      const known = gitTopLevelFromFiles(cwd, env);
      expect(known, cwd).toBeDefined();
      expect(known!.top, cwd).toBe(gitTop(cwd, env));
    }
  });

  it("leaves to git: inside .git, a linked worktree, a bare repository, core.worktree, includes, GIT_DIR, no git on PATH", async () => {
    const dir = await gitRepo({ "a.txt": "x\n" });
    const worktree = join(await tempDir(), "wt");
    git(dir, "worktree", "add", "-q", worktree);
    const bare = join(await tempDir(), "bare.git");
    execFileSync("git", ["init", "-q", "--bare", bare]);
    const unknown = [
      gitTopLevelFromFiles(join(dir, ".git"), env),
      gitTopLevelFromFiles(join(dir, ".git", "refs"), env),
      gitTopLevelFromFiles(worktree, env),
      gitTopLevelFromFiles(bare, env),
      gitTopLevelFromFiles(dir, { ...env, GIT_DIR: join(dir, ".git") }),
      gitTopLevelFromFiles(dir, { ...env, GIT_CEILING_DIRECTORIES: dir }),
      gitTopLevelFromFiles(dir, { ...env, GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "core.worktree", GIT_CONFIG_VALUE_0: "/" }),
      gitTopLevelFromFiles(dir, { ...env, PATH: await tempDir() }),
    ];
    expect(unknown).toEqual(unknown.map(() => undefined));
    // Variables that do not move the repository leave the answer to the files.
    expect(gitTopLevelFromFiles(dir, { ...env, GIT_SSL_CAINFO: "/etc/ssl/certs/ca.crt", GIT_TERMINAL_PROMPT: "0" })).toEqual({ top: dir });
    for (const setting of [["core.worktree", "/"], ["core.bare", "true"], ["include.path", "other.config"]]) {
      const repo = await gitRepo({ "a.txt": "x\n" });
      git(repo, "config", ...setting);
      expect(gitTopLevelFromFiles(repo, env), setting.join("=")).toBeUndefined();
    }
  });
});
