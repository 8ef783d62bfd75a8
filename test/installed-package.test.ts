// The installed package (issue 16): the built repository packed with `npm pack`, installed with Astro and
// @types/node into a fresh app folder with its own node_modules, and used from there as a user does: `npx
// promptsync` init, push, render and site build, the SDK imported by its package name, and the app's `tsc` over
// the SDK's types. node_modules is read-only while the package runs: write permission is removed from all of it,
// and, where the tests run as root (whom permissions do not stop), every command runs as the unprivileged user
// nobody. Either way, the last test checks that nothing under node_modules changed. One pack and one install
// (from npm's cache where it has the packages, else from the registry) serve every test.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The repository's pinned Node.js (the one running the tests): the installed package runs on it too. */
const NODE_BIN = dirname(process.execPath);
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const NOBODY = 65534;

const versionOf = (name: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Who runs the commands: the test's user, or nobody when that is root. */
let user: { uid?: number; gid?: number } = {};
let base: string;
let app: string;
let home: string;
let temp: string;
let packed: string[];
let installed: Map<string, string>;

/**
 * A user's environment: no npm_* variables of `npm test` (npm_config_local_prefix would install into the
 * repository), the pinned Node.js first on PATH, and the rest of PATH as it is, folders nobody may not read included,
 * as a user's PATH may hold them.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|PROMPTSYNC_|VITEST|INIT_CWD$|NODE_OPTIONS$)/.test(key)) env[key] = value;
  }
  const path = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir && !dir.startsWith(join(ROOT, "node_modules")));
  return { ...env, PATH: [NODE_BIN, ...path].join(delimiter), HOME: home, TMPDIR: temp, NO_COLOR: "1" };
}

function run(command: string, args: readonly string[], options: { cwd?: string; as?: "installer" } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd ?? app, env: userEnv(), maxBuffer: 64 * 1024 * 1024, ...(options.as === "installer" ? {} : user) },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(command: string, args: readonly string[], options?: { cwd?: string; as?: "installer" }): Promise<Result> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

const promptsync = (...args: string[]) => ok("npx", ["--no", "promptsync", ...args]);

/** Every file and folder under `dir` (not following links), with what a write would change. */
async function listing(dir: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for (const name of await readdir(dir, { recursive: true })) {
    const stat = await lstat(join(dir, name));
    entries.set(name, `${stat.mode.toString(8)} ${stat.size} ${stat.mtimeMs}`);
  }
  return entries;
}

/** Removes (or gives back) the owner's, group's and others' write permission, on everything under `dir`. */
async function writable(dir: string, write: boolean): Promise<void> {
  for (const name of ["", ...(await readdir(dir, { recursive: true }))]) {
    const path = join(dir, name);
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) continue;
    await chmod(path, write ? stat.mode | 0o200 : stat.mode & ~0o222);
  }
}

async function chownTree(path: string, id: number): Promise<void> {
  await chown(path, id, id);
  if ((await lstat(path)).isDirectory()) for (const name of await readdir(path, { recursive: true })) await chown(join(path, name), id, id);
}

