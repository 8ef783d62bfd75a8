import { existsSync } from "node:fs";
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setCanary } from "../src/registry/canary-rollout.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { collectErrors, requireChromium, screenshot } from "./helpers/browser.ts";
import { cliJson } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { commitAll, gitRepo } from "./helpers/git.ts";
import { buildAndServeDashboard, type BuiltDashboard } from "./helpers/dashboard.ts";

const available = requireChromium();
const CORPUS = resolve(process.env.PROMPTSYNC_CORPUS_DIR ?? new URL("../../shared/corpus/fabric-patterns", import.meta.url).pathname);

describe.runIf(available)("the dashboard in a real browser", () => {
  let dashboard: BuiltDashboard;

  beforeAll(async () => {
    const dir = await gitRepo({
      "promptsync.config.yaml": "project: shop\n",
      "prompts/greet.yaml": "description: Greets a customer\ncontent: |\n  Hello {{ name }}!\n  Welcome.\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}\n",
      "prompts/evil.txt": '{% raw %}<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"></textarea>{% endraw %}\n',
      "prompts/support/triage.yaml": "messages:\n  - {role: system, content: 'Classify {{ ticket }}'}\n",
    });
    await cliJson(dir, ["push", "--alias", "production"]);
    await writeFiles(dir, { "prompts/greet.yaml": "description: Greets a customer\ncontent: |\n  Hello {{ name }} from {{ company }}!\n  Welcome.\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}\n" });
    commitAll(dir, "Greet names the company");
    await cliJson(dir, ["push", "--alias", "dev"]);
    await setCanary(new FolderStore(join(dir, ".promptsync/registry")), { project: "shop", alias: "production", version: "v0.1.1", percentage: 25 });
    dashboard = await buildAndServeDashboard(dir);
  }, 120_000);

  afterAll(() => dashboard?.close());

  it("the library lists every prompt and search narrows it", async () => {
    const page = await dashboard.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(dashboard.url);
    await page.waitForSelector('#library[data-index-state="ready"]', { state: "attached" });
    expect(await page.locator(".prompt-row").count()).toBe(3);
    await page.fill("#search", "bonjour");
    expect(await page.locator(".prompt-row:visible").allTextContents()).toEqual([expect.stringContaining("greet")]);
    expect(await page.textContent("#count")).toBe("1 of 3 prompts");
    await page.fill("#search", "");
    await page.selectOption("#tag-filter", "locale=fr");
    expect(await page.locator(".prompt-row:visible").count()).toBe(1);
    await screenshot(page, "dashboard-library");

    expect(errors).toEqual([]);
  });

  it("a prompt page shows its versions, and comparing two shows the changed line", async () => {
    const page = await dashboard.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${dashboard.url}/prompts/greet/`);
    expect(await page.locator(".timeline tbody tr").allTextContents()).toEqual([
      expect.stringContaining("v0.1.1"),
      expect.stringContaining("v0.1.0"),
    ]);
    expect(await page.textContent(".timeline")).toContain("variables: added company");
    await page.locator("#compare").scrollIntoViewIfNeeded();
    await page.locator('#diff[data-compared="v0.1.0 v0.1.1"]').waitFor({ state: "attached" });
    // What promptsync diff says of the pair, breaking changes marked as it marks them.
    expect(await page.locator("#facts li").allTextContents()).toEqual(["variables: added company", "BREAKING: new required variable company (give a default, or update the code)"]);
    // The removed line beside the added one, the words that changed marked (site-compare.test.ts checks them).
    expect(await page.locator("#diff tr.changed td.del").allTextContents()).toEqual(["Hello {{ name }}!"]);
    expect(await page.locator("#diff tr.changed td.ins").allTextContents()).toEqual(["Hello {{ name }} from {{ company }}!"]);
    expect(await page.locator("#diff tr.changed ins").count()).toBeGreaterThan(0);
    await page.selectOption("#from", "v0.1.1");
    await page.selectOption("#to", "v0.1.0");
    await page.locator('#diff[data-compared="v0.1.1 v0.1.0"]').waitFor({ state: "attached" });
    expect(await page.locator("#facts li").allTextContents()).toEqual(["variables: removed company"]);
    await page.selectOption("#from", "v0.1.0");
    await page.selectOption("#to", "v0.1.1");
    await screenshot(page, "dashboard-prompt");
    expect(errors).toEqual([]);
  });

  it("the aliases page shows the canary and its percentage", async () => {
    const page = await dashboard.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${dashboard.url}/aliases/`);
    expect(await page.textContent("#alias-production .canary")).toMatch(/Canary: v0\.1\.1 at 25%/);
    expect(await page.textContent("#alias-production")).toContain("promptsync canary promote --alias production");
    await screenshot(page, "dashboard-aliases");
    expect(errors).toEqual([]);
  });

  it("a prompt with <script> renders as text and never runs", async () => {
    const page = await dashboard.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${dashboard.url}/prompts/evil/`);
    await page.waitForTimeout(200);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.textContent(".version pre")).toContain("<script>window.__pwned = 1</script>");
    await screenshot(page, "dashboard-escaped");
    expect(errors).toEqual([]);
  });
});

describe("the dashboard build", () => {
  it("puts no credential from the environment in its output", { timeout: 120_000 }, async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/a.txt": "Hello {{ name }}\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    const secrets = { AWS_ACCESS_KEY_ID: "AKIASECRETKEYID12345", AWS_SECRET_ACCESS_KEY: "s3cr3t-never-in-the-site", AWS_SESSION_TOKEN: "session-token-never-in-the-site" };
    const out = join(dir, "dashboard");
    await cliJson(dir, ["site", "build", "--out", out], secrets);
    const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const text = await readFile(join(file.parentPath, file.name), "utf8");
      for (const secret of Object.values(secrets)) expect(text, file.name).not.toContain(secret);
    }
  });
});

describe.runIf(available && existsSync(CORPUS))("the corpus dashboard", () => {
  it("builds the 225-prompt corpus, and its library loads and searches in the browser", { timeout: 180_000 }, async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: fabric\n" });
    await cp(CORPUS, join(dir, "prompts"), { recursive: true });
    for (const file of ["sanitize_broken_html_to_markdown.md", "write_nuclei_template_rule.md"]) {
      const path = join(dir, "prompts", file);
      await writeFile(path, `---\ntemplate: false\n---\n${await readFile(path, "utf8")}`);
    }
    await cliJson(dir, ["push", "--alias", "production"]);
    const corpusSite = await buildAndServeDashboard(dir);
    try {
      const page = await corpusSite.browser.newPage();
      const errors = collectErrors(page);
      await page.goto(corpusSite.url);
      await page.waitForSelector('#library[data-index-state="ready"]', { state: "attached" });
      expect(await page.locator(".prompt-row").count()).toBe(225);
      await page.fill("#search", "nuclei");
      expect(await page.locator(".prompt-row:visible").count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator(".prompt-row:visible").count()).toBeLessThan(10);
      await screenshot(page, "dashboard-corpus-search");
      expect(errors).toEqual([]);
    } finally {
      await corpusSite.close();
    }
  });
});
