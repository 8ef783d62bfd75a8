/// <reference lib="dom" />
// The functions these tests pass to page.evaluate run in the browser: they are type-checked with the DOM's types.
// Dashboard v2's prompt page (issue 21), in Debian's chromium: the header (kind, description, latest, each alias
// with the version it serves and its canary), one version's content at a time from a picker or a #v0.1.3 deep link,
// variants as tabs, a chat body as a conversation with placeholder slots, tools, output and settings as tables,
// partials as links, the timeline 50 versions a page; the page holds the latest version only and loads the others
// from the pages of versions beside it, which a reader without JavaScript follows from the timeline; hostile content
// stays text.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { setAlias } from "../src/registry/aliases.ts";
import { setCanary } from "../src/registry/canary-rollout.ts";
import { pushRelease } from "../src/registry/push.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { collectErrors, requireChromium, screenshot } from "./helpers/browser.ts";
import { buildAndServeDashboardOf, type BuiltDashboard } from "./helpers/dashboard.ts";

const VERSIONS = 55;
const EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

const agent = (v: number) =>
  JSON.stringify({
    description: `Answers tickets ${EVIL}`,
    messages: [
      { role: "system", content: `{% raw %}${EVIL}{% endraw %} You are {{ persona }}, revision ${v}.` },
      { placeholder: "history" },
      { role: "user", content: "{{ question }}" },
    ],
    tools: [{ name: "lookup", description: `Finds an order ${EVIL}`, parameters: { type: "object", properties: { order_id: { type: "string", description: "The order" }, filters: { type: "object", properties: { since: { type: "string" } } } }, required: ["order_id"] } }],
    output: { name: "reply", schema: { type: "object", properties: { answer: { type: "string" }, score: { type: "number" } }, required: ["answer"] } },
    model: { name: `gpt-4o-mini ${EVIL}`, temperature: 0.2 },
    config: { max_tokens: 512, stop: ["</s>"] },
    variants: [{ tags: { locale: "fr" }, messages: [{ role: "system", content: "Bonjour {{ persona }}" }, { role: "user", content: "{{ question }}" }] }],
  });

function sources(v: number) {
  return [
    { path: "history.md", text: `---\ndescription: A prompt with many versions\n---\nRevision ${v} for {{ customer }}.\n{% include "_shared/safety" %}\n` },
    { path: "_shared/safety.md", text: "Never share secrets.\n" },
    { path: "agent.yaml", text: agent(Math.min(v, 2)) },
  ];
}

