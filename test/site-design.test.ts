/// <reference lib="dom" />
// The functions these tests pass to page.evaluate run in the browser: they are type-checked with the DOM's types.
// Dashboard v2's visual design (issue 21), in Debian's chromium: every page type at a phone's and a desktop's width,
// light and dark, never overflows the page, has no serious or critical accessibility violation (axe-core) and no
// console error or failed request; the theme toggle remembers its choice and the theme is set before first paint;
// focus is visible; nothing is requested from another host. Screenshots land in test-results/. One site serves every
// check, as building it is the slow part.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { PromptManager } from "../sdk/index.ts";
import { seriousAxeViolations } from "./helpers/axe.ts";
import { collectErrors, requireChromium, screenshot } from "./helpers/browser.ts";
import { fontsDrawing, requireCjkFont } from "./helpers/cjk-font.ts";
import { cliJson } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { commitAll } from "./helpers/git.ts";
import { buildAndServeDashboard, type BuiltDashboard } from "./helpers/dashboard.ts";
import { Expected, sendTraffic, twoCommitApp } from "./helpers/telemetry.ts";

const available = requireChromium();

const AGENT = JSON.stringify({
  description: "Answers support tickets with a lookup tool and a structured reply",
  messages: [
    { role: "system", content: "You are {{ persona }}. Be brief." },
    { placeholder: "history" },
    { role: "user", content: "{{ question }}" },
  ],
  tools: [{ name: "lookup_order_with_a_rather_long_tool_name", description: "Finds an order by its ID", parameters: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] } }],
  output: { name: "reply", schema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] } },
  model: { name: "gpt-4o-mini", temperature: 0.2 },
});

const CHINESE = "你好，{{ name }}！请简要回答。";
const WELCOME = JSON.stringify({ description: "Greets a user in their language", content: "Hello, {{ name }}! Answer briefly.", variants: [{ tags: { lang: "zh" }, content: CHINESE }] });

/** Every page type of the site, by path. */
export const PAGE_TYPES: Record<string, string> = {
  library: "/",
  "prompt-text": "/prompts/greet/",
  "prompt-chat": "/prompts/support/agent/",
  "prompt-hostile": "/prompts/evil/",
  "prompt-versions": "/prompts/greet/versions.1/",
  aliases: "/aliases/",
  analytics: "/analytics/",
  "analytics-prompt": "/analytics/greet/",
  compatibility: "/compatibility/",
};

