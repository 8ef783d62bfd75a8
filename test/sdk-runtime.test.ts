import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { pushRelease } from "../src/registry/push.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { PromptManager, PromptUnavailableError } from "../sdk/index.ts";
import { cliJson } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { countingOrigin, type CountingOrigin } from "./helpers/origin-server.ts";

const REGISTRY = ".promptsync/registry";

async function published(files: Record<string, string>): Promise<{ dir: string; origin: CountingOrigin }> {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: app\n", ...files });
  await cliJson(dir, ["push", "--alias", "production"]);
  return { dir, origin: await countingOrigin(join(dir, REGISTRY)) };
}

async function republish(dir: string, files: Record<string, string>): Promise<string> {
  await writeFiles(dir, files);
  return (await cliJson<{ version: string }>(dir, ["push", "--alias", "production"])).version;
}

describe("SDK runtime: pointers revalidated, content fetched once", () => {
  it("200 prompts under one alias: a refresh cycle is one conditional request and no body when nothing changed", async () => {
    const files = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`prompts/p${i}.txt`, `Prompt ${i} for {{ name }}\n`]));
    const { origin } = await published(files);
    let now = 0;
    const pm = new PromptManager({ registry: origin.url, project: "app", refreshInterval: 60, now: () => now });
    for (let i = 0; i < 200; i++) await pm.getPrompt(`p${i}`);
    origin.requests.length = 0;

    now += 61_000;
    await pm.refresh();
    expect(origin.requests).toEqual([{ path: "/prompts/app/aliases/production.json", status: 304, conditional: true, bytes: 0 }]);
    for (let i = 0; i < 200; i++) expect((await pm.getPrompt(`p${i}`)).source).toBe("memory");
    expect(origin.requests).toHaveLength(1);
    pm.close();
  });

  it("preload loads a 200-prompt version in three requests: the pointer, then the manifest and the bundle", async () => {
    const files = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`prompts/p${i}.txt`, `Prompt ${i} for {{ name }}\n`]));
    const { origin } = await published(files);
    const pm = new PromptManager({ registry: origin.url, project: "app" });
    expect(await pm.preload({ versionOrAlias: "production" })).toEqual({ version: "v0.1.0", prompts: 200 });
    expect(origin.requests.map((r) => r.path).sort()).toEqual([
      "/prompts/app/_bundles/v0.1.0.json",
      "/prompts/app/_releases/v0.1.0.json",
      "/prompts/app/aliases/production.json",
    ]);
    for (let i = 0; i < 200; i++) expect((await pm.getPrompt(`p${i}`)).format({ name: "A" })).toBe(`Prompt ${i} for A`);
    expect(origin.requests).toHaveLength(3);
    pm.close();
  });

  it("after alias set, every instance serves the new version within refreshInterval, switching only once its content is loaded", async () => {
    const { dir, origin } = await published({ "prompts/greet.txt": "Hello {{ name }}\n" });
    let now = 0;
    const instances = Array.from({ length: 3 }, () => new PromptManager({ registry: origin.url, project: "app", refreshInterval: 30, now: () => now }));
    for (const pm of instances) expect((await pm.getPrompt("greet")).format({ name: "A" })).toBe("Hello A");
    const next = await republish(dir, { "prompts/greet.txt": "Hi {{ name }}\n" });

    now += 29_000;
    for (const pm of instances) expect((await pm.getPrompt("greet")).version).toBe("v0.1.0");
    now += 1_000;
    // Due: the call returns at once with the cached version and refreshes in the background.
    for (const pm of instances) expect((await pm.getPrompt("greet")).version).toBe("v0.1.0");
    await Promise.all(instances.map((pm) => pm.refresh()));
    for (const pm of instances) {
      const prompt = await pm.getPrompt("greet");
      expect(prompt).toMatchObject({ version: next, source: "memory", stale: false });
      expect(prompt.format({ name: "A" })).toBe("Hi A");
      pm.close();
    }
  });

  it("the periodic refresher moves an idle instance to the new version without any getPrompt call", async () => {
    const { dir, origin } = await published({ "prompts/greet.txt": "Hello {{ name }}\n" });
    const pm = new PromptManager({ registry: origin.url, project: "app", refreshInterval: 0.2 });
    await pm.getPrompt("greet");
    // Counted from before the push: on a loaded machine the timer can fetch the new version before the CLI exits.
    const before = origin.requests.length;
    const next = await republish(dir, { "prompts/greet.txt": "Hi {{ name }}\n" });
    // Waits for the timer's refresh however loaded the machine is, instead of a fixed sleep that a slow tick misses.
    await vi.waitFor(() => expect(origin.requests.slice(before).map((r) => r.path)).toContain(`/prompts/app/greet/${next}/default.yaml`), { timeout: 20_000, interval: 20 });
    // The timer fetched the new content; a getPrompt from here on may find it still in flight, but not for long.
    await vi.waitFor(async () => expect((await pm.getPrompt("greet")).version).toBe(next), { timeout: 20_000, interval: 20 });
    pm.close();
  });

  it("a deleted alias is no longer served after the next refresh", async () => {
    const { dir, origin } = await published({ "prompts/greet.txt": "Hello\n" });
    let now = 0;
    const pm = new PromptManager({ registry: origin.url, project: "app", refreshInterval: 10, now: () => now });
    await pm.getPrompt("greet");
    await rm(join(dir, REGISTRY, "prompts/app/aliases/production.json"));
    now += 11_000;
    await pm.refresh();
    await expect(pm.getPrompt("greet")).rejects.toMatchObject({ code: "ALIAS_NOT_FOUND" });
  });
});

