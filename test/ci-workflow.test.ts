import { execFile, execFileSync } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PromptManager } from "../sdk/index.ts";
import type { AliasPointer } from "../src/formats/types.ts";
import { RegistryClient } from "../src/registry/read.ts";
import { generateSigningKeys, type SigningKeyPair } from "../src/signing/keys.ts";
import { S3Store } from "../src/storage/s3.ts";
import { CLI, inheritedEnv, runCli } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { commitAll, git, gitRepo } from "./helpers/git.ts";
import { requireComponent } from "./helpers/requirements.ts";
import { awsEnv, ensureBucket, freshRegistry, publicUrl, requireS3, type TestS3 } from "./helpers/s3.ts";

/*
 * The workflow in docs/ci.md, run as GitHub would run it: each job's `if` and `${{ }}` expressions evaluated for
 * the event, each `run` step executed verbatim by `bash --noprofile --norc -eo pipefail` (the workflow's
 * `shell: bash`) in a real shallow git checkout, against the Ceph RGW S3 server, with a stand-in `gh` that records
 * what it was asked to post. Only the `uses:` steps are stood in for: checkout (a `git fetch --depth 1` of the
 * event's commit, as actions/checkout does), setup-node (this Node), npm ci (the promptsync bin: this checkout's
 * CLI) and configure-aws-credentials (the test server's keys).
 */

const DOC = new URL("../docs/ci.md", import.meta.url);
const REPOSITORY = "acme/app";
const TOKEN = "ghs_test-token";
const PROJECT = "ci-demo";
/** The registries the documented workflow names, and what the test gives each job instead. */
const DOCUMENTED = { production: "s3://acme-prompts/registry", previews: "s3://acme-prompts/previews" } as const;

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  run?: string;
}

interface Job {
  if?: string;
  environment?: string;
  concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  defaults?: { run?: { shell?: string } };
  jobs: Record<string, Job>;
}

async function documentation(): Promise<string> {
  return readFile(DOC, "utf8");
}

/** The workflow of docs/ci.md: the yaml block that starts `name: prompts`, as a user would copy it. */
function documentedWorkflow(doc: string): Workflow {
  const yaml = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((block) => block.startsWith("name: prompts\n"));
  if (!yaml) throw new Error("docs/ci.md has no workflow starting `name: prompts`");
  return parse(yaml) as Workflow;
}

/** The shell lines of "Other CI systems". */
function otherCiScript(doc: string): string {
  const section = doc.slice(doc.indexOf("## Other CI systems"));
  const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!script) throw new Error("docs/ci.md's Other CI systems section has no sh block");
  return script;
}

// ---------------------------------------------------------------------------------------------------------------
// GitHub's expression language, the part the workflow uses: context paths, string literals, == != && || ! and
// parentheses, with && and || short-circuiting as GitHub's do. A path the test's context lacks is an error, so the
// documentation cannot start using something the test does not stand in for; a missing secret is empty, as on GitHub.

type Context = Record<string, unknown>;
type Node = (context: Context) => unknown;

const TOKENS = /'(?:[^']|'')*'|==|!=|&&|\|\||[!()]|[A-Za-z_][\w.-]*|\d+|\S/g;

function compileExpression(source: string): Node {
  const tokens = source.match(TOKENS) ?? [];
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} in the expression "${source}"`);
  };
  const or = (): Node => {
    let left = and();
    while (tokens[at] === "||") {
      at++;
      const [l, r] = [left, and()];
      left = (c) => l(c) || r(c);
    }
    return left;
  };
  const and = (): Node => {
    let left = unary();
    while (tokens[at] === "&&") {
      at++;
      const [l, r] = [left, unary()];
      left = (c) => l(c) && r(c);
    }
    return left;
  };
  const unary = (): Node => {
    if (tokens[at] !== "!") return comparison();
    at++;
    const operand = unary();
    return (c) => !operand(c);
  };
  const comparison = (): Node => {
    const left = primary();
    const op = tokens[at];
    if (op !== "==" && op !== "!=") return left;
    at++;
    const right = primary();
    return (c) => looselyEqual(left(c), right(c)) === (op === "==");
  };
  const primary = (): Node => {
    const token = tokens[at++] ?? fail("unexpected end");
    if (token === "(") {
      const inner = or();
      if (tokens[at++] !== ")") fail("missing )");
      return inner;
    }
    if (token.startsWith("'")) {
      const text = token.slice(1, -1).replaceAll("''", "'");
      return () => text;
    }
    if (/^\d+$/.test(token)) return () => Number(token);
    if (/^[A-Za-z_]/.test(token)) {
      if (tokens[at] === "(") fail(`the function ${token}() is not stood in for`);
      return (c) => lookup(c, token);
    }
    return fail(`unexpected "${token}"`);
  };
  const node = or();
  if (at !== tokens.length) fail(`unexpected "${tokens[at]}"`);
  return node;
}

/** GitHub compares strings case-insensitively and numbers with strings as numbers. */
function looselyEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (typeof a === "number" || typeof b === "number") return Number(a) === Number(b);
  return a === b;
}

function lookup(context: Context, path: string): unknown {
  let value: unknown = context;
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null || !(key in value)) {
      if (path.startsWith("secrets.")) return "";
      throw new Error(`${path} is not in the test's GitHub context`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function evaluate(expression: string, context: Context): unknown {
  const bare = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expression)?.[1] ?? expression;
  return compileExpression(bare)(context);
}

