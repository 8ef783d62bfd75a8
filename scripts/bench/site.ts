// The dashboard build at scale: 500 prompts × 20 versions; from version k on, prompt i changes in every
// version once k reaches i mod 20, so later versions carry many distinct contents. Then what the library and a
// prompt page weigh in the browser.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { buildSite } from "../../src/dashboard/build.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { launchChromium } from "../../test/helpers/browser.ts";
import { serveFolder } from "../../test/helpers/static-server.ts";
import { pageTransfers, total, weightLine } from "./page-weight.ts";

const PROMPTS = 500;
/** The library's budget, gzipped, for 500 prompts (issue 21). */
const LIBRARY_TARGET = 300 * 1024;
const VERSIONS = 20;

export async function siteBench(work: string): Promise<void> {
  const store = new FolderStore(join(work, "site-registry"));
  for (let v = 0; v < VERSIONS; v++) {
    const sources = Array.from({ length: PROMPTS }, (_, i) => ({
      path: `group${i % 10}/prompt${i}.md`,
      text: `---\ndescription: Prompt ${i}\n---\nYou are assistant ${i} for {{ company }}.\nRevision ${i % VERSIONS <= v ? v : 0} of the guidance for {{ customer }}.\n${"Be precise and kind. ".repeat(20)}\n`,
    }));
    const compiled = compilePrompts(sources);
    if (!compiled.ok) throw new Error("site bench prompts did not compile");
    await pushRelease(store, { project: "bench", prompts: compiled.prompts, concurrency: 64 });
  }
  const out = join(work, "site-out");
  const started = performance.now();
  await buildSite({ reader: store, project: "bench", siteDir: fileURLToPath(new URL("../../site/", import.meta.url)), outDir: out });
  const seconds = (performance.now() - started) / 1000;
  const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const bytes = (await Promise.all(files.map((f) => stat(join(f.parentPath, f.name))))).reduce((sum, s) => sum + s.size, 0);
  console.log(`${`site build, ${PROMPTS} prompts × ${VERSIONS} versions`.padEnd(58)} ${seconds.toFixed(1)} s, ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB  (target < 10 s: ${seconds < 10 ? "met" : "MISSED"})`);
  await printPageWeights(out);
}

/** The library and the page of a prompt with 20 distinct versions: what their HTML loads, then what their scripts load. */
async function printPageWeights(out: string): Promise<void> {
  const site = await serveFolder(out);
  const browser = await launchChromium();
  try {
    for (const [name, path, target] of [
      [`library page, ${PROMPTS} prompts`, "/", LIBRARY_TARGET],
      [`prompt page with ${VERSIONS} distinct versions`, "/prompts/group0/prompt0/", undefined],
    ] as const) {
      const transfers = await pageTransfers(browser, `${site.url}${path}`);
      weightLine(`${name}: HTML, CSS, scripts`, total(transfers.filter((t) => !t.byScript)), target);
      const later = transfers.filter((t) => t.byScript);
      weightLine(`  then loaded by its scripts: ${later.map((t) => t.path.split("/").filter(Boolean).at(-1)).join(", ") || "nothing"}`, total(later));
    }
  } finally {
    await browser.close();
    await site.close();
  }
}
