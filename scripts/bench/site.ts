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
import { LIBRARY_INDEX } from "../../site/src/library.ts";
import { launchChromium } from "../../test/helpers/browser.ts";
import { serveFolder } from "../../test/helpers/static-server.ts";
import { pageTransfers, total, weightLine, type Transfer } from "./page-weight.ts";

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

/** The library (its first paint, then the full-text index it loads after) and the page of a prompt with 20 distinct versions. */
async function printPageWeights(out: string): Promise<void> {
  const site = await serveFolder(out);
  const browser = await launchChromium();
  try {
    const library = await pageTransfers(browser, `${site.url}/`);
    const isIndex = (t: Transfer) => t.path.endsWith(`/${LIBRARY_INDEX}`);
    weightLine(`library page, ${PROMPTS} prompts (HTML, CSS, scripts)`, total(library.filter((t) => !isIndex(t))), LIBRARY_TARGET);
    weightLine("library full-text index, fetched after first paint", total(library.filter(isIndex)));
    weightLine(`prompt page with ${VERSIONS} distinct versions`, total(await pageTransfers(browser, `${site.url}/prompts/group0/prompt0/`)));
  } finally {
    await browser.close();
    await site.close();
  }
}
