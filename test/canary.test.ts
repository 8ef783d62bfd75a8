import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { canaryBucket, inCanary } from "../src/registry/canary-bucket.ts";
import { abortCanary, promoteCanary, setCanary } from "../src/registry/canary-rollout.ts";
import { RegistryClient } from "../src/registry/read.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";

interface Vectors {
  vectors: { salt: string; key: string; uint32: number; bucket: number; inCanaryAt: Record<string, boolean> }[];
}

const REGISTRY = ".promptsync/registry";
const SDK = fileURLToPath(new URL("../sdk/index.ts", import.meta.url));

/** A project with v0.1.0 ("one") on production and v0.1.1 ("two") published. */
async function twoVersions(): Promise<{ dir: string; store: FolderStore }> {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "one {{ name }}\n" });
  await cliJson(dir, ["push", "--alias", "production"]);
  await writeFiles(dir, { "prompts/greet.txt": "two {{ name }}\n" });
  await cliJson(dir, ["push"]);
  return { dir, store: new FolderStore(join(dir, REGISTRY)) };
}

describe("canary bucketing", () => {
  it("matches the test vectors computed independently with Python's hashlib", async () => {
    const { vectors } = JSON.parse(await readFile(new URL("fixtures/canary-vectors.json", import.meta.url), "utf8")) as Vectors;
    expect(vectors.length).toBeGreaterThan(20);
    for (const v of vectors) {
      expect(canaryBucket(v.salt, v.key), `${v.salt}:${v.key}`).toBe(v.bucket);
      for (const [p, expected] of Object.entries(v.inCanaryAt)) expect(inCanary(v.salt, v.key, Number(p))).toBe(expected);
    }
  });

  it("100,000 keys: 10% within one point; 0% none and 100% all", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
    const share = (p: number) => keys.filter((k) => inCanary("5eed5eed5eed5eed", k, p)).length / 1000;
    expect(Math.abs(share(10) - 10)).toBeLessThanOrEqual(1);
    expect(share(0)).toBe(0);
    expect(share(100)).toBe(100);
  });
});