function interpolate(text: string, context: Context): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => String(compileExpression(expression)(context) ?? ""));
}

// ---------------------------------------------------------------------------------------------------------------
// The repository on GitHub: a git repository the jobs fetch from, with pull requests' merge refs.

interface Keys {
  production: SigningKeyPair;
  preview: SigningKeyPair;
}

class Origin {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  static async create(keys: Keys, prompts: Record<string, string>): Promise<Origin> {
    const dir = await gitRepo(
      {
        "package.json": '{ "name": "app", "private": true, "devDependencies": { "promptsync": "*" } }\n',
        ".gitignore": "node_modules/\n",
        "promptsync.config.yaml": `project: ${PROJECT}\nsigning:\n  trustedKeys: [keys/promptsync.pub]\n`,
        "keys/promptsync.pub": keys.production.publicKeyPem,
        ...prompts,
      },
      "First prompts",
      "origin",
    );
    return new Origin(dir);
  }

  head(ref = "main"): string {
    return git(this.dir, "rev-parse", ref);
  }

  /** A commit on main. */
  async commit(files: Record<string, string>, message: string): Promise<string> {
    await writeFiles(this.dir, files);
    commitAll(this.dir, message);
    return this.head();
  }

  /** Pull request `number`: a commit on its branch (made from main the first time), and its merge into main. */
  async pullRequest(number: number, files: Record<string, string>): Promise<PullRequest> {
    const branch = `feature-${number}`;
    const exists = git(this.dir, "branch", "--list", branch) !== "";
    git(this.dir, "checkout", "-q", ...(exists ? [branch] : ["-b", branch]));
    try {
      await writeFiles(this.dir, files);
      commitAll(this.dir, `Change prompts (#${number})`);
    } finally {
      git(this.dir, "checkout", "-q", "main");
    }
    const tree = git(this.dir, "merge-tree", "--write-tree", "main", branch).split("\n")[0]!;
    const merge = git(this.dir, "commit-tree", tree, "-p", "main", "-p", branch, "-m", `Merge ${branch} into main`);
    git(this.dir, "update-ref", `refs/pull/${number}/merge`, merge);
    return { number, head: this.head(branch), merge, base: this.head() };
  }
}

interface PullRequest {
  number: number;
  head: string;
  merge: string;
  base: string;
}

interface GithubEvent {
  name: "push" | "pull_request" | "workflow_dispatch";
  /** What actions/checkout fetches without `ref`: the branch's commit, or the pull request's merge commit. */
  ref: string;
  sha: string;
  payload: Record<string, unknown>;
  inputs?: Record<string, string>;
}

function pushToMain(sha: string): GithubEvent {
  return { name: "push", ref: "refs/heads/main", sha, payload: { ref: "refs/heads/main", after: sha } };
}

/** A push to another branch: what a branch job pushing to the same registry does (never part of the workflow). */
function pushToBranch(branch: string, sha: string): GithubEvent {
  return { name: "push", ref: `refs/heads/${branch}`, sha, payload: { ref: `refs/heads/${branch}`, after: sha } };
}

function dispatchOnMain(sha: string, version: string): GithubEvent {
  return { name: "workflow_dispatch", ref: "refs/heads/main", sha, payload: { inputs: { version } }, inputs: { version } };
}

