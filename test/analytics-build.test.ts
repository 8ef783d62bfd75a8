import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildAnalytics } from "../src/analytics/build.ts";
import { analyticsTable } from "../src/analytics/query.ts";
import { promptAnalytics, readAnalyticsState } from "../src/analytics/read-summaries.ts";
import { headersFor, partitionOf, telemetryLayout } from "../src/formats/layout.ts";
import { FolderStore } from "../src/storage/folder.ts";
import type { RegistryStore } from "../src/storage/types.ts";
import { toNdjson } from "../src/telemetry/batch.ts";
import type { MetricsEvent, TelemetryEvent } from "../src/formats/telemetry-events.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";

const NOW = new Date("2026-11-24T15:30:00Z");

function metrics(ts: string, latency: number, success = true, project = "shop"): MetricsEvent {
  return { v: 1, type: "metrics", ts, project, client: "c1", prompt: "greet", version: "v1.0.0", variant: null, alias: "production", canary: false, metrics: { success, latency_ms: latency } };
}

async function put(store: RegistryStore, key: string, body: Uint8Array | string) {
  await store.create(key, typeof body === "string" ? new TextEncoder().encode(body) : body, headersFor(key));
}

const events = (project: string, time: Date) => telemetryLayout.partition(project, partitionOf(time));

