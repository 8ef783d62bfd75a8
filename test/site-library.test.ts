/// <reference lib="dom" />
// The functions these tests pass to page.evaluate run in the browser: they are type-checked with the DOM's types.
// Dashboard v2's library (issue 21), in Debian's chromium: search over names, descriptions, content and variables
// with the matches marked, filters by alias, tag, kind and "changed in the last N days", sortable columns and
// counts; hostile names, descriptions and text stay text; without JavaScript the whole table shows.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { setAlias } from "../src/registry/aliases.ts";
import { pushRelease } from "../src/registry/push.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { collectErrors, requireChromium, screenshot } from "./helpers/browser.ts";
import { buildAndServeDashboardOf, type BuiltDashboard } from "./helpers/dashboard.ts";

const DAY = 86_400_000;
const EVIL = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>';

const FIRST = [
  { path: "greet.yaml", text: "description: Greets a customer\ncontent: Hello {{ name }}\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}\n" },
  { path: "support/triage.yaml", text: "description: Sorts tickets\nmessages:\n  - {role: system, content: 'Classify {{ ticket_text }} by urgency'}\n" },
  { path: "old/archive.md", text: "---\ndescription: An archived prompt\n---\nSummarise {{ document }} in three lines.\n" },
  { path: "evil.yaml", text: `description: '${EVIL}'\ncontent: "{% raw %}${EVIL.replaceAll('"', '\\"')}{% endraw %}"\n` },
];
const SECOND = [
  { path: "greet.yaml", text: "description: Greets a customer\ncontent: Hello {{ name }} from {{ company }}\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}\n" },
  ...FIRST.slice(1),
  { path: "new.md", text: "A brand new prompt about {{ topic }}\n" },
];

