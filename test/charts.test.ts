import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recentDays } from "../site/src/analytics.ts";
import { CHART, lines, stackedBars, ticks, yAxis } from "../site/src/charts.ts";
import type { AnalyticsSummaryRow } from "../src/formats/types.ts";
import { collectErrors, launchChromium, requireChromium } from "./helpers/browser.ts";
import { cliJson } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fs.ts";
import { serveFolder } from "./helpers/static-server.ts";
import { twoCommitApp, usageEvent, writeBatch } from "./helpers/telemetry.ts";

const DAYS = ["11-28", "11-29", "11-30"];
const PLOT = { top: CHART.top, bottom: CHART.height - CHART.bottom, middle: CHART.top + (CHART.height - CHART.top - CHART.bottom) / 2 };

const line = (values: (number | null)[]) => ({ name: "p50", color: "#000", values });
const bar = (values: number[]) => ({ name: "v1", color: "#000", values });

describe("ticks", () => {
  it("spans the range in round steps", () => {
    expect(ticks(0, 942)).toEqual([0, 500, 1000]);
    expect(ticks(12.5, 97.3)).toEqual([0, 50, 100]);
    expect(ticks(0, 1)).toEqual([0, 0.5, 1]);
  });

  it("a single value or a constant range is one tick; no range at all is 0 to 1", () => {
    expect(ticks(250, 250)).toEqual([250]);
    expect(ticks(0, 0)).toEqual([0]);
    // What Math.min(...[]) and Math.max(...[]) give: this looped until the array could not grow.
    expect(ticks(Infinity, -Infinity)).toEqual([0, 1]);
    expect(ticks(0, -Infinity)).toEqual([0, 1]);
    expect(ticks(Number.NaN, 5)).toEqual([0, 1]);
  });

  it("ends within a few values at the edges of the number line", () => {
    for (const [lo, hi] of [[2 ** 53, 2 ** 53 + 2], [0, Number.MAX_VALUE], [-Number.MAX_VALUE, Number.MAX_VALUE], [0, Number.MIN_VALUE], [1e300, 1e300 * 1.0000001]]) {
      const axis = ticks(lo!, hi!);
      expect(axis.length, `${lo}..${hi}`).toBeLessThanOrEqual(8);
      expect(axis.at(-1)!, `${lo}..${hi}`).toBeGreaterThanOrEqual(hi!);
    }
  });
});

describe("yAxis", () => {
  it("places a single value, or a constant series, mid-height, and ignores what is not a finite number", () => {
    for (const values of [[7], [7, 7, 7], [7, Number.NaN, Infinity]]) {
      const axis = yAxis(values, false);
      expect(axis.ticks).toEqual([7]);
      expect(axis.y(7)).toBe(PLOT.middle);
    }
  });

  it("from zero, the largest value is at or under the top tick", () => {
    const axis = yAxis([120, 950], true);
    expect(axis.ticks).toEqual([0, 500, 1000]);
    expect(axis.y(0)).toBe(PLOT.bottom);
    expect(axis.y(1000)).toBe(PLOT.top);
  });
});

describe("stackedBars", () => {
  it("no labels or no series: no bars, an axis from 0 to 1", () => {
    for (const chart of [stackedBars([], [bar([])]), stackedBars(DAYS, [])]) {
      expect(chart.axis.ticks).toEqual([0, 0.5, 1]);
      expect(chart.bars.flatMap((b) => b.segments)).toEqual([]);
    }
  });

  it("a single bar fills the plot; a constant series has bars of one height", () => {
    const one = stackedBars(["11-30"], [bar([4])]);
    expect(one.bars).toMatchObject([{ label: "11-30", sum: 4, segments: [{ value: 4, y: PLOT.top, height: PLOT.bottom - PLOT.top }] }]);
    const flat = stackedBars(DAYS, [bar([5, 5, 5])]);
    expect(flat.axis.ticks).toEqual([0, 2, 4, 6]);
    const heights = new Set(flat.bars.map((b) => b.segments[0]!.height));
    expect(heights.size).toBe(1);
    expect([...heights][0]).toBeCloseTo(((PLOT.bottom - PLOT.top) * 5) / 6);
  });

  it("with no least height, fractions get an axis of their own: a cost per call is not flat", () => {
    const costs = stackedBars(["v0.1.0", "v0.1.1"], [bar([0.0031, 0.00186])], { least: 0 });
    expect(costs.axis.ticks).toEqual([0, 0.001, 0.002, 0.003, 0.004]);
    expect(costs.bars[0]!.segments[0]!.height).toBeCloseTo(((PLOT.bottom - PLOT.top) * 0.0031) / 0.004);
    // The axis labels (0.001 …) are wider than counts: the plot starts further right to leave them room.
    expect(costs.left).toBeGreaterThan(stackedBars(DAYS, [bar([5, 5, 5])]).left);
    expect(costs.bars[0]!.x).toBeGreaterThan(costs.left);
  });

  it("zero, missing and non-finite values draw nothing", () => {
    const chart = stackedBars(DAYS, [bar([0, Number.NaN])]);
    expect(chart.bars.map((b) => [b.sum, b.segments.length])).toEqual([[0, 0], [0, 0], [0, 0]]);
  });
});

