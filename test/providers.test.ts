import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptManager, UsageError, type Prompt } from "../sdk/index.ts";
import { anthropicRequest } from "../sdk/providers/anthropic.ts";
import { openAIChatRequest } from "../sdk/providers/openai.ts";
import { cliJson } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";
import { providerStub, type ProviderStub } from "./helpers/provider-stub.ts";

const AGENT = `name: Support agent
model: { name: gpt-4o, temperature: 0.2, max_tokens: 500 }
messages:
  - role: system
    content: You help customers of {{ company }}.
  - placeholder: history
    required: false
  - role: user
    content:
      - type: text
        text: "{{ question }}"
      - type: image
        url: "{{ screenshot }}"
        detail: low
tools:
  - name: lookup_order
    description: Finds an order by its id.
    parameters:
      type: object
      properties:
        order_id: { type: string }
      required: [order_id]
      additionalProperties: false
    strict: true
  - name: escalate
    description: Hands the conversation to a person.
    parameters:
      type: object
      properties:
        reason: { type: string }
      required: [reason]
output:
  name: support_reply
  description: The answer and whether a person must follow up.
  schema:
    type: object
    properties:
      answer: { type: string }
      needs_human: { type: boolean }
    required: [answer, needs_human]
    additionalProperties: false
  strict: true
variants:
  - tags: { locale: fr }
    messages:
      - role: system
        content: Vous aidez les clients de {{ company }}.
      - role: user
        content: "{{ question }}"
    tools:
      - name: escalate
        parameters: { type: object, properties: { reason: { type: string } }, required: [reason] }
`;

const SUMMARY = `---
model:
  name: gpt-4o-mini
  temperature: 0.3
  max_tokens: 200
config:
  top_p: 0.9
  max_tokens: 999
  team: support
---
Summarize: {{ text }}
`;

const SAMPLING = `model: { name: some-model, max_tokens: 64, temperature: 0.5, top_p: 0.8, top_k: 40, seed: 7, presence_penalty: 0.1, frequency_penalty: 0.2, stop: ["END", "STOP"], reasoning_effort: high }
content: Say {{ word }}
`;

const FILES = {
  "promptsync.config.yaml": "project: providers\n",
  "prompts/support/agent.yaml": AGENT,
  "prompts/summary.md": SUMMARY,
  "prompts/sampling.yaml": SAMPLING,
  "prompts/errors/no_model.txt": "Hi {{ name }}\n",
  "prompts/errors/no_max_tokens.yaml": "model: claude-sonnet-5\ncontent: Hi\n",
  "prompts/errors/typo.yaml": "model: { name: gpt-4o, temprature: 0.1 }\ncontent: Hi\n",
  "prompts/errors/bad_value.yaml": "model: { name: gpt-4o, max_tokens: \"500\" }\ncontent: Hi\n",
  "prompts/errors/effort.yaml": "model: { name: claude-sonnet-5, max_tokens: 10, reasoning_effort: minimal }\ncontent: Hi\n",
  "prompts/errors/checked_inputs.yaml": "model: { name: gpt-4o, max_tokens: 10 }\ninputs:\n  type: object\n  properties:\n    order_id: { type: string, pattern: \"^[0-9]+$\" }\ncontent: Order {{ order_id }}\n",
  "prompts/errors/system_only.yaml": "model: { name: claude-sonnet-5, max_tokens: 10 }\nmessages:\n  - role: system\n    content: Be brief.\n",
};

