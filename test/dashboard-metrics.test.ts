/// <reference lib="dom" />
// The functions these tests pass to page.evaluate run in the browser: they are type-checked with the DOM's types.
// Dashboard v2's analytics pages (issue 21): tokens and cost per version, as an app reports them through the SDK's
// public reportMetrics, aggregated by `promptsync analytics build` and shown by `promptsync site build`, in Debian's
// chromium; made-up metric names and extreme values stay text.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHART } from "../site/src/charts.ts";
import { PromptManager } from "../sdk/index.ts";
import { requireChromium, screenshot } from "./helpers/browser.ts";
import { cliJson } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { commitAll, gitRepo } from "./helpers/git.ts";
import { buildAndServeDashboard, type BuiltDashboard } from "./helpers/dashboard.ts";

const EVIL_NAME = "<img src=x onerror=window.__pwned=1>";
/**
 * Names a JavaScript object treats specially, a cost that goes negative and markup: the first and the last are not
 * summed (a kept name starts with a letter), the rest are, like any other.
 */
const HOSTILE = `{"__proto__": 3, "constructor": 1000000000000000, "toString": -7.5, "cost_refund": -0.25, ${JSON.stringify(EVIL_NAME)}: 1}`;

/** The documented rule: integers as they are, other numbers to 6 significant digits. */
const printed = (value: number) => (Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6))));

/** Count and sum per version and metric, computed from what the test sent. */
class ExpectedMetrics {
  readonly sums = new Map<string, Map<string, { count: number; sum: number }>>();
  dropped = 0;

  add(version: string, metrics: Record<string, number | boolean>): void {
    let ofVersion = this.sums.get(version);
    if (!ofVersion) this.sums.set(version, (ofVersion = new Map()));
    for (const [name, value] of Object.entries(metrics)) {
      if (typeof value !== "number" || name === "latency_ms") continue;
      if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) {
        this.dropped++;
        continue;
      }
      const total = ofVersion.get(name) ?? { count: 0, sum: 0 };
      ofVersion.set(name, { count: total.count + 1, sum: total.sum + value });
    }
  }

  /** In version order (the canary's salt is random, so either version may be served first). */
  rows(): { version: string; metric: string; count: number; sum: number; mean: number }[] {
    return [...this.sums].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([version, sums]) => [...sums].map(([metric, { count, sum }]) => ({ version, metric, count, sum, mean: sum / count })));
  }
}