function pullRequestEvent(pr: PullRequest, action: "opened" | "synchronize" | "closed", from = REPOSITORY): GithubEvent {
  return {
    name: "pull_request",
    ref: `refs/pull/${pr.number}/merge`,
    sha: pr.merge,
    payload: {
      action,
      number: pr.number,
      pull_request: { number: pr.number, head: { sha: pr.head, repo: { full_name: from } }, base: { sha: pr.base, ref: "main", repo: { full_name: REPOSITORY } } },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The runner.

interface Harness {
  workflow: Workflow;
  origin: Origin;
  s3: TestS3;
  keys: Keys;
  registries: { production: string; previews: string };
  /** Where the stand-in gh records each call. */
  ghLog: string;
  bin: string;
}

interface StepFailure {
  step: string;
  code: number;
  stdout: string;
  stderr: string;
}

interface JobRun {
  job: string;
  ran: boolean;
  ok: boolean;
  /** The checkout the job ran in. */
  dir: string;
  outputs: Record<string, Record<string, string>>;
  failure?: StepFailure;
  /** Names of the run steps executed, in order. */
  executed: string[];
}

async function harness(s3: TestS3, prompts: Record<string, string>): Promise<Harness> {
  await ensureBucket(s3);
  Object.assign(process.env, awsEnv(s3));
  const keys = { production: generateSigningKeys(), preview: generateSigningKeys() };
  const origin = await Origin.create(keys, prompts);
  const tools = await tempDir("promptsync-runner-");
  const bin = join(tools, "bin");
  const ghLog = join(tools, "gh-log");
  await mkdir(ghLog, { recursive: true });
  await writeFiles(tools, {
    "fake-gh.mjs": [
      'import { readFileSync, writeFileSync } from "node:fs";',
      'import { randomUUID } from "node:crypto";',
      "const args = process.argv.slice(2);",
      'const file = args.indexOf("--body-file");',
      'const body = file >= 0 ? readFileSync(args[file + 1], "utf8") : null;',
      "const record = { args, body, token: process.env.GH_TOKEN ?? null, repo: process.env.GH_REPO ?? null };",
      'writeFileSync(`${process.env.FAKE_GH_LOG}/${String(Date.now()).padStart(15, "0")}-${randomUUID()}.json`, JSON.stringify(record));',
      "",
    ].join("\n"),
    "bin/gh": `#!/bin/sh\nexec "${process.execPath}" "${join(tools, "fake-gh.mjs")}" "$@"\n`,
  });
  await chmod(join(bin, "gh"), 0o755);
  const workflow = documentedWorkflow(await documentation());
  return { workflow, origin, s3, keys, bin, ghLog, registries: { production: freshRegistry(s3), previews: freshRegistry(s3) } };
}

function githubContext(h: Harness, event: GithubEvent, job: Job, steps: Record<string, { outputs: Record<string, string> }>): Context {
  // Repository secrets reach every job of a same-repository run; the production environment's only its jobs.
  const secrets: Record<string, string> = { PROMPTSYNC_PREVIEW_SIGNING_KEY: h.keys.preview.privateKeyPem };
  if (job.environment === "production") secrets.PROMPTSYNC_SIGNING_KEY = h.keys.production.privateKeyPem;
  return {
    github: { event_name: event.name, event: event.payload, ref: event.ref, sha: event.sha, repository: REPOSITORY, token: TOKEN, actor: "ada" },
    secrets,
    steps,
    inputs: event.inputs ?? {},
  };
}

/** The test's registries in place of the documented ones; any other s3:// URL is a mistake. */
function registryFor(h: Harness, value: string): string {
  if (value === DOCUMENTED.production) return h.registries.production;
  if (value === DOCUMENTED.previews) return h.registries.previews;
  if (value.startsWith("s3://")) throw new Error(`The workflow names a registry the test does not know: ${value}`);
  return value;
}

function environment(h: Harness, values: Record<string, string> | undefined, context: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, registryFor(h, interpolate(String(value), context))]));
}

async function checkout(h: Harness, event: GithubEvent, ref: string | undefined): Promise<string> {
  const dir = join(await tempDir("promptsync-job-"), "work");
  await mkdir(dir);
  const inDir = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  inDir("init", "-q", "-b", "main");
  inDir("fetch", "-q", "--depth", "1", `file://${h.origin.dir}`, ref ?? event.sha);
  // actions/checkout: a push or dispatch is on its branch, a pull request detached at the merge commit.
  if (ref === undefined && event.ref.startsWith("refs/heads/")) inDir("checkout", "-q", "-B", event.ref.slice("refs/heads/".length), "FETCH_HEAD");
  else inDir("checkout", "-q", "--detach", "FETCH_HEAD");
  return dir;
}