const SYSTEM_SCHEMA = { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"], additionalProperties: false };
const ESCALATE_SCHEMA = { type: "object", properties: { reason: { type: "string" } }, required: ["reason"] };
const REPLY_SCHEMA = {
  type: "object",
  properties: { answer: { type: "string" }, needs_human: { type: "boolean" } },
  required: ["answer", "needs_human"],
  additionalProperties: false,
};

const VARIABLES = {
  company: "Acme",
  question: "It is order 42.",
  screenshot: "https://example.com/screen.png",
  history: [
    { role: "user", content: "Where is my order?" },
    { role: "assistant", content: "Which order do you mean?" },
  ],
};

let pm: PromptManager;
let agent: Prompt;
/** Every prompt of FILES by name, loaded before the registry's temporary folder goes with the first test. */
const prompts = new Map<string, Prompt>();

beforeAll(async () => {
  const dir = await gitRepo(FILES);
  await cliJson(dir, ["push", "--alias", "production"]);
  pm = new PromptManager({ registry: `${dir}/.promptsync/registry`, project: "providers" });
  for (const file of Object.keys(FILES).filter((f) => f.startsWith("prompts/"))) {
    const name = file.slice("prompts/".length).replace(/\.[a-z]+$/, "");
    prompts.set(name, await pm.getPrompt(name));
  }
  agent = prompts.get("support/agent")!;
});

afterAll(async () => {
  await pm?.close();
});

function thrown(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error("expected a UsageError");
}

describe("toOpenAI and toAnthropic: the request bodies of a pushed chat prompt", () => {
  it("Responses API: messages as input, image part, function tools, text.format, max_output_tokens", () => {
    expect(agent.toOpenAI(VARIABLES)).toEqual({
      model: "gpt-4o",
      input: [
        { role: "system", content: "You help customers of Acme." },
        { role: "user", content: "Where is my order?" },
        { role: "assistant", content: "Which order do you mean?" },
        {
          role: "user",
          content: [
            { type: "input_text", text: "It is order 42." },
            { type: "input_image", image_url: "https://example.com/screen.png", detail: "low" },
          ],
        },
      ],
      tools: [
        { type: "function", name: "lookup_order", description: "Finds an order by its id.", parameters: SYSTEM_SCHEMA, strict: true },
        { type: "function", name: "escalate", description: "Hands the conversation to a person.", parameters: ESCALATE_SCHEMA, strict: false },
      ],
      text: { format: { type: "json_schema", name: "support_reply", description: "The answer and whether a person must follow up.", schema: REPLY_SCHEMA, strict: true } },
      max_output_tokens: 500,
      temperature: 0.2,
    });
  });

  it("Chat Completions: messages, image_url part, nested function tools, response_format, max_completion_tokens", () => {
    expect(agent.toOpenAI(VARIABLES, { api: "chat" })).toEqual({
      model: "gpt-4o",
      messages: [
        { role: "system", content: "You help customers of Acme." },
        { role: "user", content: "Where is my order?" },
        { role: "assistant", content: "Which order do you mean?" },
        {
          role: "user",
          content: [
            { type: "text", text: "It is order 42." },
            { type: "image_url", image_url: { url: "https://example.com/screen.png", detail: "low" } },
          ],
        },
      ],
      tools: [
        { type: "function", function: { name: "lookup_order", description: "Finds an order by its id.", parameters: SYSTEM_SCHEMA, strict: true } },
        { type: "function", function: { name: "escalate", description: "Hands the conversation to a person.", parameters: ESCALATE_SCHEMA } },
      ],
      response_format: {
        type: "json_schema",
        json_schema: { name: "support_reply", description: "The answer and whether a person must follow up.", schema: REPLY_SCHEMA, strict: true },
      },
      max_completion_tokens: 500,
      temperature: 0.2,
    });
  });

  it("Anthropic Messages: system split out, image by URL, input_schema tools, output_config.format, max_tokens; temperature left out", () => {
    expect(agent.toAnthropic(VARIABLES)).toEqual({
      model: "gpt-4o",
      max_tokens: 500,
      system: "You help customers of Acme.",
      messages: [
        { role: "user", content: "Where is my order?" },
        { role: "assistant", content: "Which order do you mean?" },
        {
          role: "user",
          content: [
            { type: "text", text: "It is order 42." },
            { type: "image", source: { type: "url", url: "https://example.com/screen.png" } },
          ],
        },
      ],
      tools: [
        { name: "lookup_order", description: "Finds an order by its id.", input_schema: SYSTEM_SCHEMA, strict: true },
        { name: "escalate", description: "Hands the conversation to a person.", input_schema: ESCALATE_SCHEMA },
      ],
      output_config: { format: { type: "json_schema", schema: REPLY_SCHEMA } },
    });
  });

  it("an optional placeholder left out renders no message; a variant brings its own messages and tools", async () => {
    const { history: _history, ...withoutHistory } = VARIABLES;
    expect(agent.toOpenAI(withoutHistory).input.map((m) => m.role)).toEqual(["system", "user"]);
    const fr = await pm.getPrompt("support/agent", { tags: { locale: "fr" } });
    expect(fr.toAnthropic(VARIABLES)).toEqual({
      model: "gpt-4o",
      max_tokens: 500,
      system: "Vous aidez les clients de Acme.",
      messages: [{ role: "user", content: "It is order 42." }],
      tools: [{ name: "escalate", input_schema: ESCALATE_SCHEMA }],
      output_config: { format: { type: "json_schema", schema: REPLY_SCHEMA } },
    });
  });

  it("a body is the app's to change: editing one leaves the prompt and the next body as they were", () => {
    const first = agent.toOpenAI(VARIABLES);
    (first.tools![0]!.parameters.properties as Record<string, unknown>).order_id = "changed";
    (first.text!.format.schema.required as string[]).push("extra");
    const second = agent.toOpenAI(VARIABLES);
    expect(second.tools![0]!.parameters).toEqual(SYSTEM_SCHEMA);
    expect(second.text!.format.schema).toEqual(REPLY_SCHEMA);
    expect(agent.output!.schema).toEqual(REPLY_SCHEMA);
  });
});

describe("toOpenAI and toAnthropic: text prompts and model settings", () => {
  it("a text prompt is one user message; config fills what the model block lacks and its other keys stay out", () => {
    const summary = prompts.get("summary")!;
    const message = { role: "user", content: "Summarize: the ticket" };
    expect(summary.toOpenAI({ text: "the ticket" })).toEqual({ model: "gpt-4o-mini", input: [message], max_output_tokens: 200, temperature: 0.3, top_p: 0.9 });
    expect(summary.toOpenAI({ text: "the ticket" }, { api: "chat" })).toEqual({ model: "gpt-4o-mini", messages: [message], max_completion_tokens: 200, temperature: 0.3, top_p: 0.9 });
    expect(summary.toAnthropic({ text: "the ticket" })).toEqual({ model: "gpt-4o-mini", max_tokens: 200, messages: [message] });
  });

  it("each API gets the settings it has: Chat all of OpenAI's, Responses refuses stop, Anthropic maps stop and effort", () => {
    const sampling = prompts.get("sampling")!;
    const message = { role: "user", content: "Say yes" };
    expect(sampling.toOpenAI({ word: "yes" }, { api: "chat" })).toEqual({
      model: "some-model", messages: [message], max_completion_tokens: 64, temperature: 0.5, top_p: 0.8, seed: 7,
      presence_penalty: 0.1, frequency_penalty: 0.2, stop: ["END", "STOP"], reasoning_effort: "high",
    });
    const responses = thrown(() => sampling.toOpenAI({ word: "yes" }));
    expect(responses.message).toBe('Prompt "sampling": toOpenAI (Responses API): the API has no equivalent of the model setting stop');
    expect(responses.suggestion).toContain('{ api: "chat" }');
    expect(sampling.toAnthropic({ word: "yes" })).toEqual({
      model: "some-model", max_tokens: 64, messages: [message], stop_sequences: ["END", "STOP"], output_config: { effort: "high" },
    });
  });

  it("model problems name the prompt, the setting and the fix", () => {
    const cases: [string, (p: Prompt) => unknown, string, string][] = [
      ["errors/no_model", (p) => p.toOpenAI({ name: "Ada" }), "the prompt names no model", "`model: <id>`"],
      ["errors/no_model", (p) => p.toAnthropic({ name: "Ada" }), "the prompt names no model", "`model: <id>`"],
      ["errors/no_max_tokens", (p) => p.toAnthropic(), "Anthropic requires max_tokens and the prompt sets none", "max_tokens: 1024"],
      ["errors/typo", (p) => p.toOpenAI({}, { api: "chat" }), "model.temprature is not a model setting PromptSync knows", "keep settings of your own in `config`"],
      ["errors/bad_value", (p) => p.toOpenAI(), "model.max_tokens must be a positive integer", "Fix the value"],
      ["errors/effort", (p) => p.toAnthropic(), 'reasoning_effort "minimal" is not one of low, medium, high, xhigh, max', "Set a value"],
      ["errors/system_only", (p) => p.toAnthropic(), "the prompt renders no user or assistant message", "Add a user message"],
    ];
    for (const [name, run, message, suggestion] of cases) {
      const error = thrown(() => run(prompts.get(name)!));
      expect(error.message, name).toContain(`Prompt "${name}": `);
      expect(error.message, name).toContain(message);
      expect(error.suggestion, name).toContain(suggestion);
    }
    expect(thrown(() => agent.toOpenAI(VARIABLES, { api: "completions" as "chat" })).message).toBe('toOpenAI: api must be "responses" or "chat", got "completions"');
  });

  it("the requests render with formatMessages(): a missing variable, a bad placeholder message and inputs violations throw as there", () => {
    const checked = prompts.get("errors/checked_inputs")!;
    expect(checked.toOpenAI({ order_id: "42" }).input).toEqual([{ role: "user", content: "Order 42" }]);
    const cases: [() => unknown, string][] = [
      [() => agent.toOpenAI({ ...VARIABLES, company: undefined }), "MISSING_VARIABLE"],
      [() => agent.toAnthropic({ ...VARIABLES, history: [{ role: "robot", content: "hi" }] }), "INVALID_MESSAGE"],
      [() => checked.toOpenAI({ order_id: "42; drop" }, { api: "chat" }), "INPUT_INVALID"],
      [() => checked.toAnthropic({ order_id: "x" }), "INPUT_INVALID"],
    ];
    for (const [run, code] of cases) expect(run).toThrow(expect.objectContaining({ code }));
  });

  it("schemas are copied as JSON data: a \"__proto__\" key stays a key, and nesting deeper than 256 levels is refused", () => {
    const input = { prompt: "hand/written", messages: [{ role: "user" as const, content: "Hi" }], model: { name: "m", max_tokens: 10 }, config: undefined, output: undefined };
    const parameters = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}') as Record<string, unknown>;
    const copied = openAIChatRequest({ ...input, tools: [{ name: "t", parameters }] }).tools![0]!.function.parameters.properties as object;
    expect(Object.keys(copied)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    let deep: Record<string, unknown> = { type: "object" };
    for (let i = 0; i < 200; i++) deep = { type: "object", properties: { a: deep } };
    const error = thrown(() => anthropicRequest({ ...input, tools: [{ name: "t", parameters: deep }] }));
    expect(error.message).toBe('Prompt "hand/written": toAnthropic (Messages API): a schema nests deeper than 256 levels');
  });

  it("a tool whose parameters are no object schema (the build refuses it; a registry written otherwise may hold one) is refused for Anthropic", () => {
    const input = { prompt: "hand/written", messages: [{ role: "user" as const, content: "Hi" }], model: { name: "claude-sonnet-5", max_tokens: 10 }, config: undefined, output: undefined };
    const tools = [{ name: "list", parameters: { type: "array", items: { type: "string" } } }];
    const error = thrown(() => anthropicRequest({ ...input, tools }));
    expect(error.message).toBe('Prompt "hand/written": toAnthropic (Messages API): tool "list": its parameters schema must have type: object');
  });
});

describe("toOpenAI and toAnthropic: images, files and audio given as data: URLs", () => {
  const PDF = "data:application/pdf;base64,JVBERi0xLjQK";
  const WAV = "data:audio/wav;base64,UklGRiQAAABXQVZF";
  const PNG = "data:image/png;base64,iVBORw0KGgo=";
  const withHistory = (...content: unknown[]) => ({ ...VARIABLES, history: [{ role: "user", content }] });

  it("an inline PDF: OpenAI's file_data with its filename, Anthropic's base64 document titled by it; inline text decoded", () => {
    const pdf = withHistory({ type: "file", url: PDF, filename: "invoice.pdf" });
    expect(agent.toOpenAI(pdf).input[1]).toEqual({ role: "user", content: [{ type: "input_file", file_data: PDF, filename: "invoice.pdf" }] });
    expect(agent.toOpenAI(pdf, { api: "chat" }).messages[1]).toEqual({ role: "user", content: [{ type: "file", file: { file_data: PDF, filename: "invoice.pdf" } }] });
    expect(agent.toAnthropic(pdf).messages[0]).toEqual({
      role: "user",
      content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" }, title: "invoice.pdf" }],
    });
    const text = withHistory({ type: "file", url: "data:text/plain,caf%C3%A9%20au%20lait" });
    expect(agent.toAnthropic(text).messages[0]).toEqual({ role: "user", content: [{ type: "document", source: { type: "text", media_type: "text/plain", data: "café au lait" } }] });
  });

  it("a file by https URL: Responses' file_url and Anthropic's URL document; Chat Completions refuses it", () => {
    const vars = withHistory({ type: "file", url: "https://example.com/terms.pdf", filename: "terms.pdf" });
    expect(agent.toOpenAI(vars).input[1]).toEqual({ role: "user", content: [{ type: "input_file", file_url: "https://example.com/terms.pdf", filename: "terms.pdf" }] });
    expect(agent.toAnthropic(vars).messages[0]).toEqual({ role: "user", content: [{ type: "document", source: { type: "url", url: "https://example.com/terms.pdf" }, title: "terms.pdf" }] });
    const chat = thrown(() => agent.toOpenAI(vars, { api: "chat" }));
    expect(chat.message).toBe('Prompt "support/agent": toOpenAI (Chat Completions API): message 2 (user) part 1 is a file by URL, which Chat Completions does not take');
  });

  it("an inline image: a base64 data URL for OpenAI (detail auto when unset; percent-encoded data re-encoded), a base64 source for Anthropic", () => {
    const vars = withHistory({ type: "image", url: PNG });
    expect(agent.toOpenAI(vars).input[1]).toEqual({ role: "user", content: [{ type: "input_image", image_url: PNG, detail: "auto" }] });
    expect(agent.toOpenAI(vars, { api: "chat" }).messages[1]).toEqual({ role: "user", content: [{ type: "image_url", image_url: { url: PNG } }] });
    expect(agent.toAnthropic(vars).messages[0]).toEqual({ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }] });
    const encoded = withHistory({ type: "image", url: "data:image/svg+xml,%3Csvg%3E" });
    expect(agent.toOpenAI(encoded, { api: "chat" }).messages[1]).toEqual({ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/svg+xml;base64,PHN2Zz4=" } }] });
    const malformed = thrown(() => agent.toOpenAI(withHistory({ type: "image", url: "data:image/png;base64,not base64!" })));
    expect(malformed.message).toContain("message 2 (user) part 1 is a data: URL whose data is not valid base64");
    const svg = thrown(() => agent.toAnthropic(withHistory({ type: "image", url: "data:image/svg+xml;base64,PHN2Zz4=" })));
    expect(svg.message).toContain('part 1 is an image of type "image/svg+xml"; Anthropic takes image/jpeg, image/png, image/gif and image/webp');
  });

  it("audio: Chat Completions' input_audio; the Responses API and Anthropic refuse it, naming the way out", () => {
    const vars = withHistory({ type: "text", text: "Listen:" }, { type: "audio", url: WAV });
    expect(agent.toOpenAI(vars, { api: "chat" }).messages[1]).toEqual({
      role: "user",
      content: [{ type: "text", text: "Listen:" }, { type: "input_audio", input_audio: { data: "UklGRiQAAABXQVZF", format: "wav" } }],
    });
    const responses = thrown(() => agent.toOpenAI(vars));
    expect(responses.message).toBe('Prompt "support/agent": toOpenAI (Responses API): message 2 (user) part 2 is an audio part, which the Responses API does not take in a message');
    expect(responses.suggestion).toContain('{ api: "chat" }');
    const anthropic = thrown(() => agent.toAnthropic(vars));
    expect(anthropic.message).toBe('Prompt "support/agent": toAnthropic (Messages API): message 2 (user) part 2 is an audio part, which Anthropic\'s Messages API does not take');
  });

  it("an inline file without a filename, media outside user messages and tool messages are refused", () => {
    const noName = thrown(() => agent.toOpenAI(withHistory({ type: "file", url: PDF })));
    expect(noName.message).toContain("part 1 is an inline file without a filename, which OpenAI requires");
    const inSystem = { ...VARIABLES, history: [{ role: "system", content: [{ type: "image", url: PNG }] }] };
    for (const run of [() => agent.toOpenAI(inSystem), () => agent.toOpenAI(inSystem, { api: "chat" }), () => agent.toAnthropic(inSystem)]) {
      expect(thrown(run).message).toContain("message 2 (system) part 1 is an image part; only user messages may hold images, files or audio");
    }
    const tool = { ...VARIABLES, history: [{ role: "tool", content: "42 shipped" }] };
    for (const run of [() => agent.toOpenAI(tool), () => agent.toOpenAI(tool, { api: "chat" }), () => agent.toAnthropic(tool)]) {
      const error = thrown(run);
      expect(error.message).toContain("message 2 (tool) is a tool message, which needs the id of the tool call it answers");
      expect(error.suggestion).toContain("append them to the request's messages yourself");
    }
  });

  it("assistant text parts: joined into one string for the Responses API, kept as text blocks elsewhere", () => {
    const vars = { ...VARIABLES, history: [{ role: "assistant", content: [{ type: "text", text: "Order 42 " }, { type: "text", text: "shipped." }] }] };
    expect(agent.toOpenAI(vars).input[1]).toEqual({ role: "assistant", content: "Order 42 shipped." });
    expect(agent.toOpenAI(vars, { api: "chat" }).messages[1]).toEqual({ role: "assistant", content: [{ type: "text", text: "Order 42 " }, { type: "text", text: "shipped." }] });
    expect(agent.toAnthropic(vars).messages[0]).toEqual({ role: "assistant", content: [{ type: "text", text: "Order 42 " }, { type: "text", text: "shipped." }] });
  });
});

describe("the bodies as the official clients send them to a loopback stub", () => {
  let stub: ProviderStub;
  beforeAll(async () => {
    stub = await providerStub();
  });
  afterAll(async () => {
    await stub?.close();
  });

  it("openai's responses.create, chat.completions.create and @anthropic-ai/sdk's messages.create send each body unchanged", async () => {
    const openai = new OpenAI({ apiKey: "sk-test", baseURL: `${stub.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: "sk-ant-test", baseURL: stub.url, maxRetries: 0 });
    const responsesBody = agent.toOpenAI(VARIABLES);
    const chatBody = agent.toOpenAI(VARIABLES, { api: "chat" });
    const messagesBody = agent.toAnthropic(VARIABLES);

    const response = await openai.responses.create(responsesBody);
    const completion = await openai.chat.completions.create(chatBody);
    const message = await anthropic.messages.create(messagesBody);
    expect([response.output_text, completion.choices[0]!.message.content, message.content[0]]).toEqual(["ok", "ok", { type: "text", text: "ok" }]);

    expect(stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/responses", "POST /v1/chat/completions", "POST /v1/messages"]);
    const [responsesSent, chatSent, messagesSent] = stub.requests.map((r) => r.body);
    expect(responsesSent).toEqual(responsesBody);
    expect(chatSent).toEqual(chatBody);
    expect(messagesSent).toEqual(messagesBody);
    expect(stub.requests[0]!.headers.authorization).toBe("Bearer sk-test");
    expect(stub.requests[2]!.headers.authorization).toBe("Bearer sk-ant-test");
    // The API version that refuses temperature, top_p and top_k, which is why toAnthropic() leaves them out.
    expect(stub.requests[2]!.headers["anthropic-version"]).toBe("2026-10-21");
  });
});
