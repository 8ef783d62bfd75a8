import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import type { CompiledPrompt } from "../src/formats/types.ts";
import { layout } from "../src/formats/layout.ts";
import { setAlias } from "../src/registry/aliases.ts";
import { abortCanary, setCanary } from "../src/registry/canary-rollout.ts";
import { applyGc, planGc } from "../src/registry/gc.ts";
import { pushRelease } from "../src/registry/push.ts";
import { RegistryClient } from "../src/registry/read.ts";
import { writeAlias } from "../src/registry/write.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { S3Store } from "../src/storage/s3.ts";
import type { RegistryStore } from "../src/storage/types.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { snapshot, writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { awsEnv, ensureBucket, freshRegistry, publicUrl, requireS3 } from "./helpers/s3.ts";

const REGISTRY = ".promptsync/registry";
const PROJECT = "shop";
const DAY = 86_400_000;

interface GcJson {
  dryRun: boolean;
  versions: { version: string; published: boolean; action: "keep" | "delete"; reasons: string[]; objects: { key: string; bytes: number }[]; bytes: number }[];
  totals: { versions: number; objects: number; bytes: number; delete: { versions: number; objects: number; bytes: number } };
  result?: { deleted: string[]; objects: number; bytes: number; spared: { version: string; reason: string }[] };
}

/** Version N of the prompts: a text prompt with a variant, and a chat-free Markdown prompt in a folder. */
function promptFiles(n: number): Record<string, string> {
  return {
    "prompts/greet.yaml": `content: "greet ${n} {{ name }}"\nvariants:\n  - tags: { locale: fr }\n    content: "salut ${n} {{ name }}"\n`,
    "prompts/support/triage.md": `triage ${n}\n`,
  };
}

/**
 * Project `shop` in a real git repository with `count` versions, `aliases[i]` pointing at version i: pushed by the
 * CLI with `cli`, else written in process (faster; gc itself always runs as the CLI).
 */
async function pushed(count: number, aliases: Record<number, string[]> = {}, cli = false) {
  const dir = await gitRepo({ "promptsync.config.yaml": `project: ${PROJECT}\n`, ...promptFiles(0) });
  const registry = join(dir, REGISTRY);
  const store = new FolderStore(registry);
  for (let i = 0; i < count; i++) {
    if (cli) {
      await writeFiles(dir, promptFiles(i));
      await cliJson(dir, ["push", ...(aliases[i] ?? []).flatMap((a) => ["--alias", a])]);
      continue;
    }
    const { version } = await pushRelease(store, { project: PROJECT, prompts: compile(promptFiles(i)) });
    for (const alias of aliases[i] ?? []) await setAlias(store, { project: PROJECT, alias, ref: version });
  }
  return { dir, registry, store };
}

function gc(dir: string, args: string[], env?: NodeJS.ProcessEnv): Promise<GcJson> {
  return cliJson<GcJson>(dir, ["gc", ...args], env);
}

/** version → the reasons it is kept, or "delete". */
function actions(plan: GcJson): Record<string, string[] | "delete"> {
  return Object.fromEntries(plan.versions.map((v) => [v.version, v.action === "keep" ? v.reasons : "delete"]));
}

/** Every stored key of the registry that belongs to `version`. */
async function keysOf(store: RegistryStore, version: string): Promise<string[]> {
  return (await store.list(layout.project(PROJECT))).filter((key) => key.includes(`/${version}/`) || key.endsWith(`/${version}.json`));
}

