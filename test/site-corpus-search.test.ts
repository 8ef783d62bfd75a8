// The 225-prompt corpus with 20 versions each (issue 21): the site builds, and its library search in Debian's
// chromium finds exactly the prompts whose latest name, description, text or variables hold every word. The
// expected results are computed here from the compiled prompts; the time a search takes is measured by
// scripts/bench/library-search.ts, not here.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledPrompt } from "../src/formats/types.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { collectErrors, requireChromium, screenshot } from "./helpers/browser.ts";
import { corpusAvailable, pushCorpusVersions, revisionWord } from "./helpers/corpus-registry.ts";
import { requireComponent } from "./helpers/requirements.ts";
import { buildAndServeDashboardOf, type BuiltDashboard } from "./helpers/dashboard.ts";

const VERSIONS = 20;
const available = requireChromium() && requireComponent("the fabric-patterns corpus", corpusAvailable(), "set PROMPTSYNC_CORPUS_DIR");

describe.runIf(available)(`the corpus library, 225 prompts × ${VERSIONS} versions, in a real browser`, () => {
  let dashboard: BuiltDashboard;
  let prompts: CompiledPrompt[];

  beforeAll(async () => {
    const registry = await mkdtemp(join(tmpdir(), "promptsync-corpus-site-"));
    const store = new FolderStore(registry);
    prompts = await pushCorpusVersions(store, VERSIONS);
    dashboard = await buildAndServeDashboardOf(store, "fabric");
    await rm(registry, { recursive: true, force: true });
  }, 300_000);

  afterAll(() => dashboard?.close());

  /** The prompts whose latest version holds every word of the query, case-insensitively, in name order. */
  function expected(query: string): string[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const searchable = (p: CompiledPrompt) =>
      [p.name, p.description ?? p.title ?? "", p.content ?? "", ...p.variants.map((v) => v.content ?? ""), ...p.variables.map((v) => v.name)].join("\n").toLowerCase();
    return prompts.filter((p) => words.every((w) => searchable(p).includes(w))).map((p) => p.name).sort();
  }

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const page = await dashboard.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(dashboard.url);
    await page.waitForSelector('#library[data-index-state="ready"]', { state: "attached" });
    return { page, errors };
  }
  const shown = async (page: Page) => (await page.locator(".prompt-row:visible").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")!))).sort();

  it("lists every prompt at its 20th version", async () => {
    const { page, errors } = await open();
    expect(await page.locator(".prompt-row").count()).toBe(225);
    expect(await page.textContent("#count")).toBe("225 of 225 prompts");
    expect(await page.locator(".prompt-row td:nth-child(3)").allTextContents()).toEqual(Array(225).fill(`v0.1.${VERSIONS - 1}`));
    expect(errors).toEqual([]);
  });

  it("finds exactly the prompts whose latest content, name or variables hold every word, and marks them", async () => {
    const { page, errors } = await open();
    const queries = ["nuclei", "extract wisdom", "Markdown TABLE", "code review", "input", revisionWord(VERSIONS - 1), revisionWord(3), "analyze_bill"];
    for (const query of queries) {
      await page.fill("#search", query);
      const names = expected(query);
      expect(names.length, query).toBeGreaterThan(0);
      expect(await shown(page), query).toEqual(names);
      expect(await page.textContent("#count")).toBe(`${names.length} of 225 prompts`);
    }
    // The last version's note is in every tenth prompt; the note of version 3 stays in the prompts it was added to.
    expect(expected(revisionWord(VERSIONS - 1)).length).toBe(prompts.filter((_, i) => i % 10 === (VERSIONS - 1) % 10).length);
    expect(expected("nuclei")).toContain("write_nuclei_template_rule");
    expect(expected("analyze_bill")).toEqual(["analyze_bill", "analyze_bill_short"]);

    await page.fill("#search", "wisdom");
    const rows = page.locator(".prompt-row:visible");
    expect(await rows.count()).toBe(expected("wisdom").length);
    for (const marks of await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("mark")].map((m) => m.textContent!.toLowerCase())))) {
      expect(marks).toContain("wisdom");
    }
    await screenshot(page, "dashboard-corpus-20-versions-search");

    await page.fill("#search", "zzqx");
    expect(await shown(page)).toEqual([]);
    expect(await page.isVisible("#no-results")).toBe(true);
    expect(errors).toEqual([]);
  });
});
