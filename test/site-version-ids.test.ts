/// <reference lib="dom" />
// The functions these tests pass to page.evaluate run in the browser: they are type-checked with the DOM's types.
// Ids inside a version on the prompt page, in Debian's chromium. v0.1.0-rc-body-0 is a valid version, and it once was
// the id of v0.1.0-rc's first variant panel too: with v0.1.0-rc-body-0 the latest, on the page first, v0.1.0-rc's tabs
// hid and showed that version instead. v0.1.0-rc-a's partial d/_x and v0.1.0-rc's partial a-d/_x once had the same
// anchor. Showing one version never shows another's content, and each partial's anchor opens its own version.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { pushRelease } from "../src/registry/push.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { requireChromium } from "./helpers/browser.ts";
import { buildAndServeDashboardOf, type BuiltDashboard } from "./helpers/dashboard.ts";

/** Each version with the partial its prompt includes. */
const VERSIONS: [string, string][] = [
  ["v0.1.0-rc", "a-d/_x"],
  ["v0.1.0-rc-a", "d/_x"],
  ["v0.1.0-rc-body-0", "d/_x"],
];

const sources = (version: string, partial: string) => [
  { path: "ids.yaml", text: JSON.stringify({ content: `Default of ${version} {% include "${partial}" %}`, variants: [{ tags: { locale: "fr" }, content: `Variant of ${version}` }] }) },
  { path: `${partial}.md`, text: `Partial of ${version}\n` },
];

describe.runIf(requireChromium())("ids inside a version on the prompt page", () => {
  let dashboard: BuiltDashboard;

  beforeAll(async () => {
    const registry = await mkdtemp(join(tmpdir(), "promptsync-version-ids-"));
    const store = new FolderStore(registry);
    for (const [version, partial] of VERSIONS) {
      const compiled = compilePrompts(sources(version, partial));
      if (!compiled.ok) throw new Error(JSON.stringify(compiled));
      await pushRelease(store, { project: "shop", prompts: compiled.prompts, version });
    }
    dashboard = await buildAndServeDashboardOf(store, "shop");
    await rm(registry, { recursive: true, force: true });
  }, 180_000);

  afterAll(() => dashboard?.close());

  /** The versions and the variants' text that a reader sees. */
  const visible = async (page: Page) => ({
    versions: await page.locator("details.version:visible").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.version)),
    text: await page.locator("details.version:visible .variant:visible pre").allTextContents(),
  });

  it("showing a version and going through its variants never shows another version's content", async () => {
    const { page, errors } = await dashboard.open("/prompts/ids/");
    // Twice round, so that each version's tabs run with every other version already on the page.
    for (const [version] of [...VERSIONS, ...VERSIONS]) {
      await page.selectOption("#version-picker", version);
      await page.locator(`details.version[data-version="${version}"]:visible`).waitFor();
      expect(await visible(page)).toEqual({ versions: [version], text: [expect.stringContaining(`Default of ${version}`)] });
      await page.click(`details.version:visible [role=tab]:text-is("locale=fr")`);
      expect(await visible(page)).toEqual({ versions: [version], text: [`Variant of ${version}`] });
      await page.click(`details.version:visible [role=tab]:text-is("default")`);
      expect(await visible(page)).toEqual({ versions: [version], text: [expect.stringContaining(`Default of ${version}`)] });
    }
    expect(errors).toEqual([]);
  });

  it("a partial's anchor opens the version it belongs to, and a version's own link still does", async () => {
    const { page, errors } = await dashboard.open("/prompts/ids/");
    for (const [version, partial] of VERSIONS) {
      for (const hash of [`#partial~${version}~${partial}`, `#${version}`]) {
        await page.goto(`${dashboard.url}/prompts/ids/${hash}`);
        await page.reload();
        await page.locator(`details.version[data-version="${version}"]:visible`).waitFor();
        expect((await visible(page)).versions, hash).toEqual([version]);
      }
      expect(await page.textContent("details.version:visible .partial pre")).toBe(`Partial of ${version}\n`);
      expect(await page.getAttribute("details.version:visible .partials a", "href")).toBe(`#partial~${version}~${partial}`);
    }
    expect(errors).toEqual([]);
  });
});