describe("SDK runtime: never fail while anything can serve", () => {
  it("server down: every call keeps returning the last version, marked stale; a restart serves from the disk cache", async () => {
    const { dir, origin } = await published({ "prompts/greet.txt": "Hello {{ name }}\n" });
    let now = 0;
    const options = { registry: origin.url, project: "app", refreshInterval: 10, cacheDir: join(dir, "cache"), retries: 0, now: () => now };
    const pm = new PromptManager(options);
    expect(await pm.getPrompt("greet")).toMatchObject({ version: "v0.1.0", stale: false, source: "network" });
    await origin.stop();

    now += 11_000;
    await pm.refresh();
    const results = await Promise.all(Array.from({ length: 100 }, () => pm.getPrompt("greet")));
    expect(results.every((p) => p.version === "v0.1.0" && p.stale && p.format({ name: "A" }) === "Hello A")).toBe(true);
    pm.close();

    now += 4 * 3600_000;
    const restarted = new PromptManager(options);
    expect(await restarted.getPrompt("greet")).toMatchObject({ version: "v0.1.0", source: "disk", stale: true });
    restarted.close();
  });

  it("no cache and no server: the snapshot, then the local files, then a typed error listing what was tried", async () => {
    const { dir, origin } = await published({ "prompts/greet.txt": "Hello {{ name }}\n" });
    await cliJson(dir, ["pull", "--alias", "production", "--out", "snapshot"]);
    await origin.stop();
    const base = { registry: origin.url, project: "app", cwd: dir, retries: 0 };

    const fromSnapshot = new PromptManager({ ...base, snapshotDir: "snapshot" });
    expect(await fromSnapshot.getPrompt("greet")).toMatchObject({ version: "v0.1.0", source: "snapshot", stale: true });

    const fromLocal = new PromptManager(base);
    expect(await fromLocal.getPrompt("greet", { fallbackToLocal: true })).toMatchObject({ version: "local", source: "local" });

    const nothing = new PromptManager({ ...base, promptsDir: "missing" });
    const error = (await nothing.getPrompt("greet", { fallbackToLocal: true }).catch((e: unknown) => e)) as PromptUnavailableError;
    expect(error).toBeInstanceOf(PromptUnavailableError);
    expect(error.attempts.map((a) => a.source)).toEqual(["network", "local"]);
    for (const pm of [fromSnapshot, fromLocal, nothing]) pm.close();
  });

  it("an invalid registry answer is rejected and the last good version keeps being served", async () => {
    const { dir, origin } = await published({ "prompts/greet.txt": "Hello {{ name }}\n" });
    let now = 0;
    // Refreshes only when the test says so, so that no background refresh overlaps the registry edits.
    const pm = new PromptManager({ registry: origin.url, project: "app", refreshInterval: 10, now: () => now, cacheStrategy: { refreshStrategy: "none" } });
    await pm.getPrompt("greet");
    const aliasFile = join(dir, REGISTRY, "prompts/app/aliases/production.json");

    const good = await readFile(aliasFile);
    await writeFile(aliasFile, "{ not json");
    now += 11_000;
    await pm.refresh();
    expect(await pm.getPrompt("greet")).toMatchObject({ version: "v0.1.0", stale: true });
    await writeFile(aliasFile, good);

    // A new version whose content no longer matches its release manifest.
    const next = await republish(dir, { "prompts/greet.txt": "Hi {{ name }}\n" });
    await writeFile(join(dir, REGISTRY, `prompts/app/greet/${next}/default.yaml`), "format: promptsync.prompt/v1\n");
    now += 11_000;
    await pm.refresh();
    expect(await pm.getPrompt("greet")).toMatchObject({ version: "v0.1.0", stale: true });
    pm.close();
  });

  it("a corrupt file in cacheDir is discarded and fetched again, never trusted", async () => {
    const { dir, origin } = await published({ "prompts/greet.txt": "Hello {{ name }}\n" });
    const options = { registry: origin.url, project: "app", cacheDir: join(dir, "cache") };
    await new PromptManager(options).getPrompt("greet", { versionOrAlias: "v0.1.0" });
    const cacheRoot = join(dir, "cache", (await readdir(join(dir, "cache")))[0]!);
    const cached = join(cacheRoot, "prompts/app/greet/v0.1.0/default.yaml");
    await writeFile(cached, "content: half a fi");
    const restarted = await new PromptManager(options).getPrompt("greet", { versionOrAlias: "v0.1.0" });
    expect(restarted).toMatchObject({ source: "network" });
    expect(restarted.format({ name: "A" })).toBe("Hello A");
  });
});