function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Runs job `name` of the documented workflow for `event`. `only` limits the `run` steps to those ids (the rest of
 * the job's setup still runs); `after` runs a function once the step with that id has finished: the interleaving
 * of other jobs between two steps.
 */
async function runJob(
  h: Harness,
  name: string,
  event: GithubEvent,
  options: { only?: string[]; after?: Record<string, () => Promise<unknown>> } = {},
): Promise<JobRun> {
  const job = h.workflow.jobs[name];
  if (!job) throw new Error(`docs/ci.md has no job ${name}`);
  const steps: Record<string, { outputs: Record<string, string> }> = {};
  const run: JobRun = { job: name, ran: false, ok: false, dir: "", outputs: {}, executed: [] };
  if (job.if !== undefined && !evaluate(job.if, githubContext(h, event, job, steps))) return run;
  run.ran = true;
  expect(h.workflow.defaults?.run?.shell).toBe("bash");
  let aws: NodeJS.ProcessEnv = {};
  for (const [index, step] of job.steps.entries()) {
    const context = githubContext(h, event, job, steps);
    if (step.if !== undefined && !evaluate(step.if, context)) continue;
    const label = step.name ?? step.id ?? step.uses ?? step.run ?? `step ${index}`;
    if (step.uses?.startsWith("actions/checkout@")) {
      run.dir = await checkout(h, event, step.with?.ref === undefined ? undefined : interpolate(step.with.ref, context));
    } else if (step.uses?.startsWith("actions/setup-node@")) {
      expect(Number(step.with?.["node-version"])).toBeGreaterThanOrEqual(22);
    } else if (step.uses?.startsWith("aws-actions/configure-aws-credentials@")) {
      expect(step.with?.["role-to-assume"]).toMatch(/^arn:aws:iam::\d+:role\//);
      aws = awsEnv(h.s3);
    } else if (step.uses !== undefined) {
      throw new Error(`The test does not stand in for ${step.uses}`);
    } else if (step.run?.trim() === "npm ci") {
      // What npm ci installs from package.json's devDependencies: the promptsync bin, here this checkout's CLI.
      await writeFiles(run.dir, { "node_modules/.bin/promptsync": `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n` });
      await chmod(join(run.dir, "node_modules/.bin/promptsync"), 0o755);
    } else if (step.run !== undefined) {
      if (options.only && !options.only.includes(step.id ?? "")) continue;
      const output = join(run.dir, "..", `output-${index}`);
      await writeFile(output, "");
      const env = {
        ...inheritedEnv(),
        CI: "true",
        GITHUB_ACTIONS: "true",
        GITHUB_EVENT_NAME: event.name,
        GITHUB_REF: event.ref,
        GITHUB_SHA: event.sha,
        GITHUB_REPOSITORY: REPOSITORY,
        GITHUB_ACTOR: "ada",
        GITHUB_OUTPUT: output,
        PATH: `${h.bin}:${process.env.PATH}`,
        FAKE_GH_LOG: h.ghLog,
        NO_COLOR: "1",
        npm_config_update_notifier: "false",
        ...aws,
        ...environment(h, h.workflow.env, context),
        ...environment(h, job.env, context),
        ...environment(h, step.env, context),
      };
      run.executed.push(label);
      const result = await runBash(step.run, run.dir, env);
      if (result.code !== 0) {
        run.failure = { step: label, ...result };
        return run;
      }
      const outputs = Object.fromEntries(
        (await readFile(output, "utf8"))
          .split("\n")
          .filter(Boolean)
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
      if (step.id) steps[step.id] = { outputs };
    }
    if (step.id) run.outputs[step.id] = steps[step.id]?.outputs ?? {};
    if (step.id && options.after?.[step.id]) await options.after[step.id]!();
  }
  run.ok = true;
  return run;
}

/** Every job of the workflow for one event, as GitHub starts them (at once). */
async function runEvent(h: Harness, event: GithubEvent): Promise<Record<string, JobRun>> {
  const runs = await Promise.all(Object.keys(h.workflow.jobs).map((name) => runJob(h, name, event)));
  return Object.fromEntries(runs.filter((r) => r.ran).map((r) => [r.job, r]));
}

function expectSucceeded(run: JobRun): void {
  expect(run.ran, `${run.job} ran`).toBe(true);
  expect(run.failure, `${run.job}: ${run.failure?.step}\n${run.failure?.stdout}\n${run.failure?.stderr}`).toBeUndefined();
  expect(run.ok).toBe(true);
}

/** One job, which must run and succeed. */
async function succeed(h: Harness, name: string, event: GithubEvent, options?: Parameters<typeof runJob>[3]): Promise<JobRun> {
  const run = await runJob(h, name, event, options);
  expectSucceeded(run);
  return run;
}

// ---------------------------------------------------------------------------------------------------------------
// Looking at the result the way apps and operators do.

function client(registry: string): RegistryClient {
  return new RegistryClient(new S3Store({ url: registry }), PROJECT);
}

async function aliasPointer(registry: string, alias: string): Promise<AliasPointer | undefined> {
  return client(registry).alias(alias);
}

async function aliasVersion(registry: string, alias: string): Promise<string | undefined> {
  return (await aliasPointer(registry, alias))?.version;
}

/** What an app renders for greet through `alias`, trusting `key`: the registry read anonymously over HTTP. */
async function appRenders(h: Harness, registry: string, alias: string, key: SigningKeyPair): Promise<string> {
  const pm = new PromptManager({
    registry: publicUrl(h.s3, registry),
    project: PROJECT,
    trustedKeys: [key.publicKeyPem],
    refreshInterval: 0,
    cacheStrategy: { refreshStrategy: "none" },
  });
  try {
    return String((await pm.getPrompt("greet", { versionOrAlias: alias })).format({ name: "Ann", team: "Ops" }));
  } finally {
    await pm.close();
  }
}

interface GhCall {
  args: string[];
  body: string | null;
  token: string | null;
  repo: string | null;
}

async function ghCalls(h: Harness): Promise<GhCall[]> {
  const files = (await readdir(h.ghLog)).sort();
  return Promise.all(files.map(async (file) => JSON.parse(await readFile(join(h.ghLog, file), "utf8")) as GhCall));
}

/** The production alias's history is whole: one entry per revision, in order, ending at the pointer itself. */
function expectConsistentHistory(pointer: AliasPointer): void {
  const history = pointer.history ?? [];
  expect(history.map((entry) => entry.revision)).toEqual(Array.from({ length: pointer.revision }, (_, i) => i + 1));
  expect(history.at(-1)?.version).toBe(pointer.version);
}

async function expectVerified(h: Harness, dir: string): Promise<void> {
  await writeFiles(dir, { "production.pub": h.keys.production.publicKeyPem });
  const audit = await runCli(dir, ["verify", "--trusted-key", "production.pub", "--registry", h.registries.production, "--project", PROJECT], awsEnv(h.s3));
  expect(audit.code, audit.stdout + audit.stderr).toBe(0);
}

const GREET = "prompts/greet.txt";

// ---------------------------------------------------------------------------------------------------------------

describe("the CI workflow in docs/ci.md, as documented", () => {
  it("runs release on main, promote by hand, preview and close-preview for this repository's pull requests, check for forks'", async () => {
    const doc = await documentation();
    const workflow = documentedWorkflow(doc);
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push", "workflow_dispatch"]);
    expect((workflow.on.push as { branches: string[] }).branches).toEqual(["main"]);
    expect((workflow.on.pull_request as { types: string[] }).types).toContain("closed");

    const pr: PullRequest = { number: 7, head: "h", merge: "m", base: "b" };
    const runs = (event: GithubEvent) =>
      Object.entries(workflow.jobs)
        .filter(([, job]) => job.if === undefined || evaluate(job.if, { github: { event_name: event.name, event: event.payload, repository: REPOSITORY }, inputs: event.inputs ?? {} }))
        .map(([name]) => name);
    expect(runs(pushToMain("s"))).toEqual(["release"]);
    expect(runs(dispatchOnMain("s", "v1.0.0"))).toEqual(["promote"]);
    expect(runs(pullRequestEvent(pr, "opened"))).toEqual(["preview"]);
    expect(runs(pullRequestEvent(pr, "synchronize"))).toEqual(["preview"]);
    expect(runs(pullRequestEvent(pr, "closed"))).toEqual(["close-preview"]);
    expect(runs(pullRequestEvent(pr, "opened", "stranger/app"))).toEqual(["check"]);
    expect(runs(pullRequestEvent(pr, "closed", "stranger/app"))).toEqual([]);

    for (const [name, job] of Object.entries(workflow.jobs)) {
      const text = JSON.stringify(job);
      // Expressions reach scripts only through env (no injection through a branch name or an input).
      for (const step of job.steps) expect(step.run ?? "", `${name}: ${step.name}`).not.toContain("${{");
      // The production key and registry belong to the production environment's jobs; previews to the others.
      const production = job.environment === "production";
      expect(text.includes("secrets.PROMPTSYNC_SIGNING_KEY"), name).toBe(production);
      if (job.env?.PROMPTSYNC_REGISTRY) expect(job.env.PROMPTSYNC_REGISTRY, name).toBe(production ? DOCUMENTED.production : DOCUMENTED.previews);
      if (!production) expect(job.permissions?.["id-token"] === "write", name).toBe(name !== "check");
    }
    expect(workflow.jobs.check!.env).toBeUndefined();
    // Releases queue behind each other; a pull request's preview and its closing cancel each other.
    expect(workflow.jobs.release!.concurrency).toBe(workflow.jobs.promote!.concurrency);
    const group = (job: string) => interpolate((workflow.jobs[job]!.concurrency as { group: string }).group, { github: { event: { number: 7 } } });
    expect(group("preview")).toBe("prompts-pr-7");
    expect(group("close-preview")).toBe("prompts-pr-7");

    // "Other CI systems" is the release job's commands, not a recipe of its own.
    const commands = (script: string) => script.match(/npx promptsync [^|;)\n]*/g)!.map((c) => c.trim());
    const release = workflow.jobs.release!.steps.map((s) => s.run ?? "").join("\n");
    expect(commands(otherCiScript(doc)).length).toBeGreaterThanOrEqual(5);
    for (const command of commands(otherCiScript(doc))) expect(release).toContain(command);
  });
});

const s3 = requireS3();
const jq = requireComponent("jq", execFileSync("sh", ["-c", "command -v jq || true"], { encoding: "utf8" }).trim() !== "", "the workflow's scripts use jq (apt-get install jq)");

if (s3 && jq) {
  describe("the CI workflow in docs/ci.md, run against S3", () => {
    it("a release promotes the version it pushed although a preview and a branch push land between its push and its promotion", { timeout: 600_000 }, async () => {
      const h = await harness(s3, { [GREET]: "Hello {{ name }}\n" });
      const first = await succeed(h, "release", pushToMain(h.origin.head()));
      expect(first.outputs.push).toEqual({ version: "v0.1.0" });
      expect(await aliasVersion(h.registries.production, "production")).toBe("v0.1.0");

      const main = await h.origin.commit({ [GREET]: "Hello {{ name }}, welcome\n" }, "Welcome");
      const pr = await h.origin.pullRequest(7, { [GREET]: "Hi {{ name }}! (unreviewed)\n" });
      const between: string[] = [];
      const release = await succeed(h, "release", pushToMain(main), {
        after: {
          push: async () => {
            // The pull request's preview, as written…
            await succeed(h, "preview", pullRequestEvent(pr, "opened"));
            // …and a branch pushing the same way to the production registry (the old recipe's `push --alias dev`
            // on every branch, a workflow_dispatch on a branch, a developer's laptop).
            const branch = await succeed(h, "release", pushToBranch("feature-7", pr.head), { only: ["push"] });
            between.push(branch.outputs.push!.version!);
          },
        },
      });
      expect(release.executed).toHaveLength(3);

      // Main pushed v0.1.1; the branch pushed v0.1.2 after it, the latest version; production is main's.
      expect(release.outputs.push).toEqual({ version: "v0.1.1" });
      expect(between).toEqual(["v0.1.2"]);
      expect((await client(h.registries.production).resolve("latest")).version).toBe("v0.1.2");
      expect(await aliasVersion(h.registries.production, "production")).toBe("v0.1.1");
      expect(await appRenders(h, h.registries.production, "production", h.keys.production)).toBe("Hello Ann, welcome");
      // The preview went to its own registry, signed with the preview key.
      expect(await aliasVersion(h.registries.production, "pr-7")).toBeUndefined();
      expect(await appRenders(h, h.registries.previews, "pr-7", h.keys.preview)).toBe("Hi Ann! (unreviewed)");
    });

    it("two releases at once both promote their own validated version, with a preview and a branch push alongside; the history stays whole", { timeout: 600_000 }, async () => {
      const h = await harness(s3, { [GREET]: "Hello {{ name }}\n" });
      await succeed(h, "release", pushToMain(h.origin.head()));
      const older = await h.origin.commit({ [GREET]: "Hello {{ name }}, welcome\n" }, "Welcome");
      const newer = await h.origin.commit({ [GREET]: "Hello {{ name }}, welcome back\n" }, "Welcome back");
      const pr = await h.origin.pullRequest(9, { [GREET]: "Yo {{ name }}\n" });

      const [a, b, preview, branch] = await Promise.all([
        runJob(h, "release", pushToMain(older)),
        runJob(h, "release", pushToMain(newer)),
        runJob(h, "preview", pullRequestEvent(pr, "opened")),
        runJob(h, "release", pushToBranch("feature-9", pr.head), { only: ["push"] }),
      ]);
      expectSucceeded(preview);
      expectSucceeded(branch);
      const releases = [a, b];
      for (const run of releases) {
        if (run.failure) {
          // Failing cleanly: a PromptSync error that says what happened, not a crash, and before the promotion.
          expect(run.failure.stderr).toMatch(/error: /);
          expect(run.failure.stderr).not.toMatch(/\n\s+at /);
          expect(run.failure.step).not.toBe("Promote exactly that version");
        }
      }
      const promoted = releases.filter((r) => r.ok).map((r) => r.outputs.push!.version!);
      expect(promoted.length).toBeGreaterThanOrEqual(1);
      const versions = releases.map((r) => r.outputs.push?.version).filter(Boolean);
      expect(new Set(versions).size).toBe(versions.length);

      const pointer = (await aliasPointer(h.registries.production, "production"))!;
      expect(promoted).toContain(pointer.version);
      expect(pointer.version).not.toBe(branch.outputs.push!.version);
      expectConsistentHistory(pointer);
      expect(pointer.history!.slice(1).map((entry) => entry.version).sort()).toEqual([...promoted].sort());
      expect((await client(h.registries.production).index())?.aliases.production).toMatchObject({ version: pointer.version, revision: pointer.revision });
      await expectVerified(h, a.dir);
    });

    it("a version that would break the code production serves is published but not promoted; promote puts it in production by hand, and refuses a rollback that no longer fits main", { timeout: 600_000 }, async () => {
      const h = await harness(s3, { [GREET]: "Hello {{ name }}\n" });
      await succeed(h, "release", pushToMain(h.origin.head()));

      // greet now requires team, which the code that production serves (written against v0.1.0) does not pass.
      const breaking = await h.origin.commit({ [GREET]: "Hello {{ name }} from {{ team }}\n" }, "Sign with the team");
      const stopped = await runJob(h, "release", pushToMain(breaking));
      expect(stopped.ok).toBe(false);
      expect(stopped.outputs.push).toEqual({ version: "v0.1.1" });
      expect(stopped.failure?.step).toBe("Check that version against this commit and against the code production serves");
      expect(stopped.failure?.stdout).toMatch(/greet\s+error\b[^\n]*\bteam\b/);
      expect(stopped.executed).toHaveLength(2);
      expect(await aliasVersion(h.registries.production, "production")).toBe("v0.1.0");
      expect(await appRenders(h, h.registries.production, "production", h.keys.production)).toBe("Hello Ann");

      // Once the code that passes team is deployed, someone runs the workflow by hand on main with that version.
      await succeed(h, "promote", dispatchOnMain(breaking, "v0.1.1"));
      expect(await aliasVersion(h.registries.production, "production")).toBe("v0.1.1");
      expect(await appRenders(h, h.registries.production, "production", h.keys.production)).toBe("Hello Ann from Ops");

      // A commit adding a prompt the code reads, then a rollback to a version without it: refused.
      const added = await h.origin.commit({ "prompts/bye.txt": "Bye {{ name }}\n" }, "Say goodbye");
      const release = await succeed(h, "release", pushToMain(added));
      expect(release.outputs.push).toEqual({ version: "v0.1.2" });
      const rollback = await runJob(h, "promote", dispatchOnMain(added, "v0.1.1"));
      expect(rollback.ok).toBe(false);
      expect(rollback.failure?.stdout).toMatch(/bye\s+error\b/);
      expect(await aliasVersion(h.registries.production, "production")).toBe("v0.1.2");
      const pointer = (await aliasPointer(h.registries.production, "production"))!;
      expectConsistentHistory(pointer);
      expect(pointer.history!.map((entry) => entry.version)).toEqual(["v0.1.0", "v0.1.1", "v0.1.2"]);
    });

    it("a pull request's preview: pr-<n> and a comment with the diff against production, moved on each push, deleted when closed; forks get the check only", { timeout: 600_000 }, async () => {
      const h = await harness(s3, { [GREET]: "Hello {{ name }}\n" });

      // Before the first release there is nothing in production to compare with.
      const early = await h.origin.pullRequest(5, { [GREET]: "Hey {{ name }}\n" });
      const first = await runEvent(h, pullRequestEvent(early, "opened"));
      expect(Object.keys(first)).toEqual(["preview"]);
      expectSucceeded(first.preview!);
      expect((await ghCalls(h)).at(-1)?.body).toBe(`Preview \`pr-5\` → v0.1.0 in ${h.registries.previews}\n\nNothing is in production yet.\n`);

      await succeed(h, "release", pushToMain(h.origin.head()));
      const pr = await h.origin.pullRequest(7, { [GREET]: "Hi {{ name }}!\n", "prompts/bye.txt": "Bye {{ name }}\n" });
      const opened = await runEvent(h, pullRequestEvent(pr, "opened"));
      expect(Object.keys(opened)).toEqual(["preview"]);
      const preview = opened.preview!;
      expectSucceeded(preview);
      const version = preview.outputs.push!.version!;
      expect(version).toBe("v0.1.1");
      expect(await aliasVersion(h.registries.previews, "pr-7")).toBe(version);
      expect(await aliasVersion(h.registries.production, "pr-7")).toBeUndefined();
      expect(await aliasVersion(h.registries.production, "production")).toBe("v0.1.0");

      // The comment: where the preview is, then exactly what `diff --format markdown` says against production.
      const calls = await ghCalls(h);
      expect(calls).toHaveLength(2);
      const comment = calls[1]!;
      expect(comment.args).toEqual(["pr", "comment", "7", "--edit-last", "--create-if-none", "--body-file", "comment.md"]);
      expect({ token: comment.token, repo: comment.repo }).toEqual({ token: TOKEN, repo: REPOSITORY });
      const diff = await runCli(preview.dir, ["diff", "--path", "prompts", "--registry", h.registries.production, "--alias", "production", "--format", "markdown"], awsEnv(s3));
      expect(diff.code, diff.stderr).toBe(0);
      expect(comment.body).toBe(`Preview \`pr-7\` → ${version} in ${h.registries.previews}\n\n${diff.stdout}`);
      expect(comment.body).toContain("-Hello {{ name }}");
      expect(comment.body).toContain("+Hi {{ name }}!");
      expect(comment.body).toMatch(/`bye`/);

      // Preview deployments trust the preview key; production apps trust nothing there.
      expect(await appRenders(h, h.registries.previews, "pr-7", h.keys.preview)).toBe("Hi Ann!");
      await expect(appRenders(h, h.registries.previews, "pr-7", h.keys.production)).rejects.toMatchObject({ code: "PROMPT_UNAVAILABLE", cause: { code: "SIGNATURE_INVALID" } });
      expect(await appRenders(h, h.registries.production, "production", h.keys.production)).toBe("Hello Ann");

      // A new commit on the pull request: the alias moves, the comment is rewritten; one too long for GitHub is cut.
      const pushed = await h.origin.pullRequest(7, { [GREET]: `Hi {{ name }}!\n${"A long line of the template.\n".repeat(3000)}` });
      const synchronized = await succeed(h, "preview", pullRequestEvent(pushed, "synchronize"));
      expect(await aliasVersion(h.registries.previews, "pr-7")).toBe(synchronized.outputs.push!.version);
      expect(synchronized.outputs.push!.version).not.toBe(version);
      const edited = (await ghCalls(h)).at(-1)!;
      expect(edited.args).toEqual(comment.args);
      const full = await runCli(synchronized.dir, ["diff", "--path", "prompts", "--registry", h.registries.production, "--alias", "production", "--format", "markdown"], awsEnv(s3));
      expect(full.stdout.length).toBeGreaterThan(65_536);
      const header = `Preview \`pr-7\` → ${synchronized.outputs.push!.version} in ${h.registries.previews}\n\n`;
      const firstLines = `${header}${full.stdout}`.split("\n").slice(0, 5).join("\n");
      expect(edited.body).toBe(`${firstLines}\n\nThe diff is too long for a comment: \`npx promptsync diff --alias production\` prints it.\n`);

      // A fork's pull request: no credentials, nothing published, no comment; its prompts are compiled and linted.
      const fork = await h.origin.pullRequest(8, { [GREET]: "Hola {{ name }}\n" });
      const forked = await runEvent(h, pullRequestEvent(fork, "opened", "stranger/app"));
      expect(Object.keys(forked)).toEqual(["check"]);
      expectSucceeded(forked.check!);
      expect(await aliasVersion(h.registries.previews, "pr-8")).toBeUndefined();
      expect(await ghCalls(h)).toHaveLength(3);
      expect(await runEvent(h, pullRequestEvent(fork, "closed", "stranger/app"))).toEqual({});

      // Closing deletes pr-7 with a tombstone signed by the preview key; closing again, or a pull request that
      // never published a preview, passes.
      const closed = await runEvent(h, pullRequestEvent(pushed, "closed"));
      expect(Object.keys(closed)).toEqual(["close-preview"]);
      expectSucceeded(closed["close-preview"]!);
      expect(await aliasVersion(h.registries.previews, "pr-7")).toBeUndefined();
      const tombstone = await new S3Store({ url: h.registries.previews }).get(`prompts/${PROJECT}/aliases/pr-7.json`);
      expect(JSON.parse(new TextDecoder().decode(tombstone!.body))).toMatchObject({ deleted: true, signatures: [{ keyid: h.keys.preview.keyId }] });
      await succeed(h, "close-preview", pullRequestEvent(pushed, "closed"));
      const never = await h.origin.pullRequest(10, { "README.md": "docs only\n" });
      await succeed(h, "close-preview", pullRequestEvent(never, "closed"));
      expect(await aliasVersion(h.registries.previews, "pr-5")).toBe("v0.1.0");
      expect(await aliasVersion(h.registries.production, "production")).toBe("v0.1.0");
    });
  });
}
