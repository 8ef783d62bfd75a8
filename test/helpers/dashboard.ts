import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { buildSite } from "../../src/dashboard/build.ts";
import type { RegistryReader } from "../../src/storage/types.ts";
import { collectErrors, launchChromium } from "./browser.ts";
import { cliJson } from "./cli.ts";
import { serveFolder } from "./static-server.ts";

export interface BuiltDashboard {
  url: string;
  /** The built site's folder. */
  out: string;
  browser: Browser;
  /** A new page at `path` of the site, with the console errors and failed requests collectErrors gathers. */
  open(path: string): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/**
 * `promptsync site build` for the project in `dir`, served on loopback, with a browser. The site lives outside the
 * per-test temporary folders, which are removed after each test, since every test of a file reads it.
 */
export async function buildAndServeDashboard(dir: string): Promise<BuiltDashboard> {
  const out = await mkdtemp(join(tmpdir(), "promptsync-dashboard-"));
  await cliJson(dir, ["site", "build", "--out", out]);
  return serveDashboard(out);
}

/** The same, built in this process from a registry the test wrote directly (buildSite), for pages that need many versions. */
export async function buildAndServeDashboardOf(reader: RegistryReader, project: string): Promise<BuiltDashboard> {
  const out = await mkdtemp(join(tmpdir(), "promptsync-dashboard-"));
  await buildSite({ reader, project, siteDir: fileURLToPath(new URL("../../site/", import.meta.url)), outDir: out });
  return serveDashboard(out);
}

async function serveDashboard(out: string): Promise<BuiltDashboard> {
  const site = await serveFolder(out);
  const browser = await launchChromium();
  return {
    url: site.url,
    out,
    browser,
    open: async (path) => {
      const page = await browser.newPage();
      const errors = collectErrors(page);
      await page.goto(`${site.url}${path}`);
      return { page, errors };
    },
    close: async () => {
      await browser.close();
      await site.close();
      await rm(out, { recursive: true, force: true });
    },
  };
}
