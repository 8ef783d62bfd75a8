/// <reference lib="dom" />
// The functions these tests pass to page.evaluate run in the browser: they are type-checked with the DOM's types.
// The prompt page's compare (issue 21) against `promptsync diff --format html` for the same pairs of versions, both
// run for real: the same semantic lines, the same side-by-side rows (removed lines paired with added ones the same
// way) and the same words marked in <del> and <ins>; hostile text stays text.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { pushRelease } from "../src/registry/push.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { collectErrors, requireChromium, screenshot } from "./helpers/browser.ts";
import { runCli } from "./helpers/cli.ts";
import { buildAndServeDashboardOf, type BuiltDashboard } from "./helpers/dashboard.ts";

const EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

/** Three versions of a chat prompt with a variant: words change inside lines, lines are added, removed and moved. */
const SUPPORT = [
  {
    messages: [
      { role: "system", content: `You are a helpful agent for {{ company }}.\nAnswer briefly.\nNever promise refunds.\n{% raw %}${EVIL}{% endraw %}` },
      { role: "user", content: "{{ question }}" },
    ],
    variants: [{ tags: { locale: "fr" }, messages: [{ role: "system", content: "Vous êtes un agent de {{ company }}.\nRépondez brièvement." }, { role: "user", content: "{{ question }}" }] }],
  },
  {
    messages: [
      { role: "system", content: `You are a patient, helpful agent for {{ company }} and {{ brand }}.\nAnswer briefly and kindly.\nCheck the order first.\nNever promise refunds or credits.\n{% raw %}${EVIL} changed{% endraw %}` },
      { placeholder: "history" },
      { role: "user", content: "{{ question }}" },
    ],
    variants: [{ tags: { locale: "fr" }, messages: [{ role: "system", content: "Vous êtes un agent patient de {{ company }}.\nRépondez brièvement." }, { role: "user", content: "{{ question }}" }] }],
  },
  {
    messages: [
      { role: "system", content: "Answer briefly and kindly.\nYou are an agent for {{ company }}.\nNever promise anything." },
      { role: "user", content: "Order {{ order_id }}: {{ question }}" },
    ],
    variants: [{ tags: { locale: "fr" }, messages: [{ role: "system", content: "Vous êtes un agent de {{ company }}." }, { role: "user", content: "{{ question }}" }] }],
  },
];

interface Shown {
  facts: string[];
  tables: { target: string; rows: { className: string; text: string; marked: string[] }[][] }[];
}

/**
 * What a compare shows, read the same way from the CLI's HTML (an h3 then its table) and from the dashboard's page
 * (a section per table, its h3 and the table in a scrolling box).
 */
function readCompare(root: { facts: string; tables: string }): Shown {
  const text = (e: Element | null | undefined) => e?.textContent ?? "";
  return {
    facts: [...document.querySelectorAll(root.facts)].map(text),
    tables: [...document.querySelectorAll(root.tables)].map((table) => ({
      target: text(table.closest(".compare-target")?.querySelector("h3") ?? table.previousElementSibling),
      rows: [...table.querySelectorAll("tbody tr")].map((tr) =>
        [...tr.querySelectorAll("td")].map((td) => ({ className: td.className, text: text(td), marked: [...td.querySelectorAll("del, ins")].map((m) => `${m.localName}:${text(m)}`) })),
      ),
    })),
  };
}

describe.runIf(requireChromium())("the prompt page's compare against promptsync diff --format html", () => {
  let dashboard: BuiltDashboard;
  let registry: string;

  beforeAll(async () => {
    registry = await mkdtemp(join(tmpdir(), "promptsync-compare-"));
    const store = new FolderStore(registry);
    for (const version of SUPPORT) {
      const compiled = compilePrompts([{ path: "support.yaml", text: JSON.stringify(version) }]);
      if (!compiled.ok) throw new Error(JSON.stringify(compiled));
      await pushRelease(store, { project: "shop", prompts: compiled.prompts });
    }
    dashboard = await buildAndServeDashboardOf(store, "shop");
  }, 180_000);

  afterAll(async () => {
    await dashboard?.close();
    await rm(registry, { recursive: true, force: true });
  });

  async function cliCompare(page: Page, from: string, to: string): Promise<Shown> {
    const result = await runCli(registry, ["diff", "support", "--version", from, "--version", to, "--format", "html", "--registry", registry, "--project", "shop"]);
    expect(result.stderr).toBe("");
    await page.setContent(result.stdout);
    return page.evaluate(readCompare, { facts: "section > ul > li", tables: "section > table" });
  }

  async function pageCompare(page: Page, from: string, to: string): Promise<Shown> {
    await page.selectOption("#from", from);
    await page.selectOption("#to", to);
    await page.locator(`#diff[data-compared="${from} ${to}"]`).waitFor({ state: "attached" });
    return page.evaluate(readCompare, { facts: "#facts > li", tables: "#diff table" });
  }

  it("shows the same lines, rows and marked words as the CLI for every pair of versions, either way", async () => {
    const cli = await dashboard.browser.newPage();
    const page = await dashboard.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${dashboard.url}/prompts/support/`);
    const versions = ["v0.1.0", "v0.1.1", "v0.1.2"];
    for (const from of versions) {
      for (const to of versions.filter((v) => v !== from)) {
        const expected = await cliCompare(cli, from, to);
        // Every pair changes the default body and the variant, with words marked on both sides.
        expect(expected.tables.map((t) => t.target)).toEqual(["default", expect.stringMatching(/^variant /)]);
        const marked = expected.tables.flatMap((t) => t.rows.flat().flatMap((cell) => cell.marked));
        expect(marked.some((m) => m.startsWith("del:"))).toBe(true);
        expect(marked.some((m) => m.startsWith("ins:"))).toBe(true);
        expect(await pageCompare(page, from, to), `${from} → ${to}`).toEqual(expected);
      }
    }
    await pageCompare(page, "v0.1.0", "v0.1.1");
    expect(await page.locator("#diff script, #diff img").count()).toBe(0);
    expect(await page.textContent("#diff")).toContain(EVIL);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator("main img").count()).toBe(0);
    await page.locator("#compare").scrollIntoViewIfNeeded();
    await screenshot(page, "prompt-page-compare");
    expect(errors).toEqual([]);
  });
});
