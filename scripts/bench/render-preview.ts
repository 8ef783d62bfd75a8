/// <reference lib="dom" />
// The functions passed to page.evaluate run in the browser: they are type-checked with the DOM's types.
// The dashboard's render preview in Debian's chromium: the worker script's size (raw and gzipped), then the examples'
// customer_support page's own request (#preview-request) sent straight to a fresh render worker: the first answer
// (the script loaded and run, the prompt checked and compiled) and the median of later renders, timed with
// performance.now() from postMessage to the answer. The page's 150 ms debounce of typing is not in these figures.
// Run alone (after npm run build): node scripts/bench/render-preview.ts
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { buildSite } from "../../src/dashboard/build.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { readPromptFolder } from "../../src/source/read-folder.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { launchChromium } from "../../test/helpers/browser.ts";
import { serveFolder } from "../../test/helpers/static-server.ts";
import { runAlone } from "./measure.ts";

const RENDERS = 200;
const line = (name: string, value: string) => console.log(`${name.padEnd(58)} ${value}`);
const ms = (value: number) => `${value.toFixed(2)} ms`;

export async function renderPreviewBench(work: string): Promise<void> {
  const prompts = compilePrompts(await readPromptFolder(fileURLToPath(new URL("../../examples/prompts/", import.meta.url))));
  if (!prompts.ok) throw new Error("examples did not compile");
  const store = new FolderStore(join(work, "preview-registry"));
  await pushRelease(store, { project: "bench", prompts: prompts.prompts });
  const out = join(work, "preview-site");
  await buildSite({ reader: store, project: "bench", siteDir: fileURLToPath(new URL("../../site/", import.meta.url)), outDir: out });
  const worker = await readFile(join(out, "render-worker.js"));
  line("render preview: worker script", `${(worker.length / 1024).toFixed(1)} KB raw, ${(gzipSync(worker, { level: 6 }).length / 1024).toFixed(1)} KB gzipped`);

  const site = await serveFolder(out);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${site.url}/prompts/customer_support/`);
    const { first, later } = await page.evaluate(async (renders) => {
      const base = JSON.parse(document.getElementById("preview-request")!.textContent!) as object;
      const url = document.querySelector<HTMLElement>(".render-preview")!.dataset.worker!;
      const worker = new Worker(url);
      const values = { company_name: "Acme", customer_name: "John", issue: "password reset", tone: "calm", detail_level: "brief" };
      const time = (id: number) =>
        new Promise<number>((resolve, reject) => {
          const start = performance.now();
          worker.onmessage = ({ data: { reply } }: MessageEvent<{ reply: { ok: boolean; message?: string } }>) =>
            reply.ok ? resolve(performance.now() - start) : reject(new Error(reply.message));
          worker.postMessage({ id, request: { ...base, id, tags: { locale: "en", tone: "formal" }, values: { ...values, customer_name: `John ${id}` } } });
        });
      const first = await time(0);
      const later: number[] = [];
      for (let id = 1; id <= renders; id++) later.push(await time(id));
      worker.terminate();
      return { first, later };
    }, RENDERS);
    later.sort((a, b) => a - b);
    line("render preview: first answer of a fresh worker", ms(first));
    line(`render preview: later renders, median of ${RENDERS}`, `${ms(later[Math.floor(RENDERS / 2)]!)} (p95 ${ms(later[Math.floor(RENDERS * 0.95)]!)})`);
  } finally {
    await browser.close();
    await site.close();
  }
}

if (import.meta.main) await runAlone(renderPreviewBench);
