/// <reference lib="dom" />
// The functions these tests pass to page.evaluate run in the browser: they are type-checked with the DOM's types.
// The prompt page's render preview (issue 21), in Debian's chromium: a form from the variables (typed by `inputs`)
// and the variant tags, rendered live in a Web Worker by the SDK's renderer as built (dist/dashboard/render-worker.js);
// the SDK's errors word for word; hostile templates stopped by the budget or refused by the guard while the page
// stays responsive; nothing executes, nothing leaves the site.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptManager } from "../sdk/index.ts";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { PromptSyncError, PromptUnavailableError } from "../src/errors.ts";
import { contentHash } from "../src/formats/canonical.ts";
import type { CompiledPrompt } from "../src/formats/types.ts";
import { setAlias } from "../src/registry/aliases.ts";
import { pushRelease } from "../src/registry/push.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { seriousAxeViolations } from "./helpers/axe.ts";
import { collectErrors, requireChromium, screenshot } from "./helpers/browser.ts";
import { buildAndServeDashboardOf, type BuiltDashboard } from "./helpers/dashboard.ts";

const EVIL_VALUE = '</script><img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>';
const EVIL_TAG = '"><img src=x onerror="window.__pwned = 4">';

const SOURCES = [
  {
    path: "support.yaml",
    text: JSON.stringify({
      content: "Hello {{ customer_name }}, this is {{ company_name }}. Tone: {{ tone | default('neutral') }}.",
      variants: [
        { tags: { locale: "en", tone: "formal" }, content: "Dear {{ customer_name }}, {{ company_name }} at your service." },
        { tags: { locale: "cn", tone: "friendly" }, content: "你好 {{ customer_name }}，我是{{ company_name }}的友好助手。" },
        { tags: { audience: EVIL_VALUE }, content: "The hostile tag's variant." },
      ],
    }),
  },
  {
    path: "profile.yaml",
    text: JSON.stringify({
      content: "{{ name }} is {{ age + 1 }} next year, on the {{ plan }} plan{% if vip %} (VIP){% endif %}: {{ items | join(', ') }}{{ note | default('') }}",
      inputs: {
        type: "object",
        properties: {
          name: { type: "string", description: "The customer's first name" },
          note: { type: "string", description: EVIL_VALUE },
          age: { type: "integer", minimum: 0 },
          plan: { enum: ["free", "pro", EVIL_VALUE] },
          vip: { type: "boolean" },
          items: { type: "array", items: { type: "string" } },
        },
      },
    }),
  },
  {
    path: "agent.yaml",
    text: JSON.stringify({
      messages: [
        { role: "system", content: "You are {{ persona }}." },
        { placeholder: "history" },
        { role: "user", content: "{{ question }}" },
      ],
    }),
  },
  { path: "greeting.txt", text: "Hi {{ name }} ({{ old_name }})\n" },
  { path: "long.txt", text: "{% for i in range(60000) %}{{ pair }}{% endfor %}" },
  { path: "looping.txt", text: "{% if stop %}stopped by {{ stop }}{% else %}{% for i in range(99999) %}{% for j in range(99999) %}{% for k in range(99999) %}x{% endfor %}{% endfor %}{% endfor %}{% endif %}\n" },
  { path: "recursive.txt", text: "{% macro down(n) %}{{ down(n + 1) }}{{ down(n + 2) }}{% endmacro %}{% if stop %}{{ stop }}{% else %}{{ down(0) }}{% endif %}\n" },
  { path: "escape_class.txt", text: "placeholder {{ x }}\n" },
  { path: "escape_cycler.txt", text: "placeholder {{ x }}\n" },
  { path: "escape_constructor.txt", text: "placeholder {{ x }}\n" },
];

/**
 * Templates the CLI refuses at push time (and a variant tag below), written as a tampered registry would hold them: the preview must stay
 * safe with what the registry gives it, since the SDK's guard runs when the template renders.
 */
const HOSTILE: Record<string, string> = {
  escape_class: '{{ x }}{{ "".__class__ }}{{ "".__class__.__mro__ }}',
  escape_cycler: "{{ x }}{{ cycler.__init__.__globals__ }}",
  escape_constructor: '{{ x }}{{ x.constructor.constructor("window.__pwned = 3; alert(1)")() }}',
};