describe("SDK runtime: bounded memory", () => {
  it("maxCacheSize holds under a 10,000-prompt load; evicted prompts are read again from disk", { timeout: 120_000 }, async () => {
    const root = await tempDir();
    const sources = Array.from({ length: 10_000 }, (_, i) => ({ path: `p${i}.txt`, text: `Prompt number ${i} for {{ name }}: ${"x".repeat(200)}\n` }));
    const compiled = compilePrompts(sources);
    if (!compiled.ok) throw new Error("compile failed");
    await pushRelease(new FolderStore(root), { project: "big", prompts: compiled.prompts, concurrency: 64 });
    const pm = new PromptManager({ registry: root, project: "big", cacheDir: join(root, "..", "cache"), cacheStrategy: { maxCacheSize: "1MB" } });

    let peak = 0;
    for (let i = 0; i < 10_000; i++) {
      await pm.getPrompt(`p${i}`, { versionOrAlias: "v0.1.0" });
      peak = Math.max(peak, pm.cacheStats().bytes);
    }
    const stats = pm.cacheStats();
    expect(peak).toBeLessThanOrEqual(1_000_000);
    expect(stats.prompts).toBeGreaterThan(100);
    expect(stats.prompts).toBeLessThan(10_000);
    expect((await pm.getPrompt("p9999", { versionOrAlias: "v0.1.0" })).source).toBe("memory");
    const evicted = await pm.getPrompt("p0", { versionOrAlias: "v0.1.0" });
    expect(evicted.source).toBe("disk");
    expect(evicted.format({ name: "A" })).toMatch(/^Prompt number 0 for A/);
  });
});
