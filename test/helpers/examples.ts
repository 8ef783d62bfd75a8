import { expect } from "vitest";
import type { PromptManager } from "../../sdk/index.ts";

/**
 * What examples/prompts render to once pushed with `--alias dev` and aliased `stable` and `production`: the
 * same checks whichever registry (folder, S3) the prompts went through.
 */
export async function expectExamplePrompts(pm: PromptManager, expected: { project: string; version: string }): Promise<void> {
    const english = await pm.getPrompt("customer_support", { versionOrAlias: "stable", tags: { locale: "en", tone: "formal" } });
    expect(english).toMatchObject({ version: expected.version, alias: "stable", variant: "en_formal", project: expected.project });
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
    const markdown = await pm.getPrompt("support/summarize_ticket", { versionOrAlias: expected.version });
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
}
