import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnalyticsTableRow } from "../src/analytics/query.ts";
import { PromptManager } from "../sdk/index.ts";
import { collectErrors, requireChromium, screenshot } from "./helpers/browser.ts";
import { cliJson } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";
import { buildAndServeDashboard, type BuiltDashboard } from "./helpers/dashboard.ts";
import { Expected, sendTraffic, twoCommitApp } from "./helpers/telemetry.ts";

const available = requireChromium();

const percent = (rate: number | null) => (rate === null ? "-" : `${(rate * 100).toFixed(1)}%`);

describe.runIf(available)("the analytics and compatibility pages in a real browser", () => {
  let dashboard: BuiltDashboard;
  let rows: AnalyticsTableRow[];

  beforeAll(async () => {
    const app = await twoCommitApp();
    const expected = new Expected();
    // The old commit's code lacks order_id, which the canary's v0.1.1 requires (incompatible); the new commit's code
    // passes it, which the stable v0.1.0 no longer reads (a warning).
    const managers = [app.oldCommit, app.newCommit].map(
      (appCommit, i) => new PromptManager({ registry: app.registry, project: "shop", appCommit, clientId: `client-${i}`, telemetry: { sink: "folder", dir: app.registry, flushInterval: 0 } }),
    );
    await Promise.all(managers.map((pm, i) => sendTraffic(pm, 300, expected, i)));
    await Promise.all(managers.map((pm) => pm.close()));
    await cliJson(app.dir, ["analytics", "build"]);
    rows = (await cliJson<{ rows: AnalyticsTableRow[] }>(app.dir, ["analytics", "greet"])).rows;
    expect(rows).toEqual(expected.rows());
    dashboard = await buildAndServeDashboard(app.dir);
  }, 120_000);

  afterAll(() => dashboard?.close());


  it("the overview lists greet with its calls, and the nav reaches it", async () => {
    const { page, errors } = await dashboard.open("/");
    await page.click("nav >> text=Analytics");
    await page.waitForURL(`${dashboard.url}/analytics/`);
    const row = page.locator('#analytics tr[data-prompt="greet"]');
    expect(await row.locator("td").nth(2).textContent()).toBe(String(rows.reduce((sum, r) => sum + r.calls, 0)));
    expect(await row.textContent()).toContain("canary");
    await screenshot(page, "dashboard-analytics");
    await row.locator("a", { hasText: "greet" }).click();
    await page.waitForURL(`${dashboard.url}/analytics/greet/`);
    expect(errors).toEqual([]);
  });

  it("the greet page charts calls, success, latency and tokens, and compares the canary with the rest exactly", async () => {
    const { page, errors } = await dashboard.open("/analytics/greet/");
    // sendTraffic reports tokens with half the reports: the fourth chart is their mean per version.
    expect(await page.locator(".chart > figcaption").allTextContents()).toEqual([
      "Calls per day by version",
      "Success rate per day by version",
      "Latency per day, all versions",
      "Mean tokens per report by version",
    ]);
    expect(await page.locator(".chart > svg").count()).toBe(4);
    expect(await page.locator(".chart > svg rect").count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator(".chart > svg circle").count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator(".chart").first().locator(".legend").textContent()).toMatch(/v0\.1\.0[\s\S]*v0\.1\.1/);

    const cell = (table: string, metric: string, side: string) => page.textContent(`#${table} tr[data-metric="${metric}"] td.${side} .value`);
    for (const r of rows) {
      const table = r.variant === null ? "canary-default" : `canary-variant-${r.variant}`;
      const side = r.canary ? "canary" : "rest";
      expect(await cell(table, "calls", side), `${table} ${side}`).toBe(String(r.calls));
      expect(await cell(table, "reports", side)).toBe(String(r.reports));
      expect(await cell(table, "successRate", side)).toBe(percent(r.successRate));
      expect(await cell(table, "p50", side)).toBe(`${r.p50} ms`);
      expect(await cell(table, "p95", side)).toBe(`${r.p95} ms`);
      expect(await cell(table, "p99", side)).toBe(`${r.p99} ms`);
    }
    for (const canary of [true, false]) {
      const calls = rows.filter((r) => r.canary === canary).reduce((sum, r) => sum + r.calls, 0);
      expect(await cell("canary-all", "calls", canary ? "canary" : "rest")).toBe(String(calls));
    }
    expect(await page.locator("#versions tbody tr").count()).toBe(rows.length);
    await screenshot(page, "dashboard-analytics-greet");

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate("document.documentElement.scrollWidth <= innerWidth")).toBe(true);
    await screenshot(page, "dashboard-analytics-greet-phone");
    expect(errors).toEqual([]);
  });

  it("the compatibility monitor shows both clients and what each serves, with the reason", async () => {
    const { page, errors } = await dashboard.open("/compatibility/");
    expect(await page.textContent("#summary")).toBe("2 clients, 1 incompatible");
    for (const [client, flagged, verdict, reason] of [
      ["client-0", "v0.1.1", "incompatible", "new required variable order_id"],
      ["client-1", "v0.1.0", "warning", "no longer reads order_id"],
    ] as const) {
      const body = page.locator(`tbody.client[data-client="${client}"]`);
      expect(await body.locator("tr").first().textContent()).toContain(verdict);
      const served = await body.locator("tr.served").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent!.trim())));
      expect(served.length).toBeGreaterThanOrEqual(2);
      for (const [prompt, status, , , reasons] of served) {
        const version = /^greet@(v[\d.]+)/.exec(prompt!)![1];
        expect(status, prompt).toBe(version === flagged ? verdict : "compatible");
        if (version === flagged) expect(reasons).toContain(reason);
      }
    }
    await screenshot(page, "dashboard-compatibility");
    expect(errors).toEqual([]);
  });
});

describe.runIf(available)("the telemetry pages before any telemetry", () => {
  it("say how to get analytics and that no client sent a heartbeat", { timeout: 120_000 }, async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "Hello {{ name }}\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    const dashboard = await buildAndServeDashboard(dir);
    try {
      expect(existsSync(join(dashboard.out, "analytics/greet"))).toBe(false);
      const page = await dashboard.browser.newPage();
      const errors = collectErrors(page);
      await page.goto(`${dashboard.url}/analytics/`);
      expect(await page.textContent("main")).toContain("No analytics yet: run promptsync analytics build");
      await page.goto(`${dashboard.url}/compatibility/`);
      expect(await page.textContent("main")).toContain("No client sent a heartbeat in the last 24 hours");
      expect(errors).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });
});