describe("canary on an alias", () => {
  it("widening 10% → 20% → 50% keeps the salt, so no key leaves the canary; history records each step", async () => {
    const { store } = await twoVersions();
    const request = { project: "shop", alias: "production", version: "v0.1.1" };
    const at10 = await setCanary(store, { ...request, percentage: 10 });
    const at20 = await setCanary(store, { ...request, percentage: 20 });
    const at50 = await setCanary(store, { ...request, percentage: 50 });
    expect(at20.canary!.salt).toBe(at10.canary!.salt);
    expect(at50.canary!.salt).toBe(at10.canary!.salt);
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
    const members = (p: number) => new Set(keys.filter((k) => inCanary(at10.canary!.salt, k, p)));
    const [ten, twenty, fifty] = [members(10), members(20), members(50)];
    for (const k of ten) expect(twenty.has(k)).toBe(true);
    for (const k of twenty) expect(fifty.has(k)).toBe(true);
    expect(at50.history!.map((h) => [h.action, h.version, h.canary?.percentage])).toEqual([
      ["set", "v0.1.0", undefined],
      ["canary-set", "v0.1.0", 10],
      ["canary-set", "v0.1.0", 20],
      ["canary-set", "v0.1.0", 50],
    ]);
  });

  it("the SDK: the same key gets the same version on every call and in every process; promote and abort reach running SDKs at the next refresh", async () => {
    const { dir, store } = await twoVersions();
    await setCanary(store, { project: "shop", alias: "production", version: "v0.1.1", percentage: 50 });
    let now = 0;
    const make = () => new PromptManager({ registry: join(dir, REGISTRY), project: "shop", refreshInterval: 10, now: () => now });
    const [a, b] = [make(), make()];
    const versions = async (pm: PromptManager) => {
      const out: string[] = [];
      for (let i = 0; i < 200; i++) out.push((await pm.getPrompt("greet", { canaryKey: `user-${i}` })).version);
      return out;
    };
    const first = await versions(a);
    expect(await versions(a)).toEqual(first);
    expect(await versions(b)).toEqual(first);
    // Another process agrees key by key.
    const script = `import { PromptManager } from ${JSON.stringify(SDK)};
      const pm = new PromptManager({ registry: ${JSON.stringify(join(dir, REGISTRY))}, project: "shop" });
      const out = [];
      for (let i = 0; i < 200; i++) out.push((await pm.getPrompt("greet", { canaryKey: "user-" + i })).version);
      console.log(JSON.stringify(out)); pm.close();`;
    const child = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script]);
    expect(JSON.parse(child.stdout)).toEqual(first);
    const share = first.filter((v) => v === "v0.1.1").length;
    expect(share).toBeGreaterThan(60);
    expect(share).toBeLessThan(140);
    const inside = await a.getPrompt("greet", { canaryKey: `user-${first.indexOf("v0.1.1")}` });
    expect(inside).toMatchObject({ alias: "production", version: "v0.1.1", canary: true });
    expect(inside.format({ name: "A" })).toBe("two A");
    expect(await a.getPrompt("greet", { canaryKey: "user-0", respectCanary: false })).toMatchObject({ version: "v0.1.0", canary: false });
    // Without a key, a manager sticks to one side.
    const own = (await a.getPrompt("greet")).version;
    for (let i = 0; i < 20; i++) expect((await a.getPrompt("greet")).version).toBe(own);

    await abortCanary(store, { project: "shop", alias: "production" });
    now += 10_000;
    await a.refresh();
    expect(new Set(await versions(a))).toEqual(new Set(["v0.1.0"]));

    await setCanary(store, { project: "shop", alias: "production", version: "v0.1.1", percentage: 5 });
    await promoteCanary(store, { project: "shop", alias: "production" });
    now += 10_000;
    await a.refresh();
    expect(new Set(await versions(a))).toEqual(new Set(["v0.1.1"]));
    expect((await a.getPrompt("greet", { canaryKey: "x" })).canary).toBe(false);
    a.close();
    b.close();
  });

  it("two concurrent canary set processes: both in the history, the final state one of them", async () => {
    const { dir } = await twoVersions();
    const results = await Promise.all(
      ["10", "30"].map((p) => cliJson<{ canary: { percentage: number } }>(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", p])),
    );
    expect(results.map((r) => r.canary.percentage).sort()).toEqual([10, 30]);
    const history = await cliJson<{ action: string; canary?: { percentage: number } }[]>(dir, ["alias", "history", "production"]);
    expect(history.filter((h) => h.action === "canary-set").map((h) => h.canary!.percentage).sort()).toEqual([10, 30]);
    const status = await cliJson<{ alias: string; canary: { percentage: number } }[]>(dir, ["canary", "status", "--alias", "production"]);
    expect([10, 30]).toContain(status[0]!.canary.percentage);
    expect(status[0]!.canary.percentage).toBe(history.at(-1)!.canary!.percentage);
  });

  it("bad input is a clear error with exit 1 and no pointer changed", async () => {
    const { dir } = await twoVersions();
    const pointer = join(dir, REGISTRY, "prompts/shop/aliases/production.json");
    const before = await readFile(pointer, "utf8");
    const cases: [string[], string][] = [
      [["canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "150"], "CANARY_INVALID"],
      [["canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "ten"], "CANARY_INVALID"],
      [["canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "-1"], "CANARY_INVALID"],
      [["canary", "set", "--alias", "production", "--version", "v9.9.9", "--percentage", "10"], "VERSION_NOT_FOUND"],
      [["canary", "set", "--alias", "staging", "--version", "v0.1.1", "--percentage", "10"], "ALIAS_NOT_FOUND"],
      [["canary", "promote", "--alias", "production"], "NO_CANARY"],
      [["canary", "abort", "--alias", "production"], "NO_CANARY"],
    ];
    for (const [args, code] of cases) {
      const result = await runCli(dir, [...args, "--json"]);
      expect(result.code, args.join(" ")).toBe(1);
      expect(JSON.parse(result.stdout).error.code, args.join(" ")).toBe(code);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await readFile(pointer, "utf8")).toBe(before);
    expect((await new RegistryClient(new FolderStore(join(dir, REGISTRY)), "shop").alias("staging"))).toBeUndefined();
  });
});
