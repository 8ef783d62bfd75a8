import { cp } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";

const EXAMPLES = new URL("../examples/prompts", import.meta.url).pathname;

async function exampleRepo(): Promise<string> {
  const dir = await gitRepo({ "README.md": "# shop\n" }, "Initial commit", "shop");
  await cp(EXAMPLES, join(dir, "prompts"), { recursive: true });
  return dir;
}

describe("examples/prompts end to end on the embedded default registry", () => {
  it("pushes, aliases, resolves and renders in English and Chinese", async () => {
    const dir = await exampleRepo();
    const push = await cliJson<{ project: string; version: string; status: string; prompts: unknown[]; aliases: Record<string, string> }>(
      dir,
      ["push", "--path", "./prompts/", "--alias", "dev"],
    );
    expect(push).toMatchObject({ project: "shop", version: "v0.1.0", status: "created", aliases: { dev: "v0.1.0" } });
    expect(push.prompts).toHaveLength(4);

    // The seed's CI flow, verbatim, through a shell.
    const ci = await runCli(dir, ["version", "get", "dev"]);
    expect(ci).toMatchObject({ code: 0, stdout: "v0.1.0\n" });
    const promote = await runCli(dir, ["alias", "set", "production", "--version", ci.stdout.trim()]);
    expect(promote.code).toBe(0);
    expect((await runCli(dir, ["alias", "set", "stable", "v0.1.0"])).code).toBe(0);
    const aliases = await cliJson<{ alias: string; version: string }[]>(dir, ["alias", "list"]);
    expect(aliases.map((a) => `${a.alias}=${a.version}`)).toEqual(["dev=v0.1.0", "production=v0.1.0", "stable=v0.1.0"]);

    const pm = new PromptManager({
      registry: `file://${join(dir, ".promptsync/registry")}`,
      cwd: dir,
      cacheDir: join(dir, "prompt_cache"),
      refreshInterval: 300,
    });
    const english = await pm.getPrompt("customer_support", { versionOrAlias: "stable", tags: { locale: "en", tone: "formal" } });
    expect(english).toMatchObject({ version: "v0.1.0", alias: "stable", variant: "en_formal", project: "shop" });
    expect(english.format({ company_name: "Acme Inc", customer_name: "John", issue: "password reset" })).toBe(
      "I am a professional assistant for Acme Inc.\nI understand that John is experiencing an issue with password reset.\nPlease allow me to provide a comprehensive solution.",
    );
    const chinese = await pm.getPrompt("customer_support", { versionOrAlias: "stable", tags: { locale: "cn", tone: "friendly" } });
    expect(chinese.variant).toBe("cn_friendly");
    expect(chinese.format({ company_name: "Acme Inc", customer_name: "Zhang Wei", issue: "账户登录", detail_level: "detailed" })).toBe(
      "我是Acme Inc的友好助手。\nZhang Wei遇到了关于账户登录的问题。\n我将提供一个简单易懂的解决方案。",
    );
    const fallback = await pm.getPrompt("customer_support", { versionOrAlias: "production", tags: { locale: "fr" } });
    expect(fallback.variant).toBeUndefined();
    expect(
      fallback.format({ company_name: "Acme", customer_name: "Jo", issue: "billing", tone: "calm", detail_level: "brief" }),
    ).toBe("You are a helpful assistant for Acme.\nThe customer Jo has an issue with billing.\nProvide a solution that is calm and brief.");

    const text = await pm.getPrompt("greeting", { versionOrAlias: "dev" });
    expect(text.format({ name: "Ann", product: "PromptSync" })).toBe("Hello Ann! Welcome to PromptSync.");
    const markdown = await pm.getPrompt("support/summarize_ticket", { versionOrAlias: "v0.1.0" });
    expect(markdown.model).toEqual({ name: "gpt-4o-mini", temperature: 0.2 });
    expect(markdown.variables).toEqual([{ name: "max_lines", required: false }, { name: "messages", required: true }]);
    expect(
      markdown.format({ messages: [{ author: "ann", text: "App crashes" }, { author: "bob", text: "Which version?" }] }),
    ).toBe("# Task\n\nSummarize the ticket below in at most 3 lines.\n\n\n- **ann**: App crashes\n\n- **bob**: Which version?\n");
    const chat = await pm.getPrompt("support/triage", { versionOrAlias: "dev" });
    expect(chat.kind).toBe("chat");
    expect(chat.format({ company_name: "Acme", categories: ["bug", "billing"], ticket: "I was charged twice" })).toEqual([
      { role: "system", content: "You classify support tickets for Acme into bug, billing." },
      { role: "user", content: "I was charged twice" },
    ]);
  });

  it("renders the same text from the CLI", async () => {
    const dir = await exampleRepo();
    await cliJson(dir, ["push", "--alias", "dev"]);
    const rendered = await runCli(dir, [
      "render", "customer_support", "--alias", "dev", "--tags", "locale=cn,tone=friendly",
      "--var", "company_name=Acme Inc", "--var", "customer_name=Zhang Wei", "--var", "issue=账户登录",
    ]);
    expect(rendered).toMatchObject({ code: 0, stdout: "我是Acme Inc的友好助手。\nZhang Wei遇到了关于账户登录的问题。\n我将提供一个简单易懂的解决方案。\n" });
    const local = await runCli(dir, ["render", "greeting", "--var", "name=Ann", "--var", "product=X"]);
    expect(local).toMatchObject({ code: 0, stdout: "Hello Ann! Welcome to X.\n" });
    const show = await cliJson<{ variant: string; prompt: { name: string; kind: string } }>(dir, ["show", "customer_support", "--version", "v0.1.0", "--tags", "locale=en,tone=formal"]);
    expect(show).toMatchObject({ variant: "en_formal", prompt: { name: "customer_support", kind: "text" } });
  });

  it("compiles ./prompts in-process when no registry is configured (the design's local test)", async () => {
    const dir = await exampleRepo();
    const pm = new PromptManager({ cwd: dir });
    const prompt = await pm.getPrompt("greeting");
    expect(prompt).toMatchObject({ version: "local", origin: "local" });
    expect(prompt.format({ name: "Ann", product: "Acme" })).toBe("Hello Ann! Welcome to Acme.");
  });
});