describe.runIf(requireChromium())("tokens and cost per version on the analytics pages", () => {
  let dashboard: BuiltDashboard;
  const expected = new ExpectedMetrics();

  beforeAll(async () => {
    const dir = await gitRepo({
      "promptsync.config.yaml": "project: shop\n",
      "prompts/greet.txt": "Hello {{ name }}\n",
      "prompts/plain.txt": "Say hi\n",
    });
    await cliJson(dir, ["push", "--alias", "production"]);
    await writeFiles(dir, { "prompts/greet.txt": "Hello {{ name }}, briefly\n" });
    commitAll(dir, "greet is brief");
    await cliJson(dir, ["push"]);
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "40"]);

    const registry = `${dir}/.promptsync/registry`;
    const pm = new PromptManager({ registry, project: "shop", clientId: "shop-web", telemetry: { sink: "folder", dir: registry, flushInterval: 0 } });
    for (let i = 0; i < 200; i++) {
      const prompt = await pm.getPrompt("greet", { canaryKey: `user-${i}` });
      // The brief version uses fewer output tokens; every value is whole or a multiple of a hundred-thousandth.
      const brief = prompt.version === "v0.1.1";
      const metrics = { success: true, latency_ms: 100 + (i % 50), input_tokens: 400 + (i % 13), output_tokens: (brief ? 120 : 300) + (i % 7), cost_usd: (brief ? 0.00185 : 0.0031) + (i % 3) * 0.00001 };
      pm.reportMetrics({ prompt, metrics });
      expected.add(prompt.version, metrics);
      if (i % 50 === 0) {
        const hostile = JSON.parse(HOSTILE) as Record<string, number>;
        pm.reportMetrics({ prompt, metrics: hostile });
        expected.add(prompt.version, hostile);
      }
      const plain = await pm.getPrompt("plain", { canaryKey: `user-${i}` });
      pm.reportMetrics({ prompt: plain, metrics: { success: i % 9 !== 0, latency_ms: 80 } });
    }
    await pm.close();
    await cliJson(dir, ["analytics", "build"]);
    const cli = await cliJson<{ metrics: { version: string; metric: string; count: number; sum: number }[]; metricsDropped: number }>(dir, ["analytics", "greet"]);
    expect(new Set(cli.metrics.map((m) => m.version))).toEqual(new Set(["v0.1.0", "v0.1.1"]));
    expect(cli.metricsDropped).toBe(expected.dropped);
    dashboard = await buildAndServeDashboard(dir);
  }, 180_000);

  afterAll(() => dashboard?.close());


  it("shows each version's count, sum and mean of every metric, exactly", async () => {
    const { page, errors } = await dashboard.open("/analytics/greet/");
    const rows = expected.rows();
    expect(await page.locator("#version-metrics tbody tr").count()).toBe(rows.length);
    for (const r of rows) {
      const row = page.locator(`#version-metrics tr[data-version="${r.version}"][data-metric="${r.metric}"]`);
      const cells = await row.locator("td").allTextContents();
      expect(cells, `${r.version} ${r.metric}`).toEqual([r.version, r.metric, String(r.count), printed(r.sum), printed(r.mean)]);
    }
    expect(await page.textContent("#metrics-dropped")).toMatch(new RegExp(`^${expected.dropped} reported numbers were not summed`));
    await screenshot(page, "dashboard-analytics-metrics");
    await page.setViewportSize({ width: 360, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
    await screenshot(page, "dashboard-analytics-metrics-phone");
    expect(errors).toEqual([]);
  });

  it("charts the mean tokens and cost per report by version, never a negative mean", async () => {
    const { page, errors } = await dashboard.open("/analytics/greet/");
    const charts = page.locator("figure.chart", { hasText: "per report by version" });
    expect(await charts.locator("figcaption").allTextContents()).toEqual([
      "Mean cost_usd per report by version",
      "Mean input_tokens per report by version",
      "Mean output_tokens per report by version",
    ]);
    const rows = expected.rows();
    for (const metric of ["cost_usd", "input_tokens", "output_tokens"]) {
      const bars = await charts.filter({ hasText: `Mean ${metric} ` }).locator("rect > title").allTextContents();
      const means = rows.filter((r) => r.metric === metric).map((r) => `${r.version} ${metric}: ${Number(r.mean.toPrecision(4))}`);
      expect(bars, metric).toEqual(means);
    }
    // The cost axis is scaled to the costs, not to 1.
    const heights = await charts.filter({ hasText: "Mean cost_usd " }).locator("rect").evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("height"))));
    expect(Math.max(...heights)).toBeGreaterThan((CHART.height - CHART.top - CHART.bottom) / 2);
    const output = (version: string) => rows.find((r) => r.version === version && r.metric === "output_tokens")!.mean;
    expect(output("v0.1.1")).toBeLessThan(output("v0.1.0"));
    expect(errors).toEqual([]);
  });

  it("keeps made-up names and extreme values as text", async () => {
    const { page, errors } = await dashboard.open("/analytics/greet/");
    const names = await page.locator("#version-metrics tbody tr td:nth-child(2) code").allTextContents();
    expect(new Set(names)).toEqual(new Set(["constructor", "toString", "cost_refund", "cost_usd", "input_tokens", "output_tokens"]));
    expect(await page.locator('#version-metrics tr[data-metric="constructor"] td.mean').first().textContent()).toBe("1000000000000000");
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.textContent("main")).not.toContain(EVIL_NAME);
    expect(errors).toEqual([]);
  });

  it("leaves the section out for a prompt whose apps report no such numbers", async () => {
    const { page, errors } = await dashboard.open("/analytics/plain/");
    expect(await page.locator("#versions tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator("#version-metrics").count()).toBe(0);
    expect(await page.textContent("main")).not.toContain("Tokens, cost and other metrics");
    expect(errors).toEqual([]);
  });
});
