import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildAnalytics } from "../src/analytics/build.ts";
import { MAX_SUMMARY_METRICS, METRIC_NAME } from "../src/analytics/metrics.ts";
import { metricsTable } from "../src/analytics/query.ts";
import { promptAnalytics, readAnalyticsState } from "../src/analytics/read-summaries.ts";
import { MAX_METRIC_SUM } from "../src/analytics/saturating.ts";
import { MAX_SUMMARY_BYTES } from "../src/analytics/summary-size.ts";
import { headersFor, partitionOf, telemetryLayout } from "../src/formats/layout.ts";
import type { MetricsEvent, TelemetryEvent } from "../src/formats/telemetry-events.ts";
import type { AnalyticsSummary } from "../src/formats/types.ts";
import { FolderStore } from "../src/storage/folder.ts";
import type { RegistryStore } from "../src/storage/types.ts";
import { toNdjson } from "../src/telemetry/batch.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import type { AnalyticsMetricRow } from "../src/analytics/query.ts";
import { tempDir } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { metricsEvent, twoCommitApp, usageEvent, writeBatch } from "./helpers/telemetry.ts";

interface QueryJson {
  rows: { version: string; reports: number }[];
  metrics: AnalyticsMetricRow[];
  metricsDropped: number;
}
type BuildReport = { events: number; metrics: number; malformedLines: number; malformedLineSamples: { line: number; reason: string }[] };

/** What a test expects per version and metric, summed here from what it sent. */
class Sums {
  readonly byKey = new Map<string, { count: number; sum: number }>();
  add(version: string, metrics: Record<string, number | boolean>): void {
    for (const [metric, value] of Object.entries(metrics)) {
      if (typeof value !== "number" || metric === "latency_ms") continue;
      const key = `${version} ${metric}`;
      const total = this.byKey.get(key) ?? { count: 0, sum: 0 };
      this.byKey.set(key, { count: total.count + 1, sum: total.sum + value });
    }
  }
  get(version: string, metric: string) {
    return this.byKey.get(`${version} ${metric}`)!;
  }
}