describe.runIf(requireChromium())("the library in a real browser", () => {
  let dashboard: BuiltDashboard;

  beforeAll(async () => {
    const registry = await mkdtemp(join(tmpdir(), "promptsync-library-"));
    const store = new FolderStore(registry);
    for (const [files, daysAgo] of [[FIRST, 100], [SECOND, 2]] as const) {
      const compiled = compilePrompts(files);
      if (!compiled.ok) throw new Error(JSON.stringify(compiled));
      await pushRelease(store, { project: "shop", prompts: compiled.prompts, now: new Date(Date.now() - daysAgo * DAY) });
    }
    await setAlias(store, { project: "shop", alias: "production", ref: "v0.1.0" });
    await setAlias(store, { project: "shop", alias: "dev", ref: "v0.1.1" });
    dashboard = await buildAndServeDashboardOf(store, "shop");
    await rm(registry, { recursive: true, force: true });
  }, 180_000);

  afterAll(() => dashboard?.close());

  async function open(options: { javaScriptEnabled?: boolean; width?: number } = {}): Promise<{ page: Page; errors: string[] }> {
    const context = await dashboard.browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true, viewport: { width: options.width ?? 1280, height: 800 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(dashboard.url);
    if (options.javaScriptEnabled !== false) await page.waitForSelector('#library[data-index-state="ready"]', { state: "attached" });
    return { page, errors };
  }
  const shown = (page: Page) => page.locator(".prompt-row:visible").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.name));
  const marks = (page: Page, selector: string) => page.locator(`.prompt-row:visible ${selector} mark`).allTextContents();

  it("searches names, descriptions, content and variables, and marks what matched", async () => {
    const { page, errors } = await open();
    expect(await shown(page)).toEqual(["evil", "greet", "new", "old/archive", "support/triage"]);
    expect(await page.textContent("#count")).toBe("5 of 5 prompts");

    await page.fill("#search", "TRIA");
    expect(await shown(page)).toEqual(["support/triage"]);
    expect(await marks(page, ".name")).toEqual(["tria"]);
    expect(await page.textContent("#count")).toBe("1 of 5 prompts");

    await page.fill("#search", "customer");
    expect(await shown(page)).toEqual(["greet"]);
    expect(await marks(page, ".description")).toEqual(["customer"]);
    expect(await page.isVisible(".prompt-row:visible .snippet")).toBe(false);

    // Content, a variant's included: the snippet keeps the text's own case.
    await page.fill("#search", "bonjour");
    expect(await shown(page)).toEqual(["greet"]);
    expect(await marks(page, ".snippet")).toEqual(["Bonjour"]);
    expect(await page.textContent(".prompt-row:visible .snippet")).toContain("Bonjour {{ name }}");

    await page.fill("#search", "ticket_text");
    expect(await shown(page)).toEqual(["support/triage"]);
    await page.fill("#search", "three lines");
    expect(await shown(page)).toEqual(["old/archive"]);
    expect(await marks(page, ".snippet")).toEqual(["three", "lines"]);

    await page.fill("#search", "hello ticket");
    expect(await shown(page)).toEqual([]);
    expect(await page.isVisible("#no-results")).toBe(true);
    expect(await page.textContent("#count")).toBe("0 of 5 prompts");
    await page.fill("#search", "");
    expect(await shown(page)).toHaveLength(5);
    expect(await page.locator(".prompt-row mark").count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("filters by alias, tag, kind and the days since the content changed, with counts", async () => {
    const { page, errors } = await open();
    expect(await page.locator("#kind-filter option").allTextContents()).toEqual(["Any kind", "chat (1)", "text (4)"]);
    expect(await page.locator("#alias-filter option").allTextContents()).toEqual(["Any alias", "dev (5)", "production (4)"]);
    expect(await page.locator("#tag-filter option").allTextContents()).toEqual(["Any tag", "locale=fr (1)"]);
    await page.selectOption("#kind-filter", "chat");
    expect(await shown(page)).toEqual(["support/triage"]);
    await page.selectOption("#kind-filter", "");
    await page.selectOption("#alias-filter", "production");
    expect(await shown(page)).toEqual(["evil", "greet", "old/archive", "support/triage"]);
    await page.selectOption("#alias-filter", "");
    await page.selectOption("#tag-filter", "locale=fr");
    expect(await shown(page)).toEqual(["greet"]);
    await page.selectOption("#tag-filter", "");
    await page.selectOption("#changed-filter", "7");
    expect(await shown(page)).toEqual(["greet", "new"]);
    expect(await page.textContent("#count")).toBe("2 of 5 prompts");
    await page.fill("#search", "company");
    expect(await shown(page)).toEqual(["greet"]);
    await page.selectOption("#changed-filter", "365");
    await page.fill("#search", "");
    expect(await shown(page)).toHaveLength(5);
    expect(errors).toEqual([]);
  });

  it("sorts by name, kind, latest version and change date, each way", async () => {
    const { page, errors } = await open();
    const order = () => page.locator(".prompt-row").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.name));
    await page.click('th[data-sort="name"] button');
    expect(await page.getAttribute('th[data-sort="name"]', "aria-sort")).toBe("descending");
    expect(await order()).toEqual(["support/triage", "old/archive", "new", "greet", "evil"]);
    await page.click('th[data-sort="changed"] button');
    expect(await page.getAttribute('th[data-sort="changed"]', "aria-sort")).toBe("ascending");
    expect(await page.getAttribute('th[data-sort="name"]', "aria-sort")).toBeNull();
    expect(await order()).toEqual(["evil", "old/archive", "support/triage", "greet", "new"]);
    await page.click('th[data-sort="changed"] button');
    expect(await order()).toEqual(["new", "greet", "support/triage", "old/archive", "evil"]);
    await page.click('th[data-sort="kind"] button');
    expect((await order())[0]).toBe("support/triage");
    await page.click('th[data-sort="latest"] button');
    // Every prompt's latest is v0.1.1: ties fall back to the name.
    expect(await order()).toEqual(["evil", "greet", "new", "old/archive", "support/triage"]);
    // Sorting keeps the filter: hidden rows stay hidden.
    await page.fill("#search", "bonjour");
    await page.click('th[data-sort="name"] button');
    expect(await shown(page)).toEqual(["greet"]);
    await screenshot(page, "library-search");
    expect(errors).toEqual([]);
  });

  it("keeps the search and filters in the address, so a result can be linked and survives a reload", async () => {
    const { page, errors } = await open();
    await page.fill("#search", "hello");
    await page.selectOption("#kind-filter", "text");
    expect(new URL(page.url()).search).toBe("?q=hello&kind=text");
    await page.reload();
    await page.waitForSelector('#library[data-index-state="ready"]', { state: "attached" });
    expect(await page.inputValue("#search")).toBe("hello");
    expect(await page.inputValue("#kind-filter")).toBe("text");
    expect(await shown(page)).toEqual(["greet"]);
    expect(await marks(page, ".snippet")).toEqual(["Hello"]);
    // A value no option has is "any", and hostile text in the address is only ever a search string.
    await page.goto(`${dashboard.url}/?kind=nope&q=${encodeURIComponent("<img src=x onerror=window.__pwned=1>")}`);
    await page.waitForSelector('#library[data-index-state="ready"]', { state: "attached" });
    expect(await page.inputValue("#kind-filter")).toBe("");
    expect(await shown(page)).toEqual([]);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    await page.fill("#search", "");
    await page.selectOption("#kind-filter", "");
    expect(new URL(page.url()).search).toBe("");
    expect(errors).toEqual([]);
  });

  it("hostile names, descriptions and text stay text, highlighted or not", async () => {
    const { page, errors } = await open();
    await page.fill("#search", "onerror");
    expect(await shown(page)).toEqual(["evil"]);
    expect(await page.textContent(".prompt-row:visible .description")).toBe(EVIL);
    expect(await marks(page, ".description")).toEqual(["onerror"]);
    await page.fill("#search", "pwned");
    expect(await marks(page, ".description")).toEqual(["pwned", "pwned"]);
    await page.waitForTimeout(100);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator("main img, main tbody script").count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("loads the full-text index after the page: the page holds no prompt text, and without the index names and descriptions are still searched", async () => {
    const html = await readFile(join(dashboard.out, "index.html"), "utf8");
    expect(html).not.toContain("Bonjour");
    expect(html).not.toContain("three lines");
    const index = JSON.parse(await readFile(join(dashboard.out, "library-index.json"), "utf8")) as { name: string; text: string }[];
    expect(index.map((e) => e.name)).toEqual(["evil", "greet", "new", "old/archive", "support/triage"]);
    expect(index[1]!.text).toContain("Bonjour {{ name }}");

    const context = await dashboard.browser.newContext();
    await context.route("**/library-index.json", (route) => route.abort());
    const page = await context.newPage();
    await page.goto(dashboard.url);
    await page.waitForSelector('#library[data-index-state="failed"]', { state: "attached" });
    expect(await page.isVisible("#index-note")).toBe(true);
    await page.fill("#search", "customer");
    expect(await shown(page)).toEqual(["greet"]);
    await page.fill("#search", "bonjour");
    expect(await shown(page)).toEqual([]);
    await context.close();
  });

  it("without JavaScript the whole table shows, and on a phone the page does not overflow", async () => {
    const { page } = await open({ javaScriptEnabled: false });
    expect(await page.locator(".prompt-row:visible").count()).toBe(5);
    expect(await page.isVisible("#filters")).toBe(false);
    const phone = await open({ width: 360 });
    await phone.page.fill("#search", "bonjour");
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    await screenshot(phone.page, "library-360");
    expect(phone.errors).toEqual([]);
  });
});