function tampered(prompts: CompiledPrompt[]): CompiledPrompt[] {
  return prompts.map((prompt) => {
    const content = HOSTILE[prompt.name] ?? prompt.content;
    // A tag name the CLI would refuse (a source's tag names are identifiers).
    const variants = prompt.variants.map((variant) => {
      if (variant.tags.audience === undefined) return variant;
      const changed = { ...variant, tags: { [EVIL_TAG]: EVIL_VALUE }, hash: "" };
      changed.hash = contentHash(changed);
      return changed;
    });
    const changed: CompiledPrompt = { ...prompt, ...(content !== undefined && { content }), variants, hash: "" };
    changed.hash = contentHash(changed);
    return changed;
  });
}

describe.runIf(requireChromium())("the render preview in a real browser", () => {
  let dashboard: BuiltDashboard;
  let registry: string;

  beforeAll(async () => {
    registry = await mkdtemp(join(tmpdir(), "promptsync-render-preview-"));
    const store = new FolderStore(registry);
    const compiled = compilePrompts(SOURCES);
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
    await pushRelease(store, { project: "shop", prompts: tampered(compiled.prompts) });
    // v0.1.1 changes only greeting's variables.
    const next = compilePrompts(SOURCES.map((s) => (s.path === "greeting.txt" ? { ...s, text: "Hello {{ name }}{{ suffix | default('!') }}\n" } : s)));
    if (!next.ok) throw new Error(JSON.stringify(next.diagnostics));
    await pushRelease(store, { project: "shop", prompts: tampered(next.prompts) });
    await setAlias(store, { project: "shop", alias: "dev", ref: "v0.1.1" });
    dashboard = await buildAndServeDashboardOf(store, "shop");
  }, 180_000);

  afterAll(async () => {
    await dashboard?.close();
    await rm(registry, { recursive: true, force: true });
  });

  /** A prompt page, with what must stay empty: console errors, requests to another origin, dialogs. */
  async function open(name: string, theme?: "light" | "dark", width = 1280): Promise<{ page: Page; errors: string[]; elsewhere: string[]; dialogs: string[] }> {
    const context = await dashboard.browser.newContext({ viewport: { width, height: 900 } });
    if (theme) await context.addInitScript((chosen) => localStorage.setItem("promptsync-theme", chosen), theme);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const elsewhere: string[] = [];
    const dialogs: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(`${dashboard.url}/`)) elsewhere.push(request.url());
    });
    page.on("requestfailed", (request) => errors.push(`failed: ${request.url()}`));
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${dashboard.url}/prompts/${name}/`);
    return { page, errors, elsewhere, dialogs };
  }

  /** Scrolls the preview into view, where it starts its worker and renders what the form holds. */
  const view = (page: Page) => page.locator(".render-preview").scrollIntoViewIfNeeded();
  const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);
  const field = (page: Page, name: string) => page.locator(`.render-preview [data-variable="${name}"]`);
  /** Waits for the preview to show the answer to what the form now says, checks its status line, returns its text. */
  async function settled(page: Page, status: RegExp): Promise<string> {
    await page.locator('#preview-output[aria-busy="false"]').waitFor();
    expect(await page.textContent("#preview-status")).toMatch(status);
    return (await page.textContent("#preview-output"))!;
  }

  /**
   * What the SDK itself throws for these variables, through PromptManager on the same registry. A prompt it refuses
   * to load names where it came from, a storage key; the preview names it `name@version`.
   */
  async function sdkError(name: string, values: Record<string, unknown>): Promise<string> {
    const pm = new PromptManager({ registry, project: "shop", telemetry: false });
    let prompt;
    try {
      prompt = await pm.getPrompt(name, { versionOrAlias: "dev" });
    } catch (error) {
      if (!(error instanceof PromptUnavailableError) || !(error.cause instanceof PromptSyncError)) throw error;
      return `${error.cause.code}: ${error.cause.message.replace(/^prompts\/shop\/\w+\/v0\.1\.1\/default\.yaml: /, `${name}@v0.1.1: `)}`;
    }
    try {
      prompt.format(values);
    } catch (error) {
      return `${(error as PromptSyncError).code}: ${(error as Error).message}`;
    }
    throw new Error(`${name} rendered`);
  }

  it("has a labelled field per variable, typed by the inputs schema, and renders what is typed", async () => {
    const { page, errors, elsewhere } = await open("profile");
    for (const name of ["name", "note", "age", "plan", "vip", "items"]) {
      await expect(page.getByLabel(new RegExp(`^${name} `)).count(), name).resolves.toBe(1);
    }
    expect(await field(page, "age").getAttribute("type")).toBe("number");
    expect(await field(page, "plan").locator("option").allTextContents()).toEqual(["(not given)", '"free"', '"pro"', JSON.stringify(EVIL_VALUE)]);
    const hint = async (name: string) => page.textContent(`#${await field(page, name).getAttribute("aria-describedby")}`);
    expect(await hint("name")).toBe("The customer's first name");
    expect(await hint("note")).toBe(EVIL_VALUE);

    await field(page, "name").fill("Ann");
    await field(page, "age").fill("41");
    await field(page, "plan").selectOption('"pro"');
    await field(page, "vip").selectOption("true");
    await field(page, "items").fill('["tea", "cake"]');
    expect(await settled(page, /^Rendered the default content\.$/)).toBe("Ann is 42 next year, on the pro plan (VIP): tea, cake");

    // The inputs check is the SDK's, message and all.
    await field(page, "age").fill("-3");
    expect(await settled(page, /would throw/)).toBe(await sdkError("profile", { name: "Ann", age: -3, plan: "pro", vip: true, items: ["tea", "cake"] }));
    await field(page, "age").fill("1");
    await field(page, "plan").selectOption(JSON.stringify(EVIL_VALUE));
    expect(await settled(page, /^Rendered the default content\.$/)).toBe(`Ann is 2 next year, on the ${EVIL_VALUE} plan (VIP): tea, cake`);
    expect(await pwned(page)).toBeUndefined();
    await screenshot(page, "render-preview-profile");
    expect(errors).toEqual([]);
    expect(elsewhere).toEqual([]);
  });

  it("shows the SDK's error for missing required variables, then renders as the fields fill and the tags pick a variant", async () => {
    const { page, errors, elsewhere } = await open("support");
    // The worker starts when the preview comes into view.
    expect(page.workers()).toEqual([]);
    await view(page);
    expect(await settled(page, /would throw/)).toBe(await sdkError("support", {}));
    expect(await page.textContent("#preview-output")).toContain('MISSING_VARIABLE: Prompt "support" needs variables');

    await field(page, "customer_name").fill("John");
    await field(page, "company_name").fill("Acme");
    expect(await settled(page, /^Rendered the default content\.$/)).toBe("Hello John, this is Acme. Tone: neutral.");

    await page.getByLabel("locale", { exact: true }).selectOption("cn");
    await page.getByLabel("tone", { exact: true }).selectOption("friendly");
    expect(await settled(page, /^Rendered variant /)).toBe("你好 John，我是Acme的友好助手。");
    await page.getByLabel("locale", { exact: true }).selectOption("en");
    await page.getByLabel("tone", { exact: true }).selectOption("formal");
    expect(await settled(page, /^Rendered variant /)).toBe("Dear John, Acme at your service.");

    // A tag from the registry is text, its name a label and its value an option.
    await page.getByLabel("locale", { exact: true }).selectOption("");
    await page.getByLabel("tone", { exact: true }).selectOption("");
    await page.getByLabel(EVIL_TAG, { exact: true }).selectOption(EVIL_VALUE);
    expect(await settled(page, /^Rendered variant /)).toBe("The hostile tag's variant.");
    expect(await pwned(page)).toBeUndefined();
    expect(errors).toEqual([]);
    expect(elsewhere).toEqual([]);
  });

  it("renders a chat prompt as a conversation, the placeholder a slot holding the messages it was given", async () => {
    const { page, errors } = await open("agent");
    await field(page, "persona").fill("a helpful agent");
    await field(page, "question").fill("Where is my order?");
    await field(page, "history").fill(JSON.stringify([{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello! How can I help?" }]));
    await settled(page, /^Rendered the default content\.$/);
    const items = await page.locator("#preview-output > .conversation > li").evaluateAll((els) =>
      els.map((e) => [e.className, [...e.querySelectorAll(".role, pre, code")].map((n) => n.textContent).join("|")]),
    );
    expect(items).toEqual([
      ["message role-system", "system|You are a helpful agent."],
      ["slot", "history|user|Hi|assistant|Hello! How can I help?"],
      ["message role-user", "user|Where is my order?"],
    ]);
    await screenshot(page, "render-preview-chat");

    // A placeholder message the SDK refuses is its InvalidMessageError.
    await field(page, "history").fill(JSON.stringify([{ role: "admin", content: "x" }]));
    expect(await settled(page, /would throw/)).toBe(await sdkError("agent", { persona: "a helpful agent", question: "Where is my order?", history: [{ role: "admin", content: "x" }] }));
    expect(errors).toEqual([]);
  });

  it("lays out only the first 100,000 characters and 200 messages of a long render, and says how many it left out", async () => {
    const long = await open("long");
    await field(long.page, "pair").fill("ab");
    await settled(long.page, /^Rendered the default content\.$/);
    expect(await long.page.locator("#preview-output pre").evaluate((pre) => pre.textContent!.length)).toBe(100_000);
    expect(await long.page.textContent("#preview-output .left-out")).toBe("20,000 more characters not shown.");
    expect(long.errors).toEqual([]);

    const chat = await open("agent");
    await field(chat.page, "persona").fill("a helpful agent");
    await field(chat.page, "question").fill("Where is my order?");
    await field(chat.page, "history").fill(JSON.stringify(Array.from({ length: 250 }, (_, i) => ({ role: "user", content: `message ${i}` }))));
    await settled(chat.page, /^Rendered the default content\.$/);
    // The conversation's three segments come first, then as many of the slot's 250 messages as the 200 leave room for.
    expect(await chat.page.locator("#preview-output li").count()).toBe(200);
    expect(await chat.page.textContent("#preview-output .slot .left-out")).toBe("53 more messages not shown.");
    expect(chat.errors).toEqual([]);
  });

  for (const name of ["looping", "recursive"]) {
    it(`stops the hostile ${name} template with the render budget; the page stays responsive and renders again`, async () => {
      const { page, errors, elsewhere } = await open(name);
      await view(page);
      expect(await settled(page, /would throw|stopped: the template ran longer than/)).toMatch(/RENDER_LIMIT|^$/);
      expect(await page.evaluate(() => document.title)).toBe(`${name} · PromptSync`);
      await field(page, "stop").fill("the user");
      expect(await settled(page, /^Rendered the default content\.$/)).toBe(name === "looping" ? "stopped by the user" : "the user");
      expect(errors).toEqual([]);
      expect(elsewhere).toEqual([]);
    });
  }

  for (const name of Object.keys(HOSTILE)) {
    it(`refuses the template of ${name}, which tries to reach JavaScript, as the SDK does, and runs nothing`, async () => {
      const { page, errors, elsewhere, dialogs } = await open(name);
      await field(page, "x").fill("value");
      // Refused as the SDK refuses it: by the guard, or as a value that is not there ("".__class__ is undefined).
      const shown = await settled(page, /would throw/);
      expect(shown).toMatch(/^(UNSAFE_TEMPLATE|RENDER_FAILED): /);
      expect(shown).toBe(await sdkError(name, { x: "value" }));
      expect(await pwned(page)).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      expect(elsewhere).toEqual([]);
    });
  }

  it("shows a value that tries to break out of the page as text, and the worker has nothing to send it with", async () => {
    const { page, errors, elsewhere, dialogs } = await open("support");
    await field(page, "customer_name").fill(EVIL_VALUE);
    await field(page, "company_name").fill("Acme");
    expect(await settled(page, /^Rendered the default content\.$/)).toBe(`Hello ${EVIL_VALUE}, this is Acme. Tone: neutral.`);
    expect(await page.locator("#preview-output img, #preview-output script").count()).toBe(0);
    expect(await pwned(page)).toBeUndefined();
    const [worker] = page.workers();
    expect(worker!.url()).toBe(`${dashboard.url}/render-worker.js`);
    const reachable = await worker!.evaluate(() => {
      const scope = globalThis as unknown as Record<string, unknown>;
      const names = ["fetch", "XMLHttpRequest", "WebSocket", "WebSocketStream", "WebTransport", "EventSource", "importScripts", "indexedDB", "caches", "StorageManager", "FontFace", "fonts", "BroadcastChannel", "Worker", "SharedWorker", "postMessage", "onmessage"];
      return [...names.filter((name) => scope[name] !== undefined), ...(navigator as { storage?: unknown }).storage === undefined ? [] : ["navigator.storage"]];
    });
    expect(reachable).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(elsewhere).toEqual([]);
  });

  for (const theme of ["light", "dark"] as const) {
    it(`has no serious or critical accessibility violation in the ${theme} theme, with a conversation and with an error shown`, async () => {
      const { page, errors } = await open("agent", theme);
      await field(page, "persona").fill("a helpful agent");
      await field(page, "question").fill("Where is my order?");
      await field(page, "history").fill(JSON.stringify([{ role: "user", content: "Hi" }]));
      await settled(page, /^Rendered the default content\.$/);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await field(page, "history").fill("[not json");
      await settled(page, /^Fix the fields to render\.$/);
      expect(await page.textContent("#preview-output")).toMatch(/^variable "history": not JSON \(/);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, `render-preview-error-${theme}`);
      expect(errors).toEqual([]);
    });
  }

  it("renders the version the page shows: the latest, the one picked, the one a link names, keeping what was typed", async () => {
    const { page, errors, elsewhere } = await open("greeting");
    const names = () => page.locator("#preview-form [data-variable]").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.variable));
    await view(page);
    expect(await settled(page, /would throw/)).toBe('MISSING_VARIABLE: Prompt "greeting" needs variable "name"');
    expect(await page.textContent("#preview-version")).toBe("v0.1.1");
    expect(await names()).toEqual(["name", "suffix"]);
    await field(page, "name").fill("Ann");
    expect(await settled(page, /^Rendered the default content\.$/)).toBe("Hello Ann!");

    await page.selectOption("#version-picker", "v0.1.0");
    await page.locator("#preview-version", { hasText: "v0.1.0" }).waitFor();
    expect(await names()).toEqual(["name", "old_name"]);
    expect(await field(page, "name").inputValue()).toBe("Ann");
    expect(await settled(page, /would throw/)).toBe('MISSING_VARIABLE: Prompt "greeting" needs variable "old_name"');
    await field(page, "old_name").fill("the first");
    expect(await settled(page, /^Rendered the default content\.$/)).toBe("Hi Ann (the first)");

    await page.selectOption("#version-picker", "v0.1.1");
    await page.locator("#preview-version", { hasText: "v0.1.1" }).waitFor();
    expect(await settled(page, /^Rendered the default content\.$/)).toBe("Hello Ann!");

    await page.goto(`${dashboard.url}/prompts/greeting/#v0.1.0`);
    await page.reload();
    await page.locator("#preview-version", { hasText: "v0.1.0" }).waitFor();
    await view(page);
    expect(await settled(page, /would throw/)).toBe('MISSING_VARIABLE: Prompt "greeting" needs variables "name", "old_name"');
    expect(errors).toEqual([]);
    expect(elsewhere).toEqual([]);
  });

  it("fits a 360 px phone, a long option and a conversation included", async () => {
    for (const name of ["profile", "agent"]) {
      const { page, errors } = await open(name, "light", 360);
      await view(page);
      await settled(page, /would throw/);
      if (name === "profile") await field(page, "plan").selectOption(JSON.stringify(EVIL_VALUE));
      else await field(page, "history").fill(JSON.stringify([{ role: "user", content: "x".repeat(500) }]));
      await page.locator('#preview-output[aria-busy="false"]').waitFor();
      const wide = await page.evaluate(() => [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => `${e.tagName}.${e.className}`).slice(0, 5));
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), `${name}: ${wide.join(", ")}`).toBeLessThanOrEqual(0);
      await screenshot(page, `render-preview-${name}-360`);
      expect(errors).toEqual([]);
    }
  });
});