describe("lines", () => {
  it("no values at all (usage without reportMetrics) is an empty chart, not a crash", () => {
    for (const fromZero of [true, false]) {
      for (const series of [[], [line([])], [line([null, null, null])], [line([null, null, null]), line([null, null, null])]]) {
        const chart = lines(DAYS, series, { fromZero, digits: 0 });
        expect(chart.empty).toBe(true);
        expect(chart.lines.flatMap((l) => l.points)).toEqual([]);
      }
    }
  });

  it("a single point is drawn mid-height with its label", () => {
    const chart = lines(DAYS, [line([null, 812, null])], { fromZero: false, digits: 0 });
    expect(chart.empty).toBe(false);
    expect(chart.lines[0]!.points).toEqual([{ i: 1, x: chart.x(1), y: PLOT.middle, label: "812" }]);
    expect(chart.lines[0]!.path).toBe(`M${chart.x(1)},${PLOT.middle}`);
  });

  it("a constant series is a flat line; from zero, it sits at its height", () => {
    const flat = lines(DAYS, [line([90, 90, 90])], { fromZero: false, digits: 1 });
    expect(new Set(flat.lines[0]!.points.map((p) => p.y))).toEqual(new Set([PLOT.middle]));
    expect(flat.lines[0]!.points.map((p) => p.label)).toEqual(["90.0", "90.0", "90.0"]);
    const zero = lines(DAYS, [line([0, 0, 0])], { fromZero: true, digits: 0 });
    expect(zero.empty).toBe(false);
    expect(zero.lines[0]!.path).toBe(DAYS.map((_, i) => `${i ? "L" : "M"}${zero.x(i)},${PLOT.middle}`).join(""));
  });

  it("a day without a value breaks the line", () => {
    const chart = lines(DAYS, [line([1, null, 3])], { fromZero: true, digits: 0 });
    expect(chart.lines[0]!.path.match(/M/g)).toHaveLength(2);
  });
});

describe("recentDays", () => {
  const row = (day: string): AnalyticsSummaryRow => ({ day, version: "v1.0.0", variant: null, alias: null, canary: false, calls: 1, reports: 0, successes: 0, failures: 0, latency: {} });

  it("a day far in the future (a summary from before builds bounded event times) adds no days", () => {
    const { rows, days } = recentDays([row("2026-11-30"), row("9999-12-31")], "2026-12-01T10:00:00Z");
    expect(rows.map((r) => r.day)).toEqual(["2026-11-30"]);
    expect(days).toEqual(["2026-11-30", "2026-12-01"]);
  });
});

describe.runIf(requireChromium())("site build with usage but no reportMetrics", () => {
  it("builds the analytics page, its latency and success charts saying there are no values", { timeout: 180_000 }, async () => {
    const app = await twoCommitApp();
    await writeBatch(app.registry, "usage.ndjson.gz", [usageEvent({ count: 12 }), usageEvent({ version: "v0.1.1", canary: true, count: 5 })]);
    await cliJson(app.dir, ["analytics", "build"]);
    const out = join(await tempDir(), "dashboard");
    await cliJson(app.dir, ["site", "build", "--out", out]);
    expect(await readFile(join(out, "analytics/greet/index.html"), "utf8")).toContain("No values.");

    const site = await serveFolder(out);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors = collectErrors(page);
      await page.goto(`${site.url}/analytics/greet/`);
      expect(await page.locator(".chart").count()).toBe(3);
      expect(await page.locator(".chart > svg rect").count()).toBe(2);
      expect(await page.locator(".chart > p.muted").allTextContents()).toEqual(["No values.", "No values."]);
      expect(await page.textContent("main")).toContain("17 calls");
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await site.close();
    }
  });
});