describe.runIf(available)("the dashboard's design in a real browser", () => {
  let dashboard: BuiltDashboard;
  let browser: Browser;
  const started = performance.now();

  beforeAll(async () => {
    const app = await twoCommitApp();
    await writeFiles(app.dir, {
      "prompts/support/agent.yaml": AGENT,
      "prompts/welcome.yaml": WELCOME,
      "prompts/evil.txt": '{% raw %}<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"></textarea>{% endraw %}\n',
      "prompts/a_prompt_with_an_unusually_long_name_that_must_not_push_the_page_sideways_on_a_phone.txt":
        "A_single_unbroken_token_of_prompt_text_far_wider_than_any_phone_screen_can_show_in_one_line_{{ variable_with_a_long_name }}\n",
    });
    commitAll(app.dir, "More prompts");
    await cliJson(app.dir, ["push", "--alias", "dev"]);
    const pm = new PromptManager({ registry: app.registry, project: "shop", appCommit: app.newCommit, clientId: "client-0", telemetry: { sink: "folder", dir: app.registry, flushInterval: 0 } });
    await sendTraffic(pm, 40, new Expected(), 0);
    await pm.close();
    await cliJson(app.dir, ["analytics", "build"]);
    dashboard = await buildAndServeDashboard(app.dir);
    browser = dashboard.browser;
  }, 180_000);

  afterAll(async () => {
    await dashboard?.close();
    // eslint-disable-next-line no-console -- issue 21 asks for this time in CI's log: these tests must keep .ci/run well inside 90 minutes
    console.log(`dashboard design and accessibility browser tests: ${((performance.now() - started) / 1000).toFixed(1)} s (site build included)`);
  });

  /** A page with every request and every error it makes recorded. */
  async function open(context: BrowserContext, path: string): Promise<{ page: Page; errors: string[]; foreign: string[] }> {
    const page = await context.newPage();
    const errors = collectErrors(page);
    const foreign: string[] = [];
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(dashboard.url) && !url.startsWith("data:")) foreign.push(url);
    });
    // A request cut short is no failure of the page's: leaving a page aborts what it still loads, and under load the
    // render preview replaces a worker that overran its time, whose script may still be on its way.
    page.on("requestfailed", (request) => {
      if (request.failure()?.errorText !== "net::ERR_ABORTED") errors.push(`failed: ${request.url()}`);
    });
    page.on("response", (response) => {
      if (response.status() >= 400) errors.push(`${response.status()}: ${response.url()}`);
    });
    await page.goto(`${dashboard.url}${path}`);
    return { page, errors, foreign };
  }

  for (const theme of ["light", "dark"] as const) {
    for (const width of [360, 1280]) {
      it(`every page type at ${width} px, ${theme}: no horizontal overflow, no serious accessibility violation, no console error, no other host`, { timeout: 120_000 }, async () => {
        const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: theme });
        try {
          for (const [name, path] of Object.entries(PAGE_TYPES)) {
            const { page, errors, foreign } = await open(context, path);
            expect(await page.getAttribute("html", "data-theme"), name).toBe(theme);
            const overflow = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
            expect(overflow.scroll, `${name} at ${width}px ${theme}`).toBeLessThanOrEqual(overflow.client);
            expect(await page.textContent("header")).toContain("shop");
            expect(await page.evaluate("window.__pwned")).toBeUndefined();
            await screenshot(page, `design-${name}-${width}-${theme}`);
            expect.soft(await seriousAxeViolations(page), `${name} at ${width}px ${theme}`).toEqual([]);
            expect(errors, name).toEqual([]);
            expect(foreign, name).toEqual([]);
            await page.close();
          }
        } finally {
          await context.close();
        }
      });
    }
  }

  it("the theme toggle switches the theme and remembers it across a reload, set before first paint", { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
    try {
      // When the theme attribute is first set, the body must not exist yet: it is set before anything is painted.
      await context.addInitScript(() => {
        const w = window as unknown as { __themeSetBeforeBody?: boolean };
        new MutationObserver((records, observer) => {
          if (records.some((r) => r.attributeName === "data-theme")) {
            w.__themeSetBeforeBody ??= document.body === null;
            observer.disconnect();
          }
        }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-theme"] });
      });
      const { page, errors } = await open(context, "/prompts/greet/");
      expect(await page.getAttribute("html", "data-theme")).toBe("light");
      // The prompt page loads the render preview's worker once the preview is in view: leaving before it arrives
      // would abort that request, which is no error of the page's.
      const workerLoaded = () =>
        page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.endsWith("/render-worker.js") && (e as PerformanceResourceTiming).responseEnd > 0));
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const light = await background();
      await page.click("#theme-toggle");
      expect(await page.getAttribute("html", "data-theme")).toBe("dark");
      expect(await page.getAttribute("#theme-toggle", "aria-pressed")).toBe("true");
      expect(await background()).not.toBe(light);
      await workerLoaded();
      await page.reload();
      expect(await page.getAttribute("html", "data-theme")).toBe("dark");
      expect(await page.evaluate("window.__themeSetBeforeBody")).toBe(true);
      expect(await background()).not.toBe(light);
      await workerLoaded();
      await page.goto(`${dashboard.url}/aliases/`);
      expect(await page.getAttribute("html", "data-theme")).toBe("dark");
      await page.click("#theme-toggle");
      await page.reload();
      expect(await page.getAttribute("html", "data-theme")).toBe("light");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("what scripts put on the page passes axe too: the library's marked search results, an older version picked, the compare's word marks", { timeout: 90_000 }, async () => {
    for (const theme of ["light", "dark"] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
      try {
        const library = await open(context, "/");
        await library.page.fill("#search", "greet");
        await library.page.waitForSelector(".prompt-row:visible mark");
        expect(await seriousAxeViolations(library.page), `library searched, ${theme}`).toEqual([]);
        expect(library.errors).toEqual([]);

        const prompt = await open(context, "/prompts/greet/");
        await prompt.page.selectOption("#version-picker", "v0.1.0");
        await prompt.page.waitForSelector('details.version[data-version="v0.1.0"][open]');
        await prompt.page.selectOption("#from", "v0.1.0");
        await prompt.page.waitForSelector("main :is(td.del, td.ins)");
        expect(await seriousAxeViolations(prompt.page), `prompt page, older version, ${theme}`).toEqual([]);
        expect(prompt.errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });

  const cjkFont = requireCjkFont();
  it.runIf(cjkFont)("a Chinese variant shows its text in its tab, drawn with a CJK font, light and dark", { timeout: 60_000 }, async () => {
    for (const theme of ["light", "dark"] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
      try {
        const { page, errors } = await open(context, "/prompts/welcome/");
        await page.locator("details.version[open] [role=tab]", { hasText: "lang=zh" }).click();
        const text = page.locator("details.version[open] .variant:visible pre");
        expect(await text.textContent()).toBe(CHINESE);
        // The pre's own text: {{ name }} is drawn in a span of its own (the Jinja highlight), and is Latin anyway.
        const hanGlyphs = [...CHINESE.replace(/\{\{.*?\}\}/, "")].filter((c) => /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u.test(c)).length;
        const drawn = await fontsDrawing(page, text);
        const cjkGlyphs = drawn.filter((font) => /CJK/.test(font.familyName)).reduce((sum, font) => sum + font.glyphCount, 0);
        expect(cjkGlyphs, JSON.stringify(drawn)).toBe(hanGlyphs);
        await screenshot(page, `design-prompt-chinese-1280-${theme}`);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });

  it("a table box that scrolls sideways takes keyboard focus as a named region; once it fits, it leaves the tab order", { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
    try {
      const { page, errors } = await open(context, "/");
      const box = page.locator("main .scroll").first();
      expect(await box.evaluate((b) => b.scrollWidth > b.clientWidth)).toBe(true);
      expect(await box.getAttribute("tabindex")).toBe("0");
      expect(await box.getAttribute("role")).toBe("region");
      expect(await box.getAttribute("aria-label")).toBe("Prompt library");
      await box.focus();
      await page.keyboard.press("ArrowRight");
      await page.waitForFunction(() => document.querySelector("main .scroll")!.scrollLeft > 0);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.waitForFunction(() => !document.querySelector("main .scroll")!.hasAttribute("tabindex"));
      expect(await box.evaluate((b) => b.scrollWidth > b.clientWidth)).toBe(false);
      expect(await box.getAttribute("role")).toBeNull();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("keyboard focus is visible, and the header names the project and the registry", { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await open(context, "/");
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
      await page.keyboard.press("Tab");
      const outline = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement!);
        return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
      expect(outline.style).toBe("solid");
      expect(outline.width).toBeGreaterThanOrEqual(2);
      expect(await page.textContent(".site-header .project")).toBe("shop");
      expect(await page.textContent(".site-header .registry")).toContain(".promptsync/registry");
      expect(await page.getAttribute('nav a[aria-current="page"]', "href")).toBe("/");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