function compile(files: Record<string, string>): CompiledPrompt[] {
  const result = compilePrompts(Object.entries(files).map(([path, text]) => ({ path: path.replace(/^prompts\//, ""), text })));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.prompts;
}

async function indexedVersions(store: RegistryStore): Promise<string[]> {
  return ((await new RegistryClient(store, PROJECT).index())?.versions ?? []).map((v) => v.version);
}

async function historyOf(registry: string, prompt: string): Promise<string[]> {
  const metadata = JSON.parse(await readFile(join(registry, `prompts/${PROJECT}/${prompt}/metadata.json`), "utf8")) as { versions: { version: string }[] };
  return metadata.versions.map((v) => v.version);
}

/** A store that fails every delete after the first `allowed`: a gc killed halfway. */
function crashingAfter(store: RegistryStore, allowed: number): RegistryStore {
  let deletes = 0;
  return {
    url: store.url,
    get: (key) => store.get(key),
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
    create: (key, body, options) => store.create(key, body, options),
    swap: (key, body, etag, options) => store.swap(key, body, etag, options),
    delete: async (key) => {
      if (++deletes > allowed) throw new Error(`killed before deleting ${key}`);
      await store.delete(key);
    },
  };
}

describe("promptsync gc: what it keeps", () => {
  it("a dry run is the default: the plan says why each version stays or goes, and nothing is deleted", async () => {
    const { dir, registry } = await pushed(4, { 1: ["production"] });
    const before = await snapshot(registry);

    const text = await runCli(dir, ["gc", "--keep-last", "1", "--older-than", "0m"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^VERSION +PUSHED +SIZE +OBJECTS +ACTION$/m);
    expect(text.stdout).toMatch(/^v0\.1\.0 .*DELETE: not among the newest 1, no alias or canary points to it$/m);
    expect(text.stdout).toMatch(/^v0\.1\.1 .*keep: alias production$/m);
    expect(text.stdout).toMatch(/^v0\.1\.3 .*keep: latest; newest 1$/m);
    expect(text.stdout).toMatch(/4 versions, 20 objects, .*; to delete: 2 versions, 10 objects/);
    expect(text.stdout).toMatch(/dry run: nothing deleted; run with --yes to delete\n$/);
    const explicit = await runCli(dir, ["gc", "--keep-last", "1", "--older-than", "0m", "--dry-run"]);
    expect(explicit).toEqual(text);

    const plan = await gc(dir, ["--keep-last", "1", "--older-than", "0m"]);
    expect(plan.dryRun).toBe(true);
    expect(actions(plan)).toEqual({ "v0.1.0": "delete", "v0.1.1": ["alias production"], "v0.1.2": "delete", "v0.1.3": ["latest", "newest 1"] });
    const v0 = plan.versions[0]!;
    expect(v0.objects.map((o) => o.key)).toEqual([
      "prompts/shop/_releases/v0.1.0.json",
      "prompts/shop/_bundles/v0.1.0.json",
      "prompts/shop/greet/v0.1.0/default.yaml",
      "prompts/shop/greet/v0.1.0/variants/fr.yaml",
      "prompts/shop/support/triage/v0.1.0/default.yaml",
    ]);
    const sizes = await Promise.all(v0.objects.map(async (o) => (await readFile(join(registry, o.key))).byteLength));
    expect(v0.objects.map((o) => o.bytes)).toEqual(sizes);
    expect(v0.bytes).toBe(sizes.reduce((a, b) => a + b, 0));

    // The defaults (the newest 10, 90 days) keep all of a young registry.
    expect(actions(await gc(dir, []))["v0.1.0"]).toEqual(["newest 10", "pushed within 90d"]);
    expect(await snapshot(registry)).toEqual(before);
  });

  it("--keep-last keeps the newest N by version order; 0 keeps only `latest`", async () => {
    const { dir } = await pushed(5);
    expect(actions(await gc(dir, ["--keep-last", "2", "--older-than", "0m"]))).toEqual({
      "v0.1.0": "delete",
      "v0.1.1": "delete",
      "v0.1.2": "delete",
      "v0.1.3": ["newest 2"],
      "v0.1.4": ["latest", "newest 2"],
    });
    expect(Object.values(actions(await gc(dir, ["--keep-last", "0", "--older-than", "0m"])))).toEqual(["delete", "delete", "delete", "delete", ["latest"]]);
  });

  it("what an alias or a running canary points to is kept; a deleted alias protects nothing once outside the window", async () => {
    const { dir } = await pushed(5, { 1: ["production"] });
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.2", "--percentage", "10"]);
    await cliJson(dir, ["alias", "set", "old", "v0.1.0"]);
    await cliJson(dir, ["alias", "delete", "old"]);
    expect(actions(await gc(dir, ["--keep-last", "0", "--older-than", "0m"]))).toEqual({
      "v0.1.0": "delete",
      "v0.1.1": ["alias production"],
      "v0.1.2": ["canary on production"],
      "v0.1.3": "delete",
      "v0.1.4": ["latest"],
    });
    // Within the window, the deleted alias's last version is still a rollback target.
    expect(actions(await gc(dir, ["--keep-last", "0", "--older-than", "1h"]))["v0.1.0"]).toEqual(expect.arrayContaining([expect.stringMatching(/^alias old until \S+ \(within 1h\)$/)]));

    const done = await gc(dir, ["--keep-last", "0", "--older-than", "0m", "--yes"]);
    expect(done.result?.deleted).toEqual(["v0.1.0", "v0.1.3"]);
    const pm = new PromptManager({ registry: join(dir, REGISTRY), project: PROJECT, cwd: dir });
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add((await pm.getPrompt("greet", { versionOrAlias: "production", canaryKey: `user-${i}` })).format({ name: "Ada" }) as string);
    expect([...seen].sort()).toEqual(["greet 1 Ada", "greet 2 Ada"]);
    await pm.close();
  });

  it("--older-than: versions pushed within it, and every version an alias or canary pointed to within it, are kept", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": `project: ${PROJECT}\n` });
    const store = new FolderStore(join(dir, REGISTRY));
    const ago = (days: number) => new Date(Date.now() - days * DAY);
    // Pushed (days ago): v0.1.0..v0.1.3 200, v0.1.4 20, v0.1.5 200.
    for (const [n, days] of [[0, 200], [1, 200], [2, 200], [3, 200], [4, 20], [5, 200]] as const) {
      await pushRelease(store, { project: PROJECT, prompts: compile(promptFiles(n)), now: ago(days) });
    }
    const request = { project: PROJECT, alias: "production" };
    await setAlias(store, { ...request, ref: "v0.1.0", now: ago(200) });
    await setAlias(store, { ...request, ref: "v0.1.1", now: ago(150) });
    await setAlias(store, { ...request, ref: "v0.1.2", now: ago(30) });
    const staging = { project: PROJECT, alias: "staging" };
    await setAlias(store, { ...staging, ref: "v0.1.2", now: ago(100) });
    await setCanary(store, { ...staging, version: "v0.1.3", percentage: 10, now: ago(100) });
    await abortCanary(store, { ...staging, now: ago(95) });

    const ninety = await gc(dir, ["--keep-last", "0"]);
    expect(actions(ninety)).toEqual({
      "v0.1.0": "delete", // production left it 150 days ago
      "v0.1.1": [expect.stringMatching(/^alias production until \S+ \(within 90d\)$/)], // production left it 30 days ago
      "v0.1.2": ["alias production", "alias staging"],
      "v0.1.3": "delete", // staging's canary of it ended 95 days ago
      "v0.1.4": ["pushed within 90d"],
      "v0.1.5": ["latest"],
    });
    expect(ninety.versions[0]!.reasons).toEqual(["pushed over 90d ago, not among the newest 0, no alias or canary points to it or did within 90d"]);
    expect(actions(await gc(dir, ["--keep-last", "0", "--older-than", "96d"]))["v0.1.3"]).toEqual([expect.stringMatching(/^canary on staging until \S+ \(within 96d\)$/)]);
    const ten = actions(await gc(dir, ["--keep-last", "0", "--older-than", "10d"]));
    expect([ten["v0.1.1"], ten["v0.1.4"]]).toEqual(["delete", "delete"]);

    const done = await gc(dir, ["--keep-last", "0", "--yes"]);
    expect(done.result?.deleted).toEqual(["v0.1.0", "v0.1.3"]);
    expect(await indexedVersions(store)).toEqual(["v0.1.1", "v0.1.2", "v0.1.4", "v0.1.5"]);
  });

  it("bad options are usage errors naming the option; nothing is read or deleted", async () => {
    const { dir, registry } = await pushed(1);
    const before = await snapshot(registry);
    for (const [args, message] of [
      [["--keep-last", "x"], /--keep-last: "x" is not a whole number/],
      [["--keep-last", "-1"], /--keep-last: "-1" is not a whole number/],
      [["--keep-last", "2.5"], /--keep-last: "2.5" is not a whole number/],
      [["--older-than", "90"], /--older-than: "90" is not a duration such as 90d, 12h or 30m/],
      [["--older-than", "3w"], /--older-than: "3w" is not a duration/],
      [["--dry-run", "--yes"], /--dry-run and --yes contradict each other/],
    ] as const) {
      const result = await runCli(dir, ["gc", ...args]);
      expect({ code: result.code, stderr: result.stderr }, args.join(" ")).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
    }
    expect(await snapshot(registry)).toEqual(before);
  });
});

describe("promptsync gc --yes: what it deletes", () => {
  it("deletes every object of the versions; readers get VERSION_NOT_FOUND; index and histories forget them; claims stay, so numbers are never reused", async () => {
    const { dir, registry, store } = await pushed(4, { 1: ["production"] }, true);
    const done = await gc(dir, ["--keep-last", "1", "--older-than", "0m", "--yes"]);
    expect(done.dryRun).toBe(false);
    expect(done.result).toMatchObject({ deleted: ["v0.1.0", "v0.1.2"], objects: 10, spared: [] });
    expect(done.result!.bytes).toBe(done.totals.delete.bytes);
    for (const version of ["v0.1.0", "v0.1.2"]) expect(await keysOf(store, version)).toEqual([`prompts/shop/_claims/${version}.json`]);
    expect((await keysOf(store, "v0.1.1")).length).toBe(6);

    for (const args of [["version", "get", "v0.1.0"], ["show", "greet", "--version", "v0.1.2"], ["render", "greet", "--version", "v0.1.0", "--var", "name=x"]]) {
      const result = await runCli(dir, args);
      expect({ code: result.code, stderr: result.stderr }, args.join(" ")).toMatchObject({ code: 1, stderr: expect.stringMatching(/Version v0\.1\.[02] does not exist in project "shop"/) });
    }
    expect(await indexedVersions(store)).toEqual(["v0.1.1", "v0.1.3"]);
    expect(await historyOf(registry, "greet")).toEqual(["v0.1.1", "v0.1.3"]);
    expect(await historyOf(registry, "support/triage")).toEqual(["v0.1.1", "v0.1.3"]);

    const pm = new PromptManager({ registry, project: PROJECT, cwd: dir });
    expect((await pm.getPrompt("greet", { versionOrAlias: "production", tags: { locale: "fr" } })).format({ name: "Ada" })).toBe("salut 1 Ada");
    expect((await pm.getPrompt("support/triage", { versionOrAlias: "latest" })).content).toBe("triage 3\n");
    await expect(pm.getPrompt("greet", { versionOrAlias: "v0.1.0" })).rejects.toMatchObject({ code: "VERSION_NOT_FOUND" });
    await pm.close();

    // A second run finds nothing left over; the next push takes a new number.
    expect((await gc(dir, ["--keep-last", "1", "--older-than", "0m"])).totals.delete.versions).toBe(0);
    await writeFiles(dir, promptFiles(9));
    expect(await cliJson(dir, ["push"])).toMatchObject({ version: "v0.1.4" });
  });

  it("a signed registry: the index is re-signed with the key; without it gc refuses before deleting anything; verify passes after", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": `project: ${PROJECT}\n`, ...promptFiles(0) });
    const keys = await cliJson<{ privateKeyFile: string; publicKeyFile: string }>(dir, ["keys", "generate", "--out", "keys"]);
    const sign = ["--signing-key", keys.privateKeyFile];
    for (let i = 0; i < 3; i++) {
      await writeFiles(dir, promptFiles(i));
      await cliJson(dir, ["push", ...sign, ...(i === 1 ? ["--alias", "production"] : [])]);
    }
    const registry = join(dir, REGISTRY);
    const before = await snapshot(registry);
    const unsigned = await runCli(dir, ["gc", "--keep-last", "1", "--older-than", "0m", "--yes"]);
    expect(unsigned).toMatchObject({ code: 1, stderr: expect.stringMatching(/The index is signed: gc rewrites it, so it needs the signing key/) });
    expect(await snapshot(registry)).toEqual(before);

    const done = await gc(dir, ["--keep-last", "1", "--older-than", "0m", "--yes", ...sign]);
    expect(done.result?.deleted).toEqual(["v0.1.0"]);
    const store = new FolderStore(registry);
    expect(await keysOf(store, "v0.1.0")).toEqual(["prompts/shop/_claims/v0.1.0.json"]);
    const trusted = ["--trusted-key", keys.publicKeyFile];
    expect(await runCli(dir, ["verify", ...trusted])).toMatchObject({ code: 0 });
    expect(await runCli(dir, ["show", "greet", "--alias", "production", ...trusted])).toMatchObject({ code: 0 });
    expect(await runCli(dir, ["show", "greet", "--version", "v0.1.0", ...trusted])).toMatchObject({ code: 1, stderr: expect.stringMatching(/Version v0\.1\.0 does not exist/) });
  });
});

describe("gc and readers at the same time", () => {
  const names = Array.from({ length: 12 }, (_, i) => `p${i}`);
  const release = (round: number) => compile(Object.fromEntries(names.map((n) => [`${n}.txt`, `${n} of round ${round}\n`])));

  /**
   * Reads prompts of `version` in loops (fresh RegistryClient and fresh PromptManager each time, so no cache hides
   * the race) until `gc` settles. Every read gets the whole prompt or VERSION_NOT_FOUND; anything else fails.
   */
  async function race(dir: string, store: RegistryStore, version: string, round: number, gc: () => Promise<unknown>) {
    const outcomes = { whole: 0, gone: 0 };
    let running = true;
    const registry = join(dir, REGISTRY);
    const read = async (sdk: boolean, name: string): Promise<string> => {
      if (!sdk) {
        const client = new RegistryClient(store, PROJECT);
        return (await client.prompt((await client.resolve(version)).version, name)).content!;
      }
      const pm = new PromptManager({ registry, project: PROJECT, cwd: dir, retries: 0 });
      try {
        return (await pm.getPrompt(name, { versionOrAlias: version })).content!;
      } finally {
        await pm.close();
      }
    };
    const reader = async (sdk: boolean, offset: number) => {
      for (let i = offset; running; i++) {
        const name = names[i % names.length]!;
        try {
          expect(await read(sdk, name)).toBe(`${name} of round ${round}\n`);
          outcomes.whole++;
        } catch (error) {
          expect(error, `${sdk ? "sdk" : "client"} ${name}@${version}`).toMatchObject({ code: "VERSION_NOT_FOUND" });
          outcomes.gone++;
        }
      }
    };
    const collector = gc().finally(() => (running = false));
    await Promise.all([collector, reader(false, 0), reader(true, 3), reader(false, 6), reader(true, 9)]);
    return outcomes;
  }

  it("many rounds, in process: each read of a version being deleted gets all of it or VERSION_NOT_FOUND", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": `project: ${PROJECT}\n` });
    const store = new FolderStore(join(dir, REGISTRY));
    await pushRelease(store, { project: PROJECT, prompts: release(0) });
    const total = { whole: 0, gone: 0 };
    for (let round = 1; round <= 20; round++) {
      await pushRelease(store, { project: PROJECT, prompts: release(round) });
      const doomed = `v0.1.${round - 1}`;
      const outcomes = await race(dir, store, doomed, round - 1, async () => {
        const plan = await planGc(store, { project: PROJECT, keepLast: 1, olderThanMs: 0 });
        expect((await applyGc(store, plan)).deleted).toEqual([doomed]);
      });
      total.whole += outcomes.whole;
      total.gone += outcomes.gone;
      expect(await keysOf(store, doomed)).toEqual([`prompts/shop/_claims/${doomed}.json`]);
    }
    // Both sides of the race were seen.
    expect(total.whole).toBeGreaterThan(0);
    expect(total.gone).toBeGreaterThan(0);
  });

  it("the CLI in another process deletes while the SDK and the client read", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": `project: ${PROJECT}\n` });
    const store = new FolderStore(join(dir, REGISTRY));
    await pushRelease(store, { project: PROJECT, prompts: release(0) });
    for (const round of [1, 2]) {
      await pushRelease(store, { project: PROJECT, prompts: release(round) });
      const doomed = `v0.1.${round - 1}`;
      const outcomes = await race(dir, store, doomed, round - 1, async () => {
        const done = await gc(dir, ["--keep-last", "1", "--older-than", "0m", "--yes"]);
        expect(done.result?.deleted).toEqual([doomed]);
      });
      expect(outcomes.whole).toBeGreaterThan(0);
    }
  });
});

describe("gc stopped halfway, and writers racing it", () => {
  it("a gc killed after the index, then after the manifests: the next gc finds and deletes what is left", async () => {
    const { dir, registry, store } = await pushed(4);
    const plan = await planGc(store, { project: PROJECT, keepLast: 1, olderThanMs: 0 });
    expect(plan.versions.filter((v) => v.action === "delete").map((v) => v.version)).toEqual(["v0.1.0", "v0.1.1", "v0.1.2"]);

    // Killed at its first delete: the index no longer lists them, but they still exist.
    await expect(applyGc(crashingAfter(store, 0), plan)).rejects.toThrow(/killed/);
    expect(await indexedVersions(store)).toEqual(["v0.1.3"]);
    expect(await runCli(dir, ["version", "get", "v0.1.0"])).toMatchObject({ code: 0, stdout: "v0.1.0\n" });
    expect(actions(await gc(dir, ["--keep-last", "1", "--older-than", "0m"]))).toMatchObject({ "v0.1.0": "delete", "v0.1.1": "delete", "v0.1.2": "delete" });

    // Killed after the three manifests and two more objects: the versions are gone for readers, leftovers remain.
    await expect(applyGc(crashingAfter(store, 5), await planGc(store, { project: PROJECT, keepLast: 1, olderThanMs: 0 }))).rejects.toThrow(/killed/);
    for (const version of ["v0.1.0", "v0.1.1", "v0.1.2"]) {
      expect(await runCli(dir, ["version", "get", version])).toMatchObject({ code: 1 });
      expect(await store.get(layout.release(PROJECT, version))).toBeUndefined();
    }
    expect(await historyOf(registry, "greet")).toEqual(["v0.1.0", "v0.1.1", "v0.1.2", "v0.1.3"]);

    const next = await gc(dir, ["--keep-last", "1", "--older-than", "0m"]);
    for (const version of ["v0.1.0", "v0.1.1", "v0.1.2"]) {
      expect(next.versions.find((v) => v.version === version)).toMatchObject({
        published: false,
        action: "delete",
        reasons: ["no release manifest: left by an interrupted gc (or a manifest deleted by hand)"],
      });
    }
    expect((await runCli(dir, ["gc", "--keep-last", "1", "--older-than", "0m"])).stdout).toMatch(/^v0\.1\.2 .*DELETE \(unpublished\): no release manifest/m);
    const done = await gc(dir, ["--keep-last", "1", "--older-than", "0m", "--yes"]);
    expect(done.result?.deleted).toEqual(["v0.1.0", "v0.1.1", "v0.1.2"]);
    for (const version of ["v0.1.0", "v0.1.1", "v0.1.2"]) expect(await keysOf(store, version)).toEqual([`prompts/shop/_claims/${version}.json`]);
    expect(await historyOf(registry, "greet")).toEqual(["v0.1.3"]);
    expect((await gc(dir, ["--keep-last", "1", "--older-than", "0m"])).totals.delete.versions).toBe(0);
  });

  it("an abandoned push (claimed over a day ago, never published) is deleted; a recent one may still be running and is kept", async () => {
    const { dir, store } = await pushed(1);
    // Pushes killed just before their manifest: a claim and every object, but no version.
    const base = crashingAfter(store, Infinity);
    const killedBeforeManifest: RegistryStore = {
      ...base,
      create: (key, body, options) => (key.includes("/_releases/") ? Promise.reject(new Error("killed")) : base.create(key, body, options)),
    };
    const push = (n: number, now: Date) => pushRelease(killedBeforeManifest, { project: PROJECT, prompts: compile(promptFiles(n)), now });
    await expect(push(7, new Date(Date.now() - 2 * DAY))).rejects.toThrow(/killed/);
    await expect(push(8, new Date())).rejects.toThrow(/killed/);
    const plan = await gc(dir, ["--keep-last", "0", "--older-than", "0m"]);
    expect(plan.versions.find((v) => v.version === "v0.1.1")).toMatchObject({ published: false, action: "delete", reasons: [expect.stringMatching(/^abandoned push: claimed \S+, never published$/)] });
    expect(plan.versions.find((v) => v.version === "v0.1.2")).toMatchObject({ published: false, action: "keep", reasons: [expect.stringMatching(/a push may still be running/)] });
    expect((await gc(dir, ["--keep-last", "0", "--older-than", "0m", "--yes"])).result?.deleted).toEqual(["v0.1.1"]);
    expect(await keysOf(store, "v0.1.1")).toEqual(["prompts/shop/_claims/v0.1.1.json"]);
    expect((await keysOf(store, "v0.1.2")).length).toBeGreaterThan(1);
  });

  it("an alias moved to a planned version before gc runs, or while it deletes manifests, keeps it whole", async () => {
    const { store } = await pushed(4);
    const plan = await planGc(store, { project: PROJECT, keepLast: 1, olderThanMs: 0 });
    const client = new RegistryClient(store, PROJECT);
    const before = await store.get(layout.release(PROJECT, "v0.1.1"));

    await setAlias(store, { project: PROJECT, alias: "hotfix", ref: "v0.1.0" });
    // The rollback lands between gc's last look at the aliases and v0.1.1's manifest going.
    let racing = true;
    const rollback: RegistryStore = {
      ...crashingAfter(store, Infinity),
      delete: async (key) => {
        if (racing && key === layout.release(PROJECT, "v0.1.1")) {
          racing = false;
          await writeAlias(store, { project: PROJECT, alias: "rollback", version: "v0.1.1", now: new Date() });
        }
        await store.delete(key);
      },
    };
    const result = await applyGc(rollback, plan);
    expect(result.deleted).toEqual(["v0.1.2"]);
    expect(result.spared).toEqual([
      { version: "v0.1.0", reason: "alias hotfix points to it now" },
      { version: "v0.1.1", reason: "alias rollback was pointed to it while gc ran; its manifest was restored" },
    ]);
    expect(Buffer.from((await store.get(layout.release(PROJECT, "v0.1.1")))!.body)).toEqual(Buffer.from(before!.body));
    for (const version of ["v0.1.0", "v0.1.1"]) expect((await client.promptsAt(version)).map((p) => p.name)).toEqual(["greet", "support/triage"]);
    expect(await indexedVersions(store)).toEqual(["v0.1.0", "v0.1.1", "v0.1.3"]);
  });
});

const s3 = requireS3();
if (s3) {
  describe("gc on an s3:// registry", () => {
    it("deletes on the bucket; the SDK over HTTP serves the aliases and finds the deleted version gone", async () => {
      await ensureBucket(s3);
      const env = awsEnv(s3);
      const registry = freshRegistry(s3);
      const dir = await gitRepo({ "promptsync.config.yaml": `project: ${PROJECT}\n`, ...promptFiles(0) });
      for (let i = 0; i < 3; i++) {
        await writeFiles(dir, promptFiles(i));
        await cliJson(dir, ["push", "--registry", registry, ...(i === 1 ? ["--alias", "production"] : [])], env);
      }
      const dry = await gc(dir, ["--keep-last", "1", "--older-than", "0m", "--registry", registry], env);
      expect(actions(dry)).toEqual({ "v0.1.0": "delete", "v0.1.1": ["alias production"], "v0.1.2": ["latest", "newest 1"] });
      const done = await gc(dir, ["--keep-last", "1", "--older-than", "0m", "--yes", "--registry", registry], env);
      expect(done.result).toMatchObject({ deleted: ["v0.1.0"], objects: 5 });

      // The driver takes credentials from the standard AWS chain, as in production.
      Object.assign(process.env, env);
      const store = new S3Store({ url: registry, env });
      expect(await keysOf(store, "v0.1.0")).toEqual(["prompts/shop/_claims/v0.1.0.json"]);
      const pm = new PromptManager({ registry: publicUrl(s3, registry), project: PROJECT, cwd: dir });
      expect((await pm.getPrompt("greet", { versionOrAlias: "production" })).format({ name: "Ada" })).toBe("greet 1 Ada");
      await expect(pm.getPrompt("greet", { versionOrAlias: "v0.1.0" })).rejects.toMatchObject({ code: "VERSION_NOT_FOUND" });
      await pm.close();
    });
  });
}