/** The CLI's metric rows, with float sums compared to 9 decimals. */
function expectMetrics(actual: readonly AnalyticsMetricRow[], sums: Sums): void {
  const expected = [...sums.byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  expect(actual.map((m) => `${m.version} ${m.metric}`)).toEqual(expected.map(([key]) => key));
  for (const [i, [, { count, sum }]] of expected.entries()) {
    const row = actual[i]!;
    expect(row.count).toBe(count);
    expect(row.sum).toBeCloseTo(sum, 9);
    expect(row.mean).toBeCloseTo(sum / count, 9);
  }
}

/** The summary file of a prompt in a folder registry (the build deletes superseded ones: there is one). */
async function storedSummary(registry: string, prompt: string): Promise<{ path: string; summary: AnalyticsSummary }> {
  const folder = join(registry, "telemetry/shop/analytics/prompts", prompt);
  const [name, ...others] = await readdir(folder);
  expect(others).toEqual([]);
  const path = join(folder, name!);
  return { path, summary: JSON.parse(await readFile(path, "utf8")) as AnalyticsSummary };
}

describe("custom metrics in analytics", () => {
  it("numbers sent with reportMetrics are summed per version: analytics prints count, sum and mean, --json lists them, and a later build adds to them", { timeout: 120_000 }, async () => {
    const app = await twoCommitApp();
    const sums = new Sums();
    const send = async (clientId: string, calls: number, seed: number) => {
      const pm = new PromptManager({ registry: app.registry, project: "shop", clientId, telemetry: { sink: "folder", dir: app.registry, flushInterval: 0 } });
      for (let i = 0; i < calls; i++) {
        const prompt = await pm.getPrompt("greet", { canaryKey: `user-${seed}-${i}`, tags: i % 3 === 0 ? { locale: "fr" } : {} });
        const metrics = {
          success: i % 9 !== 0,
          latency_ms: 100 + i,
          tokens: 200 + ((i * 37 + seed) % 500),
          cost_usd: ((i * 13) % 7) * 0.0011 + 0.0005,
          // Not summed: a boolean.
          cached: i % 2 === 0,
          // Negative numbers add up like the others.
          ...(i % 4 === 0 && { score_delta: -((i % 5) + 0.25) }),
        };
        pm.reportMetrics(i % 2 ? { prompt, metrics } : { promptId: prompt.id, metrics });
        sums.add(prompt.version, metrics);
      }
      await pm.close();
      expect(pm.telemetryStats()).toMatchObject({ dropped: 0, failedFlushes: 0 });
    };

    await send("client-a", 120, 1);
    expect(await cliJson<BuildReport>(app.dir, ["analytics", "build"])).toMatchObject({ metrics: 120, malformedLines: 0 });
    const first = await cliJson<QueryJson>(app.dir, ["analytics", "greet"]);
    expectMetrics(first.metrics, sums);
    expect(first.metricsDropped).toBe(0);
    // Both sides of the canary reported: two versions, four metrics each (score_delta on every fourth call).
    expect(new Set(first.metrics.map((m) => m.version))).toEqual(new Set(["v0.1.0", "v0.1.1"]));

    // Stored per row as count and sum only: the mean is computed when read.
    const { summary } = await storedSummary(app.registry, "greet");
    for (const row of summary.rows) {
      expect(Object.keys(row.metrics!).sort()).toEqual(expect.arrayContaining(["cost_usd", "tokens"]));
      for (const metric of Object.values(row.metrics!)) expect(Object.keys(metric).sort()).toEqual(["count", "sum"]);
      expect(row.metricsDropped).toBeUndefined();
    }
    const stored = summary.rows.filter((r) => r.version === "v0.1.0").reduce((n, r) => n + r.metrics!.tokens!.sum, 0);
    expect(stored).toBe(sums.get("v0.1.0", "tokens").sum);

    // A second client, a second build: sums and counts add up exactly (tokens are integers).
    await send("client-b", 80, 2);
    expect(await cliJson<BuildReport>(app.dir, ["analytics", "build"])).toMatchObject({ metrics: 80 });
    const second = await cliJson<QueryJson>(app.dir, ["analytics", "greet"]);
    expectMetrics(second.metrics, sums);
    const tokens = second.metrics.find((m) => m.version === "v0.1.0" && m.metric === "tokens")!;
    expect(tokens).toEqual({ version: "v0.1.0", metric: "tokens", ...sums.get("v0.1.0", "tokens"), mean: sums.get("v0.1.0", "tokens").sum / sums.get("v0.1.0", "tokens").count });
    expect(tokens.count).toBeGreaterThan(first.metrics.find((m) => m.version === "v0.1.0" && m.metric === "tokens")!.count);

    // The text: the usual table, then one row per version and metric.
    const text = await runCli(app.dir, ["analytics", "greet"]);
    expect(text.code).toBe(0);
    const [table, metricsTable] = text.stdout.split("\n\n").slice(1);
    expect(table).toMatch(/^VERSION\s+VARIANT\s+ALIAS\s+CANARY\s+CALLS/);
    const lines = metricsTable!.trim().split("\n");
    expect(lines[0]).toMatch(/^VERSION\s+METRIC\s+COUNT\s+SUM\s+MEAN$/);
    const { count, sum } = sums.get("v0.1.0", "tokens");
    const mean = String(Number((sum / count).toPrecision(6)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^v0\\.1\\.0\\s+tokens\\s+${count}\\s+${sum}\\s+${mean.replace(".", "\\.")}$`)));
    expect(lines.filter((l) => /\bcached\b|\blatency_ms\b|\bsuccess\b/.test(l))).toEqual([]);
    expect(lines).toHaveLength(1 + second.metrics.length);

    // --version and --daily apply to the metrics too.
    const v011 = await cliJson<QueryJson>(app.dir, ["analytics", "greet", "--version", "0.1.1"]);
    expect(v011.metrics.map((m) => m.version)).toEqual(v011.metrics.map(() => "v0.1.1"));
    expect(v011.metrics.length).toBeGreaterThan(0);
    const daily = await cliJson<QueryJson>(app.dir, ["analytics", "greet", "--daily"]);
    const today = new Date().toISOString().slice(0, 10);
    expect(daily.metrics).toEqual(second.metrics.map((m) => ({ day: today, ...m })));
    expect((await runCli(app.dir, ["analytics", "greet", "--daily"])).stdout).toMatch(/DAY\s+VERSION\s+METRIC\s+COUNT\s+SUM\s+MEAN/);
  });

  it("hostile metrics written straight into the store: names past the first 32, or not names, are counted, not summed; values past the bounds are malformed lines", { timeout: 120_000 }, async () => {
    // No push: every prompt name keeps its own summary, and the build reads no registry.
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "Hi\n" });
    const registry = join(dir, ".promptsync/registry");
    const many = (from: number, to: number) => Object.fromEntries(Array.from({ length: to - from }, (_, i) => [`m${String(from + i).padStart(2, "0")}`, 1]));
    await writeBatch(registry, "hostile.ndjson.gz", [
      // 30 names, then 10 more: only 2 of those fit in the 32 a summary keeps.
      metricsEvent({ metrics: { tokens: 10, ...many(0, 29) } }),
      metricsEvent({ metrics: { tokens: 20, ...many(29, 39) } }),
      // Names a summary cannot hold (the summary schema's pattern): counted, not summed. constructor is a plain name.
      metricsEvent({ metrics: { "Tokens Used": 5, __proto__x: 1, "1st": 1, "a\u001b[2J": 1, tokens: 30 } }),
      metricsEvent({ metrics: { constructor: 7 } }),
      // Past the event schema's bounds: the whole line is malformed.
      metricsEvent({ metrics: { tokens: 1e16 } }),
      metricsEvent({ metrics: { tokens: "NaN" } }),
      JSON.stringify(metricsEvent({ metrics: { tokens: 1 } })).replace('"tokens":1', '"tokens":1e400'),
      JSON.stringify(metricsEvent({ metrics: { tokens: 1 } })).replace('"tokens":1', '"tokens":-1e400'),
      // The largest values the schema takes add up, finite.
      ...Array.from({ length: 100 }, () => metricsEvent({ metrics: { tokens: 1e15 } })),
      usageEvent({ count: 3 }),
    ]);
    const report = await cliJson<BuildReport>(dir, ["analytics", "build"]);
    expect(report).toMatchObject({ metrics: 104, malformedLines: 4 });
    expect(report.malformedLineSamples.map((l) => l.line)).toEqual([5, 6, 7, 8]);

    const result = await cliJson<QueryJson>(dir, ["analytics", "greet"]);
    const byName = new Map(result.metrics.map((m) => [m.metric, m]));
    // tokens (first seen), m00-m28 (29), then m29 and m30: 32 names. Dropped: m31-m38 (8), the 4 invalid names, and
    // constructor, a valid name that came too late.
    expect([...byName.keys()]).toEqual([...Object.keys(many(0, 31)), "tokens"]);
    expect(result.metricsDropped).toBe(8 + 4 + 1);
    // 10^17 + 60 is past 2^53: the sum is within a few units of it.
    expect(byName.get("tokens")).toMatchObject({ count: 103 });
    expect(byName.get("tokens")!.sum).toBeCloseTo(1e17 + 60, -3);
    expect(byName.get("m00")).toEqual({ version: "v0.1.0", metric: "m00", count: 1, sum: 1, mean: 1 });

    const text = await runCli(dir, ["analytics", "greet"]);
    expect(text.stdout).toContain("13 custom metric value(s) not summed: a prompt's summary keeps the first 32 metric names it sees");
    // eslint-disable-next-line no-control-regex -- finding escape sequences is the point
    expect(text.stdout).not.toMatch(/\u001b/);

    // A later batch: the names kept stay kept, new ones are dropped.
    await writeBatch(registry, "later.ndjson.gz", [metricsEvent({ metrics: { brand_new: 1, m38: 1, tokens: 5 } })]);
    await cliJson(dir, ["analytics", "build"]);
    const later = await cliJson<QueryJson>(dir, ["analytics", "greet"]);
    expect(later.metrics.find((m) => m.metric === "tokens")).toMatchObject({ count: 104, sum: expect.closeTo(1e17 + 65, -3) });
    expect(later.metrics.some((m) => m.metric === "brand_new" || m.metric === "m38")).toBe(false);
    expect(later.metricsDropped).toBe(15);
  });
});

const NOW = new Date("2026-11-24T15:30:00Z");

function metrics(ts: string, values: MetricsEvent["metrics"], version = "v1.0.0"): MetricsEvent {
  return { v: 1, type: "metrics", ts, project: "shop", client: "c1", prompt: "greet", version, variant: null, alias: "production", canary: false, metrics: values };
}

async function putBatch(store: RegistryStore, name: string, events: TelemetryEvent[]): Promise<void> {
  const key = `${telemetryLayout.partition("shop", partitionOf(NOW))}${name}.ndjson.gz`;
  await store.create(key, gzipSync(toNdjson(events)), headersFor(key));
}

const rowsOf = async (store: FolderStore) => promptAnalytics(store, (await readAnalyticsState(store, "shop"))!, "greet");

describe("custom metrics in analytics build", () => {
  it("the code's bounds are the summary schema's", async () => {
    const schema = JSON.parse(await readFile(new URL("../schemas/analytics-summary.schema.json", import.meta.url), "utf8"));
    const metricsSchema = schema.properties.rows.items.properties.metrics;
    expect(metricsSchema.propertyNames.pattern).toBe(METRIC_NAME.source);
    expect(metricsSchema.maxProperties).toBe(MAX_SUMMARY_METRICS);
    expect(schema.definitions.metricSum.properties.sum).toMatchObject({ minimum: -MAX_METRIC_SUM, maximum: MAX_METRIC_SUM });
  });

  it("the names a summary already keeps win over new names that come first in a later build", async () => {
    const root = await tempDir();
    const store = new FolderStore(root);
    // constructor and toString are plain names.
    await putBatch(store, "a", [metrics("2026-11-24T15:01:00Z", { tokens: 3, cost: 0.5, constructor: 2 })]);
    await buildAnalytics(store, "shop", { now: NOW });
    // 32 new names before tokens and cost, in one event and the next.
    const flood = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`junk${String(i).padStart(2, "0")}`, 1]));
    await putBatch(store, "b", [metrics("2026-11-24T15:02:00Z", flood), metrics("2026-11-24T15:03:00Z", { tokens: 4, cost: 0.25, extra: 9, toString: 1 })]);
    await buildAnalytics(store, "shop", { now: NOW });
    const { metrics: table, dropped } = metricsTable(await rowsOf(store));
    expect(table.filter((m) => !m.metric.startsWith("junk"))).toEqual([
      { version: "v1.0.0", metric: "constructor", count: 1, sum: 2, mean: 2 },
      { version: "v1.0.0", metric: "cost", count: 2, sum: 0.75, mean: 0.375 },
      { version: "v1.0.0", metric: "tokens", count: 2, sum: 7, mean: 3.5 },
    ]);
    // The 3 names kept, then the first 29 junk names; junk29-junk31, extra and toString are dropped.
    expect(table.filter((m) => m.metric.startsWith("junk")).map((m) => m.metric)).toEqual(Object.keys(flood).slice(0, 29));
    expect(dropped).toBe(5);
  });

  it("sums stop at ±1e30 and stay valid summaries; a summary past the schema's bounds is refused", async () => {
    const root = await tempDir();
    const store = new FolderStore(root);
    await putBatch(store, "a", [metrics("2026-11-24T15:01:00Z", { tokens: 1, debt: -1 })]);
    await buildAnalytics(store, "shop", { now: NOW });
    // As if 10^15 reports of 10^15 had been summed already.
    const { path, summary } = await storedSummary(root, "greet");
    summary.rows[0]!.metrics = { tokens: { count: 1e15, sum: 1e30 }, debt: { count: 1e15, sum: -1e30 } };
    await writeFile(path, JSON.stringify(summary));
    await putBatch(store, "b", [metrics("2026-11-24T15:02:00Z", { tokens: 1e15, debt: -1e15 })]);
    await buildAnalytics(store, "shop", { now: NOW });
    expect((await rowsOf(store))[0]!.metrics).toEqual({ debt: { count: 1e15 + 1, sum: -1e30 }, tokens: { count: 1e15 + 1, sum: 1e30 } });

    for (const metricsOfRow of [{ tokens: { count: 1, sum: 1e31 } }, { tokens: { count: 0, sum: 0 } }, { "bad name": { count: 1, sum: 1 } }, Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, { count: 1, sum: 1 }]))]) {
      const current = await storedSummary(root, "greet");
      const original = JSON.stringify(current.summary);
      current.summary.rows[0]!.metrics = metricsOfRow;
      await writeFile(current.path, JSON.stringify(current.summary));
      await expect(rowsOf(store)).rejects.toMatchObject({ code: "ANALYTICS_INVALID" });
      await writeFile(current.path, original);
    }
    // A summary written before custom metrics existed still reads.
    const current = await storedSummary(root, "greet");
    for (const row of current.summary.rows) delete row.metrics;
    await writeFile(current.path, JSON.stringify(current.summary));
    expect(metricsTable(await rowsOf(store))).toEqual({ metrics: [], dropped: 0 });
  });

  it("rows with 32 long metric names over thousands of days stay within the summary size limit: the oldest rows are left out", { timeout: 120_000 }, async () => {
    const root = await tempDir();
    const store = new FolderStore(root);
    const names = Array.from({ length: 32 }, (_, i) => `${"m".repeat(60)}${String(i).padStart(4, "0")}`);
    const values = Object.fromEntries(names.map((name, i) => [name, 123456.789 + i]));
    const day = 86_400_000;
    await putBatch(store, "days", Array.from({ length: 4000 }, (_, i) => metrics(new Date(NOW.getTime() - i * day).toISOString(), values)));
    const report = await buildAnalytics(store, "shop", { now: NOW });
    expect(report.trimmed).toEqual([{ prompt: "greet", rows: expect.any(Number) }]);
    const { path } = await storedSummary(root, "greet");
    expect((await stat(path)).size).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    const rows = await rowsOf(store);
    expect(rows.length).toBe(4000 - report.trimmed[0]!.rows);
    expect(rows.at(-1)!.day).toBe(NOW.toISOString().slice(0, 10));
    expect(Object.keys(rows.at(-1)!.metrics!)).toEqual(names);
  });

  it("two builds at once, with custom metrics and a previous summary: one publishes, the other fails with ANALYTICS_CONFLICT; nothing is counted twice", async () => {
    const root = await tempDir();
    const store = new FolderStore(root);
    await putBatch(store, "first", [metrics("2026-11-24T15:01:00Z", { tokens: 1 })]);
    await buildAnalytics(store, "shop", { now: NOW });
    for (let i = 0; i < 20; i++) await putBatch(store, `b${i}`, [metrics("2026-11-24T15:05:00Z", { tokens: 10 + i })]);
    const results = await Promise.allSettled([buildAnalytics(store, "shop", { now: NOW }), buildAnalytics(store, "shop", { now: NOW })]);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r.reason as { code: string }).code).every((code) => code === "ANALYTICS_CONFLICT")).toBe(true);
    await buildAnalytics(store, "shop", { now: NOW });
    expect(metricsTable(await rowsOf(store)).metrics).toEqual([{ version: "v1.0.0", metric: "tokens", count: 21, sum: 1 + 390, mean: 391 / 21 }]);
    expect(await store.list("telemetry/shop/analytics/prompts/")).toHaveLength(1);
  });

  it("a previous summary another build deleted before this one read it for a custom metric is ANALYTICS_CONFLICT, not ANALYTICS_INVALID", async () => {
    const root = await tempDir();
    const store = new FolderStore(root);
    await putBatch(store, "first", [metrics("2026-11-24T15:01:00Z", { tokens: 1 })]);
    await buildAnalytics(store, "shop", { now: NOW });
    await putBatch(store, "second", [metrics("2026-11-24T15:02:00Z", { tokens: 2 })]);
    // The other build runs to the end just before this one reads the summary it supersedes (and deletes).
    const racing = Object.assign(Object.create(store) as FolderStore, {
      get: async (key: string) => {
        if (key.includes("/analytics/prompts/")) await buildAnalytics(store, "shop", { now: NOW });
        return store.get(key);
      },
    });
    await expect(buildAnalytics(racing, "shop", { now: NOW })).rejects.toMatchObject({ code: "ANALYTICS_CONFLICT" });
    expect(metricsTable(await rowsOf(store)).metrics).toMatchObject([{ metric: "tokens", count: 2, sum: 3 }]);
    expect(await store.list("telemetry/shop/analytics/prompts/")).toHaveLength(1);
  });
});
