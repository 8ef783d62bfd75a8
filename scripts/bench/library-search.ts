/// <reference lib="dom" />
// The functions passed to page.evaluate run in the browser: they are type-checked with the DOM's types.
// The 225-prompt corpus with 20 versions each: the site build, then the library's search in Debian's chromium. Each
// keystroke typed into the search box is one search, timed with performance.now() from the input event (a
// capturing listener on window, which runs before the page's) to the updated table laid out (a listener registered
// after the page's, which forces layout). Timed once the full-text index has loaded; the first search after it is
// printed on its own, as it runs before the engine has optimised the search code.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { buildSite } from "../../src/dashboard/build.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { launchChromium } from "../../test/helpers/browser.ts";
import { corpusAvailable, CORPUS, pushCorpusVersions } from "../../test/helpers/corpus-registry.ts";
import { serveFolder } from "../../test/helpers/static-server.ts";

const VERSIONS = 20;
const TARGET_MS = 100;
const ROUNDS = 3;
/** Words and phrases a reader of the corpus would look for, one that matches nothing, and one that matches all. */
const QUERIES = ["summary", "extract wisdom", "code review", "nuclei", "markdown table", "essay", "security threat", "json", "zzqx", "e"];

const line = (name: string, value: string) => console.log(`${name.padEnd(58)} ${value}`);
const ms = (value: number) => `${value.toFixed(1)} ms`;

export async function librarySearchBench(work: string): Promise<void> {
  if (!corpusAvailable()) {
    console.log(`corpus not found at ${CORPUS}: library search figures skipped`);
    return;
  }
  const store = new FolderStore(join(work, "corpus-site-registry"));
  await pushCorpusVersions(store, VERSIONS);
  const out = join(work, "corpus-site-out");
  const started = performance.now();
  await buildSite({ reader: store, project: "fabric", siteDir: fileURLToPath(new URL("../../site/", import.meta.url)), outDir: out });
  line(`site build, 225 corpus prompts × ${VERSIONS} versions`, `${((performance.now() - started) / 1000).toFixed(1)} s`);

  const site = await serveFolder(out);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${site.url}/`);
    await page.waitForSelector('#library[data-index-state="ready"]', { state: "attached" });
    const indexLoaded = await page.evaluate(() => (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).find((e) => e.name.endsWith("/library-index.json"))?.responseEnd ?? Number.NaN);
    line("library: full-text index loaded, after navigation start", ms(indexLoaded));
    const samples = await timeSearches(page);
    const [first, ...rest] = samples;
    const sorted = rest.sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
    line("library search: first search after the index loaded", ms(first!));
    line(
      `library search: ${sorted.length} keystrokes, ${QUERIES.length} queries × ${ROUNDS}`,
      `median ${ms(at(0.5))}, p95 ${ms(at(0.95))}, max ${ms(sorted.at(-1)!)}  (target: median < ${TARGET_MS} ms: ${at(0.5) < TARGET_MS ? "met" : "MISSED"})`,
    );
  } finally {
    await browser.close();
    await site.close();
  }
}

/** Types every query key by key, then clears the box (a search too, showing every prompt); returns each search's time. */
async function timeSearches(page: Page): Promise<number[]> {
  await page.evaluate(() => {
    const samples: number[] = [];
    let start = 0;
    const search = document.getElementById("search")!;
    window.addEventListener("input", () => (start = performance.now()), { capture: true });
    search.addEventListener("input", () => {
      void document.getElementById("library")!.getBoundingClientRect();
      samples.push(performance.now() - start);
    });
    (window as unknown as { searchSamples: number[] }).searchSamples = samples;
  });
  for (let round = 0; round < ROUNDS; round++) {
    for (const query of QUERIES) {
      await page.click("#search");
      await page.keyboard.type(query);
      await page.fill("#search", "");
    }
  }
  return page.evaluate(() => (window as unknown as { searchSamples: number[] }).searchSamples);
}