describe.runIf(requireChromium())("the prompt page in a real browser", () => {
  let dashboard: BuiltDashboard;

  beforeAll(async () => {
    const registry = await mkdtemp(join(tmpdir(), "promptsync-prompt-page-"));
    const store = new FolderStore(registry);
    for (let v = 0; v < VERSIONS; v++) {
      const compiled = compilePrompts(sources(v));
      if (!compiled.ok) throw new Error(JSON.stringify(compiled));
      await pushRelease(store, { project: "shop", prompts: compiled.prompts, concurrency: 16 });
    }
    await setAlias(store, { project: "shop", alias: "production", ref: "v0.1.3" });
    await setAlias(store, { project: "shop", alias: "dev", ref: `v0.1.${VERSIONS - 1}` });
    await setCanary(store, { project: "shop", alias: "production", version: "v0.1.5", percentage: 10 });
    dashboard = await buildAndServeDashboardOf(store, "shop");
    await rm(registry, { recursive: true, force: true });
  }, 180_000);

  afterAll(() => dashboard?.close());

  async function open(path: string, options: { javaScriptEnabled?: boolean; width?: number; onRequest?: (path: string) => void } = {}): Promise<{ page: Page; errors: string[] }> {
    const context = await dashboard.browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true, viewport: { width: options.width ?? 1280, height: 900 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    if (options.onRequest) page.on("request", (request) => options.onRequest!(new URL(request.url()).pathname));
    await page.goto(`${dashboard.url}${path}`);
    return { page, errors };
  }
  const visibleVersions = (page: Page) => page.locator("details.version:visible").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.version));
  /** The versions shown once `version` is: one not on the page yet is loaded first. */
  const shownOnce = async (page: Page, version: string) => {
    await page.locator(`details.version[data-version="${version}"]`).waitFor();
    return visibleVersions(page);
  };
  const latest = `v0.1.${VERSIONS - 1}`;

  it("the header shows kind, description, latest and each alias with the version it serves and its canary", async () => {
    const { page, errors } = await open("/prompts/history/");
    expect(await page.textContent(".prompt-header .kind")).toBe("text");
    expect(await page.textContent(".prompt-header .description")).toBe("A prompt with many versions");
    expect(await page.textContent(".facts")).toContain(latest);
    const alias = (name: string) => page.textContent(`.alias[data-alias="${name}"]`).then((t) => t!.replace(/\s+/g, " ").trim());
    expect(await alias("production")).toMatch(/^production serves v0\.1\.3 canary v0\.1\.5 at 10% since \d{4}-\d\d-\d\d$/);
    expect(await alias("dev")).toBe(`dev serves ${latest}`);
    expect(await page.getAttribute('.alias[data-alias="production"] .canary a', "href")).toBe("#v0.1.5");
    expect(errors).toEqual([]);
  });

  it("shows one version at a time: the latest, the one a deep link names, the one the picker or the timeline picks", async () => {
    const { page, errors } = await open("/prompts/history/");
    expect(await visibleVersions(page)).toEqual([latest]);
    expect(await page.isVisible("#picker")).toBe(true);
    expect(await page.textContent("details.version:visible pre")).toContain(`Revision ${VERSIONS - 1} for`);

    await page.goto(`${dashboard.url}/prompts/history/#v0.1.3`);
    await page.reload();
    expect(await shownOnce(page, "v0.1.3")).toEqual(["v0.1.3"]);
    expect(await page.inputValue("#version-picker")).toBe("v0.1.3");
    expect(await page.textContent("details.version:visible pre")).toContain("Revision 3 for");

    await page.selectOption("#version-picker", "v0.1.7");
    expect(new URL(page.url()).hash).toBe("#v0.1.7");
    expect(await shownOnce(page, "v0.1.7")).toEqual(["v0.1.7"]);
    await page.goBack();
    await page.waitForFunction(() => location.hash === "#v0.1.3");
    expect(await visibleVersions(page)).toEqual(["v0.1.3"]);

    // A hash that names no version, or cannot be decoded, shows the latest.
    for (const hash of ["#v9.9.9", "#%E0%A4%A"]) {
      await page.goto(`${dashboard.url}/prompts/history/${hash}`);
      await page.reload();
      expect(await visibleVersions(page), hash).toEqual([latest]);
    }

    await page.click('.timeline a[href="#v0.1.50"]');
    expect(await shownOnce(page, "v0.1.50")).toEqual(["v0.1.50"]);
    // The partial the version uses is a link to its text under that version.
    await page.click("details.version:visible .partials a");
    expect(new URL(page.url()).hash).toBe("#partial~v0.1.50~_shared/safety");
    expect(await visibleVersions(page)).toEqual(["v0.1.50"]);
    expect(await page.textContent("details.version:visible .partial pre")).toBe("Never share secrets.\n");
    await screenshot(page, "prompt-page-deep-link");

    // A partial's anchor in a version not yet on the page loads that version.
    await page.goto(`${dashboard.url}/prompts/history/#partial~v0.1.20~_shared/safety`);
    await page.reload();
    expect(await shownOnce(page, "v0.1.20")).toEqual(["v0.1.20"]);
    expect(await page.textContent("details.version:visible .partial pre")).toBe("Never share secrets.\n");
    expect(errors).toEqual([]);
  });

  it("holds the latest version only, and loads each other one from the page of versions beside it, once", async () => {
    const requests: string[] = [];
    const { page, errors } = await open("/prompts/history/", { onRequest: (path) => requests.push(path) });
    expect(await page.locator("details.version").count()).toBe(1);
    // Opening the page fetches no page of versions: the compare loads its two versions once it comes into view (an
    // IntersectionObserver reports whether it is in view at the first frames after the page's script ran).
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await page.getAttribute("#diff", "data-compared")).toBeNull();
    expect(requests.filter((path) => path.includes("/versions."))).toEqual([]);
    await page.locator("#compare").scrollIntoViewIfNeeded();
    await page.locator(`#diff[data-compared="v0.1.${VERSIONS - 2} ${latest}"]`).waitFor({ state: "attached" });
    expect(requests.filter((path) => path.includes("/versions."))).toEqual(["/prompts/history/versions.3/"]);
    requests.length = 0;
    for (const version of ["v0.1.3", "v0.1.5", "v0.1.3"]) {
      await page.selectOption("#version-picker", version);
      expect(await shownOnce(page, version)).toEqual([version]);
    }
    // v0.1.3 and v0.1.5 share a page of versions (twenty versions a page, in push order), fetched once.
    expect(requests.filter((path) => path.includes("/versions."))).toEqual(["/prompts/history/versions.1/"]);
    expect(await page.locator("details.version").count()).toBe(3);
    expect(errors).toEqual([]);
  });

  it("a version whose page of versions cannot be loaded says so, links that page and keeps the one shown", async () => {
    const { page } = await open("/prompts/history/");
    await page.route("**/versions.*/", (route) => route.fulfill({ status: 503, body: "" }));
    await page.selectOption("#version-picker", "v0.1.3");
    await page.locator("#version-status a").waitFor();
    expect(await page.textContent("#version-status")).toBe("v0.1.3 could not be loaded here; try its page.");
    expect(new URL((await page.getAttribute("#version-status a", "href"))!, page.url()).pathname).toBe("/prompts/history/versions.1/");
    expect(await visibleVersions(page)).toEqual([latest]);
    // A failed page is asked for again next time.
    await page.unroute("**/versions.*/");
    await page.selectOption("#version-picker", "v0.1.4");
    expect(await shownOnce(page, "v0.1.4")).toEqual(["v0.1.4"]);
    expect(await page.textContent("#version-status")).toBe("");
  });

  it("pages the timeline 50 versions at a time", async () => {
    const { page, errors } = await open("/prompts/history/");
    expect(await page.locator(".timeline tbody tr").count()).toBe(VERSIONS);
    expect(await page.locator(".timeline tbody tr:visible").count()).toBe(50);
    expect(await page.textContent("#pager-status")).toBe(`1–50 of ${VERSIONS} versions`);
    expect(await page.isDisabled("#pager-prev")).toBe(true);
    await page.click("#pager-next");
    expect(await page.locator(".timeline tbody tr:visible").allTextContents()).toHaveLength(VERSIONS - 50);
    expect(await page.textContent(".timeline tbody tr:visible")).toContain("v0.1.4");
    expect(await page.textContent("#pager-status")).toBe(`51–${VERSIONS} of ${VERSIONS} versions`);
    expect(await page.isDisabled("#pager-next")).toBe(true);
    expect(errors).toEqual([]);
  });

  it("a chat prompt: variants as tabs, messages as a conversation with slots, tools, output and settings as tables; hostile text stays text", async () => {
    const { page, errors } = await open("/prompts/agent/");
    const version = page.locator("details.version:visible");
    expect(await version.locator("[role=tab]").allTextContents()).toEqual(["default", "locale=fr"]);
    expect(await version.locator(".variant:visible .message .role").allTextContents()).toEqual(["system", "user"]);
    expect(await version.locator(".variant:visible .slot").textContent()).toMatch(/Placeholder\s+history\s+required: the app's messages/);
    expect(await version.locator(".variant:visible .message").first().textContent()).toContain(EVIL.replace("{% raw %}", ""));
    const fields = await version.locator('.variant:visible .tool[data-kind="tool"] .fields tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    // The registry stores schemas with sorted keys.
    expect(fields).toEqual([
      ["filters", "object", "", ""],
      ["filters.since", "string", "", ""],
      ["order_id", "string", "yes", "The order"],
    ]);
    expect(await version.locator('.variant:visible .tool[data-kind="tool"]').textContent()).toContain(`Finds an order ${EVIL}`);
    expect(await version.locator('.variant:visible .tool[data-kind="output"] .fields tbody tr td:first-child').allTextContents()).toEqual(["answer", "score"]);
    const settings = await version.locator(".settings tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    expect(settings).toEqual([
      ["model.name", `gpt-4o-mini ${EVIL}`],
      ["model.temperature", "0.2"],
      ["config.max_tokens", "512"],
      ["config.stop", '["</s>"]'],
    ]);
    await screenshot(page, "prompt-page-chat");

    await version.locator("[role=tab]", { hasText: "locale=fr" }).click();
    expect(await version.locator(".variant:visible").count()).toBe(1);
    expect(await version.locator(".variant:visible .message").first().textContent()).toContain("Bonjour {{ persona }}");
    await page.keyboard.press("ArrowLeft");
    expect(await version.locator('[role=tab][aria-selected="true"]').textContent()).toBe("default");
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.locator("main script:not([type])").count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("a version loaded on demand looks as the latest does: tabs, conversation, tables and settings, hostile text as text", async () => {
    const { page, errors } = await open("/prompts/agent/");
    /** What a reader sees of the shown version, its version number left out. */
    const seen = () =>
      page.locator("details.version:visible").evaluate((version) => ({
        tabs: [...version.querySelectorAll("[role=tab]")].map((t) => [t.textContent, t.getAttribute("aria-selected")]),
        headings: [...version.querySelectorAll(".variant-heading")].map((h) => [h.textContent, h.className]),
        roles: [...version.querySelectorAll(".variant:not([hidden]) .message .role")].map((r) => r.textContent),
        slots: [...version.querySelectorAll(".variant:not([hidden]) .slot")].map((r) => r.textContent),
        tools: [...version.querySelectorAll(".variant:not([hidden]) .tool tr")].map((tr) => tr.textContent),
        settings: [...version.querySelectorAll(".settings tr")].map((tr) => tr.textContent),
        styles: [".message", ".tool", ".settings"].map((s) => getComputedStyle(version.querySelector(s)!).borderTopStyle + getComputedStyle(version.querySelector(s)!).display),
        text: version.querySelector(".variant:not([hidden]) .message pre")!.textContent!.replace(/revision \d+/, "revision n"),
      }));
    const ofLatest = await seen();
    await page.selectOption("#version-picker", "v0.1.1");
    await page.locator('details.version[data-version="v0.1.1"]').waitFor();
    expect(await seen()).toEqual(ofLatest);
    expect(await page.textContent("details.version:visible .message pre")).toContain("revision 1.");
    await page.locator("details.version:visible [role=tab]", { hasText: "locale=fr" }).click();
    expect(await page.textContent("details.version:visible .variant:visible .message pre")).toContain("Bonjour {{ persona }}");
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator("main img").count()).toBe(0);
    await screenshot(page, "prompt-page-loaded-version");
    expect(errors).toEqual([]);
  });

  it("without JavaScript the latest version, every variant and every timeline row are on the page, and every version one link away", async () => {
    const { page } = await open("/prompts/history/", { javaScriptEnabled: false });
    expect(await page.locator("details.version").evaluateAll((els) => els.map((e) => e.id))).toEqual([latest]);
    // The picker, the tabs and the pager need the script: without it they are not shown.
    expect(await page.isVisible("#picker")).toBe(false);
    expect(await page.isVisible("#pager")).toBe(false);
    expect(await page.locator(".timeline tbody tr:visible").count()).toBe(VERSIONS);
    // Each timeline row links to its version: the latest on this page, the others on their page of versions.
    const links = await page.locator(".timeline tbody td:first-child a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(links).toHaveLength(VERSIONS);
    const versionsOnPages = new Set<string>();
    for (const pageAddress of new Set(links.map((link) => link.split("#")[0]!))) {
      await page.goto(pageAddress);
      for (const id of await page.locator("details.version").evaluateAll((els) => els.map((e) => e.id))) versionsOnPages.add(id);
    }
    expect(versionsOnPages).toEqual(new Set(Array.from({ length: VERSIONS }, (_, v) => `v0.1.${v}`)));
    await page.goto(links.find((link) => link.endsWith("#v0.1.3"))!);
    expect(await page.textContent("details#v0\\.1\\.3 pre")).toContain("Revision 3 for");
    expect(await page.textContent("details#v0\\.1\\.3 .partial pre")).toBe("Never share secrets.\n");
    await page.goto(`${dashboard.url}/prompts/agent/`);
    expect(await page.locator("details.version[open] .variant:visible").count()).toBe(2);
    expect(await page.locator("details.version[open] [role=tablist]:visible").count()).toBe(0);
    expect(await page.locator("details.version[open] .variant-heading").allTextContents()).toEqual(["Default", expect.stringMatching(/^Variant .* locale=fr$/)]);
    await screenshot(page, "prompt-page-no-js");
  });

  it("fits a 360 px phone with no horizontal overflow", async () => {
    for (const path of ["/prompts/history/", "/prompts/agent/"]) {
      const { page, errors } = await open(path, { width: 360 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), path).toBe(true);
      await screenshot(page, `prompt-page-360-${path.split("/")[2]}`);
      expect(errors).toEqual([]);
    }
  });
});
