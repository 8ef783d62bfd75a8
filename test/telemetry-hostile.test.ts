import { existsSync } from "node:fs";
import { readdir, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { AnalyticsBuildReport } from "../src/analytics/build.ts";
import type { AnalyticsTableRow } from "../src/analytics/query.ts";
import type { StatusReport } from "../src/status/clients.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fs.ts";
import { heartbeatEvent, metricsEvent, twoCommitApp, usageEvent, writeBatch, writeTelemetryObject } from "./helpers/telemetry.ts";

// Apps write telemetry with credentials of their own, so everything below is written straight into the registry
// folder, as any such app could, and read back through the CLI.

type BuildReport = AnalyticsBuildReport & { seconds: number; clientsForgotten: number };

const rowsOf = async (dir: string, prompt: string, ...args: string[]) => (await cliJson<{ rows: AnalyticsTableRow[] }>(dir, ["analytics", prompt, ...args])).rows;

/** What a terminal acts on instead of printing: C0 controls but newline and tab, DEL and C1. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("telemetry is hostile input to analytics build, analytics, status and the dashboard", () => {
  it("counts and latencies too large to add up are skipped line by line; the next batch is counted and everything still reads", { timeout: 120_000 }, async () => {
    const app = await twoCommitApp();
    const poison = await writeBatch(app.registry, "poison.ndjson.gz", [
      usageEvent({ count: 1e308 }),
      usageEvent({ count: 1e308 }),
      metricsEvent({ metrics: { success: true, latency_ms: 1.79e308 } }),
      metricsEvent({ metrics: { tokens: -1e300 } }),
      // JSON.parse reads this count as Infinity.
      JSON.stringify(usageEvent()).replace('"count":1', '"count":1e400'),
    ]);
    const first = await cliJson<BuildReport>(app.dir, ["analytics", "build"]);
    expect(first).toMatchObject({ objects: 1, events: 0, malformedLines: 5 });
    expect(first.malformedLineSamples).toEqual([1, 2, 3, 4, 5].map((line) => ({ key: poison, line, reason: expect.stringContaining("not a telemetry event") })));
    expect(await rowsOf(app.dir, "greet")).toEqual([]);

    await writeBatch(app.registry, "normal.ndjson.gz", [usageEvent({ count: 5 }), metricsEvent({ metrics: { success: true, latency_ms: 120 } })]);
    expect(await cliJson<BuildReport>(app.dir, ["analytics", "build"])).toMatchObject({ objects: 1, events: 2, malformedLines: 0 });
    expect(await rowsOf(app.dir, "greet")).toMatchObject([{ version: "v0.1.0", alias: "production", calls: 5, reports: 1, successes: 1, p50: 120, p99: 120 }]);
    expect(await cliJson<BuildReport>(app.dir, ["analytics", "build"])).toMatchObject({ objects: 0 });
    const out = join(await tempDir(), "dashboard");
    expect(await cliJson(app.dir, ["site", "build", "--out", out])).toMatchObject({ prompts: 1 });
    expect(existsSync(join(out, "analytics/greet/index.html"))).toBe(true);
  });

  it("a gzip bomb (1 MB inflating to 1 GiB) is skipped within a second or so, naming the limit, and the build goes on", { timeout: 60_000 }, async () => {
    const app = await twoCommitApp();
    // gunzip reads concatenated members as one stream: 1,024 copies of 1 MiB of zeros.
    const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = await writeBatch(app.registry, "bomb.ndjson.gz", Buffer.concat(Array.from({ length: 1024 }, () => member)));
    await writeBatch(app.registry, "normal.ndjson.gz", [usageEvent({ count: 3 })]);
    const report = await cliJson<BuildReport>(app.dir, ["analytics", "build"]);
    expect(report).toMatchObject({ objects: 2, usage: 1, malformedObjects: 1 });
    expect(report.malformedObjectSamples).toEqual([{ key: bomb, reason: expect.stringContaining("more than 32 MiB of text") }]);
    // Inflating the whole of it took 10 to 23 s and over 3 GB.
    expect(report.seconds).toBeLessThan(5);
    expect(await rowsOf(app.dir, "greet")).toMatchObject([{ calls: 3 }]);
  });

  it("20,000 made-up prompt names in one batch make one _unknown summary, not 20,000; so do made-up versions, variants and aliases", { timeout: 120_000 }, async () => {
    const app = await twoCommitApp();
    const madeUp = Array.from({ length: 20_000 }, (_, i) => usageEvent({ prompt: `p${i}` }));
    const strays = [{ version: "v9.9.9" }, { version: "local" }, { variant: "xx" }, { alias: "nope" }, { prompt: "greet/sub" }].map((f) => usageEvent({ ...f, count: 10 }));
    const real = [usageEvent({ count: 3 }), usageEvent({ variant: "fr", count: 2 }), usageEvent({ version: "v0.1.1", canary: true, count: 4 })];
    await writeBatch(app.registry, "names.ndjson.gz", [...madeUp, ...strays, ...real, metricsEvent({ prompt: "ghost" })]);

    const report = await cliJson<BuildReport>(app.dir, ["analytics", "build"]);
    expect(report).toMatchObject({ events: 20_009, unknown: 20_006, prompts: ["_unknown", "greet"] });
    expect(await readdir(join(app.registry, "telemetry/shop/analytics/prompts"))).toEqual(["_unknown", "greet"]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await rowsOf(app.dir, "_unknown", "--daily")).toMatchObject([{ day: today, version: "-", variant: null, alias: null, canary: false, calls: 20_050, reports: 1 }]);
    expect((await rowsOf(app.dir, "greet")).map((r) => [r.version, r.variant, r.canary, r.calls])).toEqual([
      ["v0.1.0", null, false, 3],
      ["v0.1.0", "fr", false, 2],
      ["v0.1.1", null, true, 4],
    ]);
  });

  it("a batch of events on 90,000 different days cannot make a summary too large to read back: its oldest rows are left out", { timeout: 120_000 }, async () => {
    const app = await twoCommitApp();
    const day = 86_400_000;
    const events = Array.from({ length: 90_000 }, (_, i) => metricsEvent({ ts: new Date(Date.now() - i * day).toISOString(), metrics: { latency_ms: i } }));
    await writeBatch(app.registry, "days.ndjson.gz", events);
    const report = await cliJson<BuildReport>(app.dir, ["analytics", "build"]);
    expect(report).toMatchObject({ metrics: 90_000, trimmed: [{ prompt: "greet", rows: expect.any(Number) }] });
    const folder = join(app.registry, "telemetry/shop/analytics/prompts/greet");
    const [summary] = await readdir(folder);
    expect((await stat(join(folder, summary!))).size).toBeLessThanOrEqual(8 * 1024 * 1024);
    const kept = 90_000 - report.trimmed[0]!.rows;
    expect(kept).toBeGreaterThan(10_000);
    expect(await rowsOf(app.dir, "greet")).toMatchObject([{ reports: kept }]);
    // The newest days stay: today's report had latency 0.
    expect(await rowsOf(app.dir, "greet", "--since", "1d")).toMatchObject([{ reports: 1, p50: 0 }]);

    await writeBatch(app.registry, "next.ndjson.gz", [usageEvent({ count: 2 })]);
    expect(await cliJson<BuildReport>(app.dir, ["analytics", "build"])).toMatchObject({ usage: 1, prompts: ["greet"] });
    expect(await rowsOf(app.dir, "greet", "--since", "1d")).toMatchObject([{ calls: 2, reports: 1 }]);
  });

  it("a heartbeat or an event dated 9999-12-31 is as old as its object: status leaves it out, --forget-clients deletes it", { timeout: 120_000 }, async () => {
    const app = await twoCommitApp();
    const future = "9999-12-31T23:59:59Z";
    const pointer = join(app.registry, await writeTelemetryObject(app.registry, "telemetry/shop/clients/forever.json", JSON.stringify(heartbeatEvent({ client: "forever", ts: future }))));
    const stored = new Date(Date.now() - 2 * 3_600_000);
    await utimes(pointer, stored, stored);
    await writeBatch(app.registry, "future.ndjson.gz", [usageEvent({ ts: future, count: 7 })]);

    expect(JSON.parse((await runCli(app.dir, ["status", "--json"])).stdout)).toMatchObject({ clients: [] });
    const older = JSON.parse((await runCli(app.dir, ["status", "--since", "3h", "--json"])).stdout) as StatusReport;
    expect(older.clients.map((c) => [c.client, c.lastSeen])).toEqual([["forever", (await stat(pointer)).mtime.toISOString()]]);

    expect(await cliJson<BuildReport>(app.dir, ["analytics", "build", "--forget-clients", "1h"])).toMatchObject({ usage: 1, clientsForgotten: 1 });
    expect(existsSync(pointer)).toBe(false);
    expect((await rowsOf(app.dir, "greet", "--daily")).map((r) => [r.day, r.calls])).toEqual([[new Date().toISOString().slice(0, 10), 7]]);
  });

  it("status and analytics build print no terminal escape sequences taken from telemetry", { timeout: 120_000 }, async () => {
    const app = await twoCommitApp();
    const hostile = "\u001b]0;owned\u0007\u001b[2J\u001b[31mweb\u009b0m\u0000";
    await writeTelemetryObject(app.registry, "telemetry/shop/clients/c1.json", JSON.stringify(heartbeatEvent({ app: hostile, host: hostile, sdk: hostile })));
    await writeBatch(app.registry, "escapes.ndjson.gz", [metricsEvent({ metrics: { "\u001b[2J\u001b[H": "x" } })]);

    const status = await runCli(app.dir, ["status"]);
    expect(status.stdout).toMatch(/c1\s+web0m/);
    expect(status.stdout).not.toMatch(CONTROL);
    const build = await runCli(app.dir, ["analytics", "build"]);
    expect(build.stdout).toContain("Skipped 0 malformed object(s) and 1 malformed line(s)");
    expect(build.stdout).not.toMatch(CONTROL);
  });
});
