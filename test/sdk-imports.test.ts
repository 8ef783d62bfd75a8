import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { cliJson } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TRACE = fileURLToPath(new URL("fixtures/trace-imports.mjs", import.meta.url));
const FORBIDDEN = ["@aws-sdk", "commander", "ajv", "astro", "openai", "@anthropic-ai"];

interface Phases {
  afterImport: string[];
  afterGetPrompt?: string[];
  afterFlush?: string[];
  rendered?: string;
}

function trace(entry: string, scenario?: object): Phases {
  const out = execFileSync(process.execPath, [TRACE, entry, ...(scenario ? [JSON.stringify(scenario)] : [])], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out) as Phases;
}

function packagesIn(urls: readonly string[]): Set<string> {
  return new Set(urls.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p): p is string => p !== undefined));
}

describe("importing the SDK (the built package entry, `import … from \"promptsync\"`)", () => {
  beforeAll(() => {
    if (!existsSync(`${ROOT}/dist/sdk/index.js`)) throw new Error("dist/ is missing: run `npm run build` (npm test does)");
  });

  it("the built bin runs", () => {
    const version = execFileSync(process.execPath, [`${ROOT}/dist/cli/main.mjs`, "--version"], { encoding: "utf8" });
    expect(version.trim()).toBe((JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { version: string }).version);
  });

  it("loads none of @aws-sdk, commander, ajv, astro or the provider SDKs (openai, @anthropic-ai), and not the compiler", () => {
    const { afterImport } = trace("promptsync");
    expect(afterImport.some((u) => u.endsWith("/dist/sdk/index.js"))).toBe(true);
    const packages = packagesIn(afterImport);
    for (const name of FORBIDDEN) expect([...packages].filter((p) => p.startsWith(name)), name).toEqual([]);
    expect(afterImport.filter((u) => u.includes("/compiler/"))).toEqual([]);
  });

  it("reading from a registry loads no ajv either (validators are generated at build time)", async () => {
    const dir = await gitRepo({ "prompts/greeting.txt": "Hi {{ name }}\n", "promptsync.config.yaml": "project: trace\n" });
    await cliJson(dir, ["push"]);
    const { afterGetPrompt } = trace("promptsync", { registry: `${dir}/.promptsync/registry`, cwd: dir });
    const packages = packagesIn(afterGetPrompt!);
    for (const name of FORBIDDEN) expect([...packages].filter((p) => p.startsWith(name)), name).toEqual([]);
    expect(afterGetPrompt!.filter((u) => u.includes("/compiler/"))).toEqual([]);
  });

  it("telemetry into the registry's folder loads no AWS SDK: the S3 client loads only for an s3:// telemetry registry", async () => {
    const dir = await gitRepo({ "prompts/greeting.txt": "Hi {{ name }}\n", "promptsync.config.yaml": "project: trace\n" });
    await cliJson(dir, ["push"]);
    const registry = `${dir}/.promptsync/registry`;
    const { afterFlush } = trace("promptsync", { registry, cwd: dir, telemetry: { flushInterval: 0 } });
    expect(afterFlush!.some((u) => u.endsWith("/dist/sdk/telemetry/sinks.js"))).toBe(true);
    for (const name of FORBIDDEN) expect([...packagesIn(afterFlush!)].filter((p) => p.startsWith(name)), name).toEqual([]);
    expect(readdirSync(`${registry}/telemetry/trace/clients`)).toHaveLength(1);
  });

  it("@opentelemetry/api, an optional peer, loads when a manager is created, not on import; absent, nothing of it loads and prompts render", async () => {
    const dir = await gitRepo({ "prompts/greeting.txt": "Hi {{ name }}\n", "promptsync.config.yaml": "project: trace\n" });
    await cliJson(dir, ["push"]);
    const registry = `${dir}/.promptsync/registry`;
    const installed = trace("promptsync", { registry, cwd: dir });
    expect([...packagesIn(installed.afterImport)].filter((p) => p.startsWith("@opentelemetry"))).toEqual([]);
    expect([...packagesIn(installed.afterGetPrompt!)].filter((p) => p.startsWith("@opentelemetry"))).toEqual(["@opentelemetry/api"]);
    const absent = trace("promptsync", { registry, cwd: dir, withoutOpenTelemetry: true });
    expect(absent.rendered).toBe("Hi Ann");
    expect(absent.afterGetPrompt!.filter((u) => u.includes("@opentelemetry"))).toEqual([]);
  });

  it("compiling local files loads the compiler, dynamically, and still no ajv", async () => {
    const dir = await gitRepo({ "prompts/greeting.txt": "Hi {{ name }}\n" });
    const { afterImport, afterGetPrompt } = trace("promptsync", { cwd: dir });
    expect(afterImport.filter((u) => u.includes("/compiler/"))).toEqual([]);
    expect(afterGetPrompt!.some((u) => u.endsWith("/dist/src/compiler/compile-prompts.js"))).toBe(true);
    expect([...packagesIn(afterGetPrompt!)].filter((p) => p === "ajv")).toEqual([]);
  });
});
