/// <reference lib="dom" />
// The functions these tests pass to page.evaluate run in the browser: they are type-checked with the DOM's types.
// The render preview's runner (site/src/preview-runner.ts) in Debian's chromium, with workers that stand for what
// the SDK's render budget is there to stop: one that never answers is terminated after the timeout and the request
// that waited goes to a fresh worker; one that cannot load is reported. The SDK's renderer in the worker is tested
// through the prompt page (site-render-preview.test.ts).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { previewRunner as PreviewRunner } from "../site/src/preview-runner.ts";
import { launchChromium, requireChromium } from "./helpers/browser.ts";
import { serveFolder, type StaticServer } from "./helpers/static-server.ts";

/** Answers every request at once, but never a request for "hang": no budget stops a bare endless loop. */
const WORKER = 'onmessage = ({ data: { id, request } }) => { if (request === "hang") for (;;) {} postMessage({ id, reply: `echo ${request}` }); };';
/** Posts replies that name no request or another one, then the real reply. */
const SPOOFING_WORKER = 'onmessage = ({ data: { id, request } }) => { for (const spoof of ["spoof", { reply: "spoof" }, { id: id + 1, reply: "spoof" }, { id: String(id), reply: "spoof" }]) postMessage(spoof); postMessage({ id, reply: `echo ${request}` }); };';

describe.runIf(requireChromium())("the render preview's worker runner in a real browser", () => {
  let folder: string;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "promptsync-preview-runner-"));
    await build({
      entryPoints: [fileURLToPath(new URL("../site/src/preview-runner.ts", import.meta.url))],
      outfile: join(folder, "runner.js"),
      bundle: true,
      format: "iife",
      globalName: "runner",
      logLevel: "warning",
    });
    await writeFile(join(folder, "worker.js"), WORKER);
    await writeFile(join(folder, "spoofing-worker.js"), SPOOFING_WORKER);
    await writeFile(join(folder, "index.html"), '<!doctype html><title>runner</title><script src="runner.js"></script>');
    server = await serveFolder(folder);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  /** Sends `requests` in a row through a runner of `worker`, and returns what it reported once `until` shows up. */
  async function run(page: Page, worker: string, requests: string[], until: string): Promise<string[]> {
    await page.goto(`${server.url}/`);
    return page.evaluate(
      ({ worker, requests, until }) =>
        new Promise<string[]>((resolve) => {
          const log: string[] = [];
          const note = (line: string) => {
            log.push(line);
            if (line === until) resolve(log);
          };
          const { previewRunner } = (window as unknown as { runner: { previewRunner: typeof PreviewRunner } }).runner;
          const runner = previewRunner<string, string>(worker, 300, {
            reply: (reply) => note(`reply ${reply}`),
            stopped: (ms, request) => note(`stopped ${request} after ${ms} ms`),
            failed: (_, request) => note(`failed ${request}`),
          });
          for (const request of requests) runner.render(request);
        }),
      { worker, requests, until },
    );
  }

  it("terminates a worker that does not answer, and sends the latest waiting request to a fresh one", async () => {
    const page = await browser.newPage();
    // "first" is replaced by "second" while the hung worker runs: only the latest waiting request is sent.
    const log = await run(page, "worker.js", ["hang", "first", "second"], "reply echo second");
    expect(log).toEqual(["stopped hang after 300 ms", "reply echo second"]);
    // The page's own thread was never blocked; the fresh worker keeps answering.
    expect(await page.evaluate(() => document.title)).toBe("runner");
    expect(await run(page, "worker.js", ["one"], "reply echo one")).toEqual(["reply echo one"]);
    await page.close();
  });

  it("takes only the reply that names the request the worker is on", async () => {
    const page = await browser.newPage();
    expect(await run(page, "spoofing-worker.js", ["a", "b"], "reply echo b")).toEqual(["reply echo a", "reply echo b"]);
    await page.close();
  });

  it("reports a worker that cannot load", async () => {
    const page = await browser.newPage();
    expect(await run(page, "missing-worker.js", ["a"], "failed a")).toEqual(["failed a"]);
    await page.close();
  });
});
