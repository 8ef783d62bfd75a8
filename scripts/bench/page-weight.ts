/// <reference lib="dom" />
// What a dashboard page costs a reader: every response the browser receives while showing it, until the network is
// idle (so files a page fetches after first paint, such as the library's full-text index, are included), each
// body's size as served and gzipped (level 6, what a CDN or a bucket with gzip-encoded objects would send).
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";

export interface Weight {
  raw: number;
  gzip: number;
}

export interface Transfer extends Weight {
  path: string;
  /** Loaded by the page's scripts (fetch, a worker), not by its HTML: the library's index, pages of versions, the render preview's worker. */
  byScript: boolean;
}

export async function pageTransfers(browser: Browser, url: string): Promise<Transfer[]> {
  const page = await browser.newPage();
  const bodies: Promise<{ path: string; body: Buffer } | undefined>[] = [];
  page.on("response", (response) => {
    if (response.status() === 200) bodies.push(response.body().then((body) => ({ path: new URL(response.url()).pathname, body }), () => undefined));
  });
  await page.goto(url, { waitUntil: "networkidle" });
  const byScript = new Set(
    await page.evaluate(() =>
      (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).filter((e) => !["link", "script", "css", "img"].includes(e.initiatorType)).map((e) => new URL(e.name).pathname),
    ),
  );
  // Bodies are read from the page, so before it closes.
  const received = (await Promise.all(bodies)).filter((b) => b !== undefined);
  await page.close();
  return received.map(({ path, body }) => ({ path, raw: body.length, gzip: gzipSync(body, { level: 6 }).length, byScript: byScript.has(path) }));
}

export const total = (transfers: readonly Weight[]): Weight => ({
  raw: transfers.reduce((sum, t) => sum + t.raw, 0),
  gzip: transfers.reduce((sum, t) => sum + t.gzip, 0),
});

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function weightLine(name: string, weight: Weight, target?: number): void {
  const verdict = target === undefined ? "" : `  (target < ${kb(target)} gzipped: ${weight.gzip < target ? "met" : "MISSED"})`;
  console.log(`${name.padEnd(58)} ${kb(weight.raw)} raw, ${kb(weight.gzip)} gzipped${verdict}`);
}