describe("the installed package: npm pack, npm install into a fresh app, and use from there", () => {
  beforeAll(async () => {
    if (!existsSync(join(ROOT, "dist", "sdk", "index.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)");
    base = await mkdtemp(join(tmpdir(), "promptsync-installed-"));
    await chmod(base, 0o755);
    app = join(base, "app");
    home = join(base, "home");
    temp = join(base, "tmp");
    for (const dir of [app, home, temp]) await mkdir(dir);

    // The package as published: dist/ as `npm test` just built it (so no `prepare` build here).
    const pack = await ok("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", base], { cwd: ROOT, as: "installer" });
    const [tarball] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    packed = tarball!.files.map((f) => f.path);

    // A fresh app, installed as its owner would: npm's cache first (--prefer-offline), the registry for the rest.
    await writeFile(join(app, "package.json"), `${JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`);
    await ok(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", join(base, tarball!.filename), `astro@${versionOf("astro")}`, `@types/node@${versionOf("@types/node")}`],
      { as: "installer" },
    );

    await writable(join(app, "node_modules"), false);
    if (process.getuid?.() === 0) {
      // Root writes through any permission: the commands run as nobody, owning the app but not its node_modules.
      const probe = await new Promise<boolean>((resolve) => execFile(process.execPath, ["-e", ""], { uid: NOBODY, gid: NOBODY }, (error) => resolve(!error)));
      if (probe) {
        user = { uid: NOBODY, gid: NOBODY };
        for (const dir of [home, temp]) await chownTree(dir, NOBODY);
        await chown(app, NOBODY, NOBODY);
        for (const name of await readdir(app)) if (name !== "node_modules") await chownTree(join(app, name), NOBODY);
      } else {
        console.warn(`the installed package runs as root (nobody cannot run ${process.execPath}): only the unchanged node_modules shows it wrote nothing there`);
      }
    }
    installed = await listing(join(app, "node_modules"));
    await ok("git", ["init", "-q"]);
    // No background `git gc --auto` that outlives a command and writes into .git while the folder is removed.
    await ok("git", ["config", "gc.auto", "0"]);
  }, 300_000);

  afterAll(async () => {
    if (!base) return;
    if (existsSync(join(app, "node_modules"))) await writable(join(app, "node_modules"), true);
    await rm(base, { recursive: true, force: true, maxRetries: 5 });
  });

  it("the tarball holds dist/, schemas/ and site/src/ and no sources or tests", () => {
    expect(packed).toContain("dist/cli/main.mjs");
    expect(packed).toContain("dist/sdk/index.d.ts");
    expect(packed).toContain("dist/src/dashboard/run-astro.js");
    expect(packed.some((p) => p.startsWith("site/src/"))).toBe(true);
    expect(packed.filter((p) => !/^(dist|schemas|site\/src)\//.test(p) && !/^(package\.json|README\.md|LICENSE)$/.test(p))).toEqual([]);
    // The CLI's chunks are .mjs (scripts/bundle-cli.ts), everything else in dist/ .js with its types.
    expect(packed.filter((p) => p.startsWith("dist/") && !(p.startsWith("dist/cli/") ? /\.mjs$/ : /\.(js|d\.ts)$/).test(p))).toEqual([]);
  });

  it("npx promptsync init, push and render", async () => {
    const init = await promptsync("init");
    expect(init.stdout).toContain("created prompts/hello.md");
    await ok("git", ["add", "-A"]);
    await ok("git", ["-c", "user.name=App", "-c", "user.email=app@example.com", "commit", "-qm", "Prompts"]);

    const push = await promptsync("push", "--alias", "dev");
    expect(push.stdout).toContain("Published 1 prompt as v0.1.0");
    expect(push.stderr).toBe("");

    const render = await promptsync("render", "hello", "--alias", "dev", "--var", "company_name=Acme", "--var", "tone=calm");
    expect(render.stdout).toContain("You are a helpful assistant for Acme.");
    expect(render.stdout).toContain("Answer in a calm tone.");
  });

  it("npx promptsync site build, with node_modules read-only: the dashboard, and nothing left in the temporary folder or the home folder", async () => {
    const site = await promptsync("site", "build", "--out", "dash");
    expect(site.stdout).toContain("Built the dashboard of 1 prompts and 1 versions in dash");
    expect(existsSync(join(app, "dash", "index.html"))).toBe(true);
    expect(readFileSync(join(app, "dash", "index.html"), "utf8")).toContain("hello");
    // Astro's build folder is removed (its copy of site/src too, read-only in node_modules), and Astro's telemetry
    // wrote no settings under the home folder.
    expect(await readdir(temp)).not.toContainEqual(expect.stringMatching(/^promptsync-site-/));
    expect(existsSync(join(home, ".config", "astro"))).toBe(false);
  });

  it('the SDK, imported as "promptsync", reads the registry and formats', async () => {
    const script = [
      'import { PromptManager } from "promptsync";',
      'const pm = new PromptManager({ registry: ".promptsync/registry" });',
      'const prompt = await pm.getPrompt("hello", { versionOrAlias: "dev" });',
      'console.log(prompt.version, prompt.format({ company_name: "Acme" }));',
    ].join("\n");
    const sdk = await ok("node", ["--input-type=module", "-e", script]);
    expect(sdk.stdout).toMatch(/^v0\.1\.0 You are a helpful assistant for Acme\./);
  });

  it("an app's strict tsc with types: [] (TypeScript 7's default) passes over the SDK's types, and reads no @aws-sdk or @smithy declaration", async () => {
    const tsconfig = {
      compilerOptions: {
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        types: [],
        skipLibCheck: false,
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2023",
        lib: ["es2023"],
        noEmit: true,
      },
      files: ["app.ts"],
    };
    const source = [
      'import { PromptManager, PromptNotFoundError, type GetPromptOptions, type Prompt } from "promptsync";',
      "",
      'const options: GetPromptOptions = { versionOrAlias: "dev", tags: { locale: "en" } };',
      'const pm = new PromptManager({ registry: ".promptsync/registry", cacheDir: "./prompt_cache", refreshInterval: 300 });',
      'const prompt: Prompt = await pm.getPrompt("hello", options);',
      'const rendered = prompt.format({ company_name: "Acme" });',
      'export const text: string = typeof rendered === "string" ? rendered : rendered.map((m) => m.content).join("\\n");',
      "export const notFound = (error: unknown): boolean => error instanceof PromptNotFoundError;",
      "",
    ].join("\n");
    await writeFile(join(app, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    await writeFile(join(app, "app.ts"), source);
    const tsc = await run(process.execPath, [TSC, "-p", "tsconfig.json", "--listFiles"]);
    const files = tsc.stdout.split("\n").filter((line) => line.startsWith("/"));
    expect(tsc.stdout.split("\n").filter((line) => line.includes("error TS"))).toEqual([]);
    expect(tsc.code).toBe(0);
    expect(files.some((f) => f.endsWith("/node_modules/promptsync/dist/sdk/index.d.ts"))).toBe(true);
    expect(files.filter((f) => /\/node_modules\/@(aws-sdk|smithy)\//.test(f))).toEqual([]);
  });

  it("nothing under node_modules changed", async () => {
    expect(await listing(join(app, "node_modules"))).toEqual(installed);
  });
});
