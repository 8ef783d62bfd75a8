import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { packageVersion } from "../src/package-info.ts";
import type { HeartbeatEvent, TelemetryEvent } from "../src/formats/telemetry-events.ts";
import { COMMIT_VARIABLES, detectAppCommit, detectAppName } from "../sdk/telemetry/app-info.ts";
import { PromptManager, UsageError } from "../sdk/index.ts";
import { FolderStore } from "../src/storage/folder.ts";
import type { RegistryStore, WriteOptions } from "../src/storage/types.ts";
import { storeSink } from "../sdk/telemetry/sinks.ts";
import { cliJson } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { git } from "./helpers/git.ts";
import { twoCommitApp } from "./helpers/telemetry.ts";

// A CI runner's own commit variables would win over the test repository's HEAD.
for (const name of COMMIT_VARIABLES) delete process.env[name];

describe("telemetry in the SDK", () => {
  it("the heartbeat names the client, app, commit (from git), SDK version, host and what it serves on each side of the canary", async () => {
    const app = await twoCommitApp();
    await writeFiles(app.dir, { "package.json": '{ "name": "checkout-api" }\n' });
    const batches: TelemetryEvent[][] = [];
    const pm = new PromptManager({ registry: app.registry, project: "shop", cwd: app.dir, clientId: "pod-7", telemetry: { sink: async (b) => void batches.push(b), flushInterval: 0 } });
    for (let i = 0; i < 40; i++) await pm.getPrompt("greet", { canaryKey: `u${i}`, tags: { locale: "fr" } });
    await pm.getPrompt("greet", { versionOrAlias: "v0.1.0" });
    await pm.close();
    const heartbeat = batches.flat().find((e): e is HeartbeatEvent => e.type === "heartbeat")!;
    expect(heartbeat).toMatchObject({ client: "pod-7", app: "checkout-api", commit: app.newCommit, sdk: packageVersion(), dropped: 0 });
    expect(heartbeat.serves).toEqual(
      expect.arrayContaining([
        { prompt: "greet", version: "v0.1.0", variant: "fr", alias: "production", canary: false },
        { prompt: "greet", version: "v0.1.1", variant: "fr", alias: "production", canary: true },
        { prompt: "greet", version: "v0.1.0", variant: null, alias: null, canary: false },
      ]),
    );
    expect(heartbeat.serves).toHaveLength(3);
    const usage = batches.flat().filter((e) => e.type === "usage");
    expect(usage.reduce((n, e) => n + e.count, 0)).toBe(41);
  });

  it("a heartbeat pointer that cannot be written is a warning: the batch was delivered and is never sent twice", async () => {
    const app = await twoCommitApp();
    // A folder where the client's pointer should be: every write of it fails.
    await mkdir(join(app.registry, "telemetry/shop/clients/pod-1.json"), { recursive: true });
    const pm = new PromptManager({ registry: app.registry, project: "shop", clientId: "pod-1", telemetry: { sink: "folder", dir: app.registry, flushInterval: 0 } });
    for (let i = 0; i < 10; i++) await pm.getPrompt("greet", { respectCanary: false });
    await pm.flushTelemetry();
    expect(pm.telemetryStats()).toMatchObject({ failedFlushes: 0, lastError: expect.stringContaining("The batch was written, but not the client's heartbeat") });
    await pm.flushTelemetry();
    await pm.close();
    expect(await cliJson(app.dir, ["analytics", "build"])).toMatchObject({ objects: 1, usage: 1 });
    expect((await cliJson<{ rows: { calls: number }[] }>(app.dir, ["analytics", "greet"])).rows).toMatchObject([{ calls: 10 }]);
  });

  it("a heartbeat lists what was served in the last hour: a canary that ended drops out", async () => {
    const app = await twoCommitApp();
    let now = Date.now();
    const batches: TelemetryEvent[][] = [];
    const pm = new PromptManager({ registry: app.registry, project: "shop", now: () => now, telemetry: { sink: async (b) => void batches.push(b), flushInterval: 0, heartbeatInterval: 60 } });
    for (let i = 0; i < 40; i++) await pm.getPrompt("greet", { canaryKey: `u${i}` });
    await pm.flushTelemetry();
    now += 61 * 60_000;
    await pm.getPrompt("greet", { respectCanary: false });
    await pm.close();
    const heartbeats = batches.flat().filter((e): e is HeartbeatEvent => e.type === "heartbeat");
    expect(heartbeats.map((h) => h.serves.map((s) => `${s.version}${s.canary ? "+canary" : ""}`).sort())).toEqual([["v0.1.0", "v0.1.1+canary"], ["v0.1.0"]]);
  });

  it("an hour that ends while a batch is on its way counts each call once: delivered, and again when the batch fails", async () => {
    for (const deliver of [true, false]) {
      const app = await twoCommitApp();
      // 200 ms before midnight: the recorder's hourly timer fires then, while the first batch is still on its way.
      let now = Date.parse("2026-11-24T23:59:59.800Z");
      let release!: () => void;
      let calls = 0;
      const batches: TelemetryEvent[][] = [];
      const pm = new PromptManager({
        registry: app.registry,
        project: "shop",
        now: () => now,
        respectCanary: false,
        telemetry: {
          flushInterval: 0,
          sink: async (batch) => {
            if (calls++ === 0) {
              await new Promise<void>((resolve) => (release = resolve));
              if (!deliver) throw new Error("down");
            }
            batches.push(batch);
          },
        },
      });
      for (let i = 0; i < 3; i++) await pm.getPrompt("greet");
      const first = pm.flushTelemetry();
      await vi.waitFor(() => expect(calls).toBe(1));
      for (let i = 0; i < 2; i++) await pm.getPrompt("greet");
      now = Date.parse("2026-11-25T00:00:10Z");
      await new Promise((resolve) => setTimeout(resolve, 400));
      for (let i = 0; i < 4; i++) await pm.getPrompt("greet");
      release();
      await first;
      await pm.close();
      const usage = batches.flat().filter((e) => e.type === "usage");
      const byDay = (day: string) => usage.filter((e) => e.ts.startsWith(day)).reduce((n, e) => n + e.count, 0);
      expect({ deliver, before: byDay("2026-11-24"), after: byDay("2026-11-25") }).toEqual({ deliver, before: 5, after: 4 });
    }
  });

  it("usage counted while the sink is down keeps its hour: calls before and after midnight land on their own days", async () => {
    const app = await twoCommitApp();
    let now = Date.parse("2026-11-24T23:59:50Z");
    let failing = true;
    const batches: TelemetryEvent[][] = [];
    const pm = new PromptManager({
      registry: app.registry,
      project: "shop",
      now: () => now,
      respectCanary: false,
      telemetry: {
        flushInterval: 0,
        sink: async (batch) => {
          if (failing) throw new Error("down");
          batches.push(batch);
        },
      },
    });
    for (let i = 0; i < 3; i++) await pm.getPrompt("greet");
    await pm.flushTelemetry();
    now = Date.parse("2026-11-25T00:00:10Z");
    // What the hourly timer does at the hour's start, before the first calls of the new hour.
    await pm.flushTelemetry();
    for (let i = 0; i < 5; i++) await pm.getPrompt("greet");
    await pm.flushTelemetry();
    expect(pm.telemetryStats()).toMatchObject({ failedFlushes: 3, buffered: 1 });
    failing = false;
    await pm.close();
    const usage = batches.flat().filter((e) => e.type === "usage");
    expect(usage.map((e) => [e.ts, e.count])).toEqual([["2026-11-24T23:59:50.000Z", 3], ["2026-11-25T00:00:10.000Z", 5]]);
  });

  it("the hourly timer keeps the manager's clock: the hour closes when `now` passes it, whatever the machine's time", async () => {
    const app = await twoCommitApp();
    let now = Date.parse("2026-11-24T23:59:59.900Z");
    const pm = new PromptManager({ registry: app.registry, project: "shop", now: () => now, respectCanary: false, telemetry: { sink: async () => {}, flushInterval: 0 } });
    for (let i = 0; i < 3; i++) await pm.getPrompt("greet");
    expect(pm.telemetryStats()).toMatchObject({ buffered: 0 });
    now = Date.parse("2026-11-25T00:00:00.100Z");
    // No call and no flush: only the timer turns the past hour's counter into an event of its own.
    await vi.waitFor(() => expect(pm.telemetryStats()).toMatchObject({ buffered: 1 }), { timeout: 5_000, interval: 20 });
    await pm.close();
  });

  it("the store sink: a batch stored before its answer was lost is delivered, not written again", async () => {
    const store: RegistryStore = new FolderStore(await tempDir());
    let lose = true;
    const flaky: RegistryStore = Object.assign(Object.create(store) as FolderStore, {
      create: async (key: string, body: Uint8Array, options: WriteOptions) => {
        const created = await store.create(key, body, options);
        if (lose) throw new Error("socket hang up");
        return created;
      },
    });
    const sink = storeSink(flaky, "shop", "pod-1", Date.now);
    const event: TelemetryEvent = { v: 1, type: "metrics", ts: new Date().toISOString(), project: "shop", client: "pod-1", prompt: "greet", version: "v0.1.0", variant: null, alias: null, canary: false, metrics: { success: true } };
    await sink.send([event]);
    lose = false;
    await sink.send([event]);
    expect(await store.list("telemetry/shop/events/")).toHaveLength(2);
    const failing: RegistryStore = Object.assign(Object.create(store) as FolderStore, { create: () => Promise.reject(new Error("network down")) });
    await expect(storeSink(failing, "shop", "pod-2", Date.now).send([event])).rejects.toThrow("network down");
  });

  it("commit detection: the option, then CI and platform variables, then git rev-parse HEAD, else null", async () => {
    const sha = "a".repeat(40);
    expect(await detectAppCommit(sha.toUpperCase(), {}, "/")).toBe(sha);
    expect(await detectAppCommit(undefined, { GITHUB_SHA: "b".repeat(40), VERCEL_GIT_COMMIT_SHA: "c".repeat(40) }, "/")).toBe("b".repeat(40));
    expect(await detectAppCommit(undefined, { PROMPTSYNC_APP_COMMIT: "d".repeat(40), GITHUB_SHA: "b".repeat(40) }, "/")).toBe("d".repeat(40));
    expect(await detectAppCommit(undefined, { GIT_COMMIT: "not a sha" }, "/")).toBeNull();
    const app = await twoCommitApp();
    expect(await detectAppCommit(undefined, {}, app.dir)).toBe(git(app.dir, "rev-parse", "HEAD"));
    expect(await detectAppName(undefined, { PROMPTSYNC_APP_NAME: "billing" }, app.dir)).toBe("billing");
    expect(await detectAppName(undefined, {}, app.dir)).toBe("repo");
  });

  it("createTrackingMetadata and reportMetrics take the prompt or its id; bad metrics are refused at the call", async () => {
    const app = await twoCommitApp();
    const batches: TelemetryEvent[][] = [];
    const pm = new PromptManager({ registry: app.registry, project: "shop", telemetry: { sink: async (b) => void batches.push(b), flushInterval: 0 } });
    const p = await pm.getPrompt("greet", { canaryKey: "u1", tags: { locale: "fr" } });
    expect(pm.createTrackingMetadata({ promptId: p.id, context: { customer_id: "12345" } })).toEqual(pm.createTrackingMetadata({ prompt: p, context: { customer_id: "12345" } }));
    expect(pm.createTrackingMetadata({ promptId: p.id })).toMatchObject({ promptsync_alias: "production", promptsync_variant: "fr", promptsync_project: "shop" });
    // An id this manager never served still names the prompt, version and variant.
    expect(pm.createTrackingMetadata({ promptId: "other@v2.0.0#de" })).toEqual({ promptsync_project: "shop", promptsync_prompt: "other", promptsync_version: "v2.0.0", promptsync_variant: "de" });
    expect(() => pm.createTrackingMetadata({ promptId: "no-version" })).toThrow(/is not a prompt ID/);
    expect(() => pm.reportMetrics({ prompt: p, metrics: {} })).toThrow(/metrics is empty/);
    expect(() => pm.reportMetrics({ prompt: p, metrics: { latency_ms: -1 } })).toThrow(/latency_ms must be a non-negative number/);
    expect(() => pm.reportMetrics({ prompt: p, metrics: { success: 1 } })).toThrow(/success must be a boolean/);
    expect(() => pm.reportMetrics({ prompt: p, metrics: { cost: Number.NaN } })).toThrow(/metrics.cost must be a finite number or a boolean/);
    // Mistakes in the call, classed as such: a UsageError (USAGE), whichever check refused it.
    expect(() => pm.reportMetrics({ prompt: p, metrics: {} })).toThrow(UsageError);
    expect(() => pm.createTrackingMetadata({ promptId: "no-version" })).toThrow(UsageError);
    expect(() => pm.createTrackingMetadata({ promptId: 42 } as never)).toThrow(UsageError);
    pm.reportMetrics({ promptId: p.id, metrics: { success: true, latency_ms: 250, tokens: 812 } });
    await pm.close();
    expect(batches.flat().filter((e) => e.type === "metrics")).toEqual([
      expect.objectContaining({ project: "shop", prompt: "greet", version: p.version, variant: "fr", alias: "production", canary: p.canary, metrics: { success: true, latency_ms: 250, tokens: 812 } }),
    ]);
  });

  it("off unless asked for; options are checked when the manager is made, naming the option", async () => {
    const app = await twoCommitApp();
    const pm = new PromptManager({ registry: app.registry, project: "shop" });
    const prompt = await pm.getPrompt("greet");
    pm.reportMetrics({ prompt, metrics: { success: true } });
    expect(pm.telemetryStats()).toBeUndefined();
    await pm.close();
    expect(() => new PromptManager({ telemetry: { sink: "http" } })).toThrow(/`telemetry.url` is required with the http sink/);
    expect(() => new PromptManager({ telemetry: { sink: "folder" } })).toThrow(/`telemetry.dir` is required with the folder sink/);
    expect(() => new PromptManager({ telemetry: { sink: "kafka" as "http" } })).toThrow(/`telemetry.sink` \(or PROMPTSYNC_TELEMETRY_SINK\) must be/);
    expect(() => new PromptManager({ telemetry: { flushInterval: -1 } })).toThrow(/`telemetry.flushInterval` must be a non-negative number/);
    expect(() => new PromptManager({ clientId: "pod 7/a" })).toThrow(/`clientId` must be 1-64 letters/);
  });

  it("an HTTP registry with the registry sink and no telemetry.registry: the flush fails with the reason, the app never sees it", async () => {
    const pm = new PromptManager({ registry: "http://127.0.0.1:9/registry", project: "shop", retries: 0, telemetry: { flushInterval: 0 } });
    await pm.flushTelemetry();
    expect(pm.telemetryStats()).toMatchObject({ failedFlushes: 1, lastError: expect.stringContaining("HTTP registries are read-only") });
    await pm.close();
  });
});