describe("analytics build", () => {
  it("skips malformed lines and objects, counts them in its report, and aggregates the rest", async () => {
    const store = new FolderStore(await tempDir());
    const hour = events("shop", new Date("2026-11-24T10:00:00Z"));
    const good = [metrics("2026-11-24T10:01:00Z", 100), metrics("2026-11-24T10:02:00Z", 300, false)];
    const lines = [
      JSON.stringify(good[0]),
      "{not json",
      JSON.stringify({ ...good[0], metrics: { success: "yes" } }),
      JSON.stringify(metrics("2026-11-24T10:03:00Z", 5, true, "other")),
      "",
      JSON.stringify(good[1]),
      JSON.stringify({ ...good[0], prompt: "../escape" }),
      JSON.stringify({ ...good[0], prompt: "toString" }),
    ];
    await put(store, `${hour}a.ndjson`, `${lines.join("\n")}\n`);
    await put(store, `${hour}b.ndjson.gz`, "this is not gzip");
    await put(store, `${hour}c.ndjson.gz`, gzipSync(Buffer.from([0xff, 0xfe, 0x00])));
    await put(store, `${hour}notes.txt`, "left by someone");
    await put(store, `${hour}d.ndjson.gz`, gzipSync(toNdjson([metrics("2026-11-24T10:04:00Z", 200)])));

    const report = await buildAnalytics(store, "shop", { now: NOW });
    expect(report).toMatchObject({ objects: 5, events: 4, metrics: 4, malformedObjects: 3, malformedLines: 4, prompts: ["greet", "toString"] });
    expect(report.malformedLineSamples).toEqual([
      { key: `${hour}a.ndjson`, line: 2, reason: "not JSON" },
      { key: `${hour}a.ndjson`, line: 3, reason: expect.stringContaining("not a telemetry event") },
      { key: `${hour}a.ndjson`, line: 4, reason: 'an event of project "other"' },
      { key: `${hour}a.ndjson`, line: 7, reason: expect.stringContaining("not a telemetry event (/prompt must match pattern") },
    ]);
    expect(report.malformedObjectSamples.map((o) => o.key.slice(hour.length)).sort()).toEqual(["b.ndjson.gz", "c.ndjson.gz", "notes.txt"]);
    const state = (await readAnalyticsState(store, "shop"))!;
    expect(analyticsTable(await promptAnalytics(store, state, "greet"))).toEqual([
      { version: "v1.0.0", variant: null, alias: "production", canary: false, calls: 0, reports: 3, successes: 2, failures: 1, successRate: 2 / 3, p50: 200, p95: 300, p99: 300 },
    ]);
    expect(state.totals).toEqual({ objects: 5, events: 4, malformedObjects: 3, malformedLines: 4 });
    // Prompt names that are also Object.prototype members are plain names.
    expect(analyticsTable(await promptAnalytics(store, state, "toString"))).toMatchObject([{ reports: 1 }]);
    expect(await promptAnalytics(store, state, "constructor")).toEqual([]);
    expect((await buildAnalytics(store, "shop", { now: NOW })).objects).toBe(0);
  });

  it("is incremental: batches already aggregated are not read again, and counts merge exactly", async () => {
    const store = new FolderStore(await tempDir());
    const read: string[] = [];
    const counting = { ...store, url: store.url, get: (key: string) => (read.push(key), store.get(key)), head: store.head.bind(store), list: store.list.bind(store), create: store.create.bind(store), swap: store.swap.bind(store), delete: store.delete.bind(store) };
    const batch = async (time: string, name: string, list: TelemetryEvent[]) => put(store, `${events("shop", new Date(time))}${name}.ndjson.gz`, gzipSync(toNdjson(list)));
    await batch("2026-11-23T09:10:00Z", "old", [metrics("2026-11-23T09:10:00Z", 10), metrics("2026-11-23T09:11:00Z", 20)]);
    await batch("2026-11-24T15:05:00Z", "current", [metrics("2026-11-24T15:05:00Z", 30)]);

    const first = await buildAnalytics(counting, "shop", { now: NOW });
    expect(first).toMatchObject({ objects: 2, events: 3 });
    // Yesterday's hour is sealed; the current hour stays open, with the batch it read listed.
    expect(first.sealedThrough).toBe("dt=2026-11-24/hour=13");
    const state = (await readAnalyticsState(store, "shop"))!;
    expect(state.open).toEqual({ "dt=2026-11-24/hour=15": [`${events("shop", NOW)}current.ndjson.gz`] });

    read.length = 0;
    await batch("2026-11-24T15:20:00Z", "later", [metrics("2026-11-24T15:20:00Z", 40, false)]);
    const second = await buildAnalytics(counting, "shop", { now: NOW });
    expect(second).toMatchObject({ objects: 1, events: 1 });
    expect(read.filter((key) => key.includes("/events/"))).toEqual([`${events("shop", NOW)}later.ndjson.gz`]);

    const third = await buildAnalytics(counting, "shop", { now: NOW });
    expect(third).toMatchObject({ objects: 0, events: 0, prompts: [] });
    const rows = await promptAnalytics(store, (await readAnalyticsState(store, "shop"))!, "greet");
    expect(analyticsTable(rows, { daily: true }).map((r) => [r.day, r.reports, r.failures, r.p50])).toEqual([
      ["2026-11-23", 2, 0, 10],
      ["2026-11-24", 2, 1, 30],
    ]);
    // Superseded summaries are removed: one per prompt remains.
    expect(await store.list("telemetry/shop/analytics/prompts/")).toHaveLength(1);
  });

  it("two builds at once: one publishes, the other fails with ANALYTICS_CONFLICT and leaves nothing behind; nothing is counted twice", async () => {
    const store = new FolderStore(await tempDir());
    for (let i = 0; i < 20; i++) {
      await put(store, `${events("shop", NOW)}b${i}.ndjson.gz`, gzipSync(toNdjson([metrics("2026-11-24T15:05:00Z", i)])));
    }
    const results = await Promise.allSettled([buildAnalytics(store, "shop", { now: NOW }), buildAnalytics(store, "shop", { now: NOW })]);
    const failures = results.filter((r) => r.status === "rejected").map((r) => (r.reason as { code: string }).code);
    expect(failures.every((code) => code === "ANALYTICS_CONFLICT")).toBe(true);
    await buildAnalytics(store, "shop", { now: NOW });
    const rows = await promptAnalytics(store, (await readAnalyticsState(store, "shop"))!, "greet");
    expect(analyticsTable(rows)[0]).toMatchObject({ reports: 20, p50: 9 });
    expect(await store.list("telemetry/shop/analytics/prompts/")).toHaveLength(1);
  });

  it("orders versions as versions (v0.9.0 before v0.10.0, a pre-release before its release), in the stored summary and in the table", async () => {
    const store = new FolderStore(await tempDir());
    const versions = ["v0.10.0", "v1.0.0", "v0.9.0", "v1.0.0-rc.1", "v0.10.1"];
    await put(store, `${events("shop", NOW)}v.ndjson.gz`, gzipSync(toNdjson(versions.map((version) => ({ ...metrics("2026-11-24T15:05:00Z", 10), version })))));
    await buildAnalytics(store, "shop", { now: NOW });
    const rows = await promptAnalytics(store, (await readAnalyticsState(store, "shop"))!, "greet");
    const ordered = ["v0.9.0", "v0.10.0", "v0.10.1", "v1.0.0-rc.1", "v1.0.0"];
    expect(rows.map((r) => r.version)).toEqual(ordered);
    expect(analyticsTable(rows).map((r) => r.version)).toEqual(ordered);
    expect(analyticsTable([...rows].reverse()).map((r) => r.version)).toEqual(ordered);
  });

  it("the CLI: --version and --since filter the table; a prompt without events and bad options are explained", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "Hi\n" });
    const store = new FolderStore(`${dir}/.promptsync/registry`);
    const today = new Date().toISOString().slice(0, 10);
    await put(store, `${events("shop", new Date())}x.ndjson.gz`, gzipSync(toNdjson([
      metrics(`${today}T00:00:01Z`, 100),
      { ...metrics(`${today}T00:00:02Z`, 200), version: "v2.0.0" },
      metrics("2020-01-01T00:00:00Z", 999),
    ])));
    expect((await runCli(dir, ["analytics", "greet"])).stdout).toContain("No analytics for shop yet: run promptsync analytics build");
    await cliJson(dir, ["analytics", "build"]);
    const all = await cliJson<{ rows: { version: string; reports: number }[] }>(dir, ["analytics", "greet"]);
    expect(all.rows.map((r) => [r.version, r.reports])).toEqual([["v1.0.0", 2], ["v2.0.0", 1]]);
    const recent = await cliJson<{ rows: { version: string; reports: number; p99: number }[] }>(dir, ["analytics", "greet", "--version", "1.0.0", "--since", "7d"]);
    expect(recent.rows).toMatchObject([{ version: "v1.0.0", reports: 1, p99: 100 }]);
    const text = await runCli(dir, ["analytics", "greet", "--daily"]);
    expect(text.stdout).toMatch(/DAY\s+VERSION\s+VARIANT\s+ALIAS\s+CANARY\s+CALLS\s+REPORTS\s+SUCCESS\s+P50 MS\s+P95 MS\s+P99 MS/);
    expect(text.stdout).toMatch(/2020-01-01\s+v1\.0\.0\s+-\s+production\s+no\s+0\s+1\s+100\.0%\s+999\s+999\s+999/);
    expect((await runCli(dir, ["analytics", "farewell"])).stdout).toContain("No events for farewell");
    const bad = await runCli(dir, ["analytics", "greet", "--since", "last week"]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("--since last week is not a number of days (7d) or a date (2026-11-01)") });
  });
});
