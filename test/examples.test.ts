import { cp } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { expectExamplePrompts } from "./helpers/examples.ts";
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
    expect(push.prompts).toHaveLength(5);

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
    await expectExamplePrompts(pm, { project: "shop", version: "v0.1.0" });
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
    expect(prompt).toMatchObject({ version: "local", source: "local" });
    expect(prompt.format({ name: "Ann", product: "Acme" })).toBe("Hello Ann! Welcome to Acme.");
  });

  it("the support agent end to end, as the README shows it: a partial, a base with blocks, a history placeholder, two tools, an output schema and an image part", async () => {
    const dir = await exampleRepo();
    await cliJson(dir, ["push", "--alias", "production"]);
    const rendered = await runCli(dir, [
      "render", "support/agent", "--alias", "production", "--var", "company=Acme", "--var", "question=Where is order A-1042?",
      "--var", "screenshot=https://example.com/order.png", "--var-json", 'history=[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello! How can I help?"}]',
    ]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toBe(SUPPORT_AGENT_RENDERED);

    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "shop" });
    const agent = await pm.getPrompt("support/agent");
    const values = { company: "Acme", question: "Where is order A-1042?", screenshot: "https://example.com/order.png", history: [] };
    const openai = agent.toOpenAI(values);
    expect(openai).toMatchObject({
      model: "gpt-4o", temperature: 0.2, max_output_tokens: 800,
      tools: [{ type: "function", name: "lookup_order", strict: true }, { type: "function", name: "escalate", strict: true }],
      text: { format: { type: "json_schema", name: "support_reply", strict: true } },
    });
    expect(openai.input).toEqual([
      { role: "system", content: SUPPORT_AGENT_SYSTEM },
      { role: "user", content: [{ type: "input_text", text: "Where is order A-1042?" }, { type: "input_image", image_url: "https://example.com/order.png", detail: "low" }] },
    ]);
    const anthropic = agent.toAnthropic(values);
    expect(anthropic).toMatchObject({ model: "gpt-4o", max_tokens: 800, system: SUPPORT_AGENT_SYSTEM });
    expect(anthropic.tools!.map((t) => t.name)).toEqual(["lookup_order", "escalate"]);
    expect(agent.parseOutput('{"answer": "It ships tomorrow.", "needs_human": false}')).toEqual({ answer: "It ships tomorrow.", needs_human: false });
    await pm.close();
  });
});

const SUPPORT_AGENT_SYSTEM = [
  "You are the support agent of Acme.",
  "Resolve the customer's issue with an order. Look the order up before you answer; quote its status as the tool gives it.",
  "Never ask for passwords or full card numbers, and never promise refunds or dates you cannot see in a tool result.",
  "If the customer is upset or asks for a person, call escalate.",
  "Be brief and friendly; answer in the customer's language.",
].join("\n");

const SUPPORT_AGENT_RENDERED = `[system]
${SUPPORT_AGENT_SYSTEM}
[user]
Hi
[assistant]
Hello! How can I help?
[user]
(text) Where is order A-1042?
(image, detail low) https://example.com/order.png
[tools] lookup_order, escalate
[output schema] support_reply (strict)
`;
