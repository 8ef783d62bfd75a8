import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { contentHash } from "../src/formats/canonical.ts";
import { InvalidMessageError, MissingVariableError, PromptManager, RenderError, UnsafeTemplateError, type RenderedMessage } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";

/** The 1-based line of the first line of `text` that contains `needle` (after the `after` line, if given). */
function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split("\n");
  const start = after === undefined ? 0 : lines.findIndex((l) => l.includes(after));
  const index = lines.findIndex((l, i) => i >= start && l.includes(needle));
  if (index < 0) throw new Error(`no line with ${needle}`);
  return index + 1;
}

/** `file:line: CODE: message` of each diagnostic the CLI printed. */
function diagnostics(stderr: string): { file: string; line: number; code: string; message: string }[] {
  return [...stderr.matchAll(/^(\S+):(\d+):\d+: ([A-Z_]+): (.*)$/gm)].map((m) => ({ file: m[1]!, line: Number(m[2]), code: m[3]!, message: m[4]! }));
}

/** Objects nested `depth` levels below this one, each strict but the innermost, as a YAML flow mapping. */
function deepObject(depth: number): string {
  return depth === 0
    ? "{ type: object, properties: {} }"
    : `{ type: object, additionalProperties: false, required: [n], properties: { n: ${deepObject(depth - 1)} } }`;
}

const TOOLS = `messages:
  - role: user
    content: "{{ question }}"
tools:
  - name: lookup
    parameters:
      type: object
      properties:
        id: { type: strin }
  - name: lookup
    parameters:
      type: object
  - name: refund
    parameters: { type: string }
  - name: linked
    parameters:
      type: object
      properties:
        order: { $ref: "#/$defs/order" }
  - name: drafted
    parameters:
      $schema: http://json-schema.org/draft-07/schema#
      type: object
  - name: strict_one
    strict: true
    parameters:
      type: object
      properties:
        id: { type: string, minLength: 3 }
        note: { type: string }
        when: { type: string, format: uri }
        deep: { $ref: "#/$defs/d1" }
      required: [id, when, deep]
      additionalProperties: false
      $defs:
        d1: { type: object, additionalProperties: false, required: [n], properties: { n: { $ref: "#/$defs/d2" } } }
        d2: ${deepObject(9)}
  - name: loose
    strict: true
    parameters:
      type: object
      properties:
        a: { type: string }
output:
  name: reply
  strict: true
  schema:
    type: array
    items: { type: string }
variants:
  - tags: { tone: short }
    messages:
      - role: user
        content: "{{ question }}"
    tools:
      - name: v_tool
        parameters: { type: object, properties: { x: { type: 7 } } }
`;

const BAD_MESSAGES = `messages:
  - placeholder: history
  - role: user
    content:
      - type: image
        url: http://insecure.example/a.png
      - type: audio
        url: "https://sounds.example/a.wav"
      - type: file
        url: "{{ file_url }}"
  - placeholder: history
    required: false
`;

const BAD_NAME = `messages:
  - role: user
    content: hi
tools:
  - name: "has spaces"
    parameters: { type: object }
`;

describe("build checks: tools, output and messages", () => {
  it("reports every problem of every file in one run (tools, output, literal part urls, duplicate placeholders), each at its file:line, and publishes nothing", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/tools.yaml": TOOLS, "prompts/named.yaml": BAD_NAME, "prompts/messages.yaml": BAD_MESSAGES });
    const result = await runCli(dir, ["push"]);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    const found = diagnostics(result.stderr);
    const at = (needle: string, after?: string) => lineOf(TOOLS, needle, after);
    const expected = [
      { file: "named.yaml", line: lineOf(BAD_NAME, "has spaces"), code: "SCHEMA_VIOLATION", message: "tools.0.name must be 1 to 64 letters, digits, _ or - (the providers' limit for tool and schema names)" },
      { file: "tools.yaml", line: at("type: strin"), code: "INVALID_SCHEMA", message: expect.stringMatching(/^tool "lookup" parameters at properties\.id\.type: must be equal to one of the allowed values/) },
      { file: "tools.yaml", line: at("- name: lookup", "type: strin"), code: "DUPLICATE_TOOL", message: 'tool "lookup" is defined twice (tools 1 and 2)' },
      { file: "tools.yaml", line: at("parameters: { type: string }"), code: "INVALID_SCHEMA", message: 'tool "refund" parameters must be an object schema (type: object), as providers take named arguments and JSON objects' },
      { file: "tools.yaml", line: at("type: object", "name: linked"), code: "INVALID_SCHEMA", message: expect.stringMatching(/^tool "linked" parameters: does not compile: can't resolve reference #\/\$defs\/order/) },
      { file: "tools.yaml", line: at("$schema"), code: "INVALID_SCHEMA", message: 'tool "drafted" parameters at $schema: must be https://json-schema.org/draft/2020-12/schema, or left out (schemas are checked as JSON Schema 2020-12)' },
      { file: "tools.yaml", line: at("minLength"), code: "STRICT_SCHEMA", message: 'tool "strict_one" parameters at properties.id.minLength: "minLength" is not supported in strict mode' },
      { file: "tools.yaml", line: at("format: uri"), code: "STRICT_SCHEMA", message: expect.stringContaining('tool "strict_one" parameters at properties.when.format: format "uri" is not supported in strict mode') },
      { file: "tools.yaml", line: at("type: object", "name: strict_one"), code: "STRICT_SCHEMA", message: 'tool "strict_one" parameters: strict mode needs every property in `required`; missing: note (make a field optional with type: [<type>, "null"])' },
      { file: "tools.yaml", line: at("d2:"), code: "STRICT_SCHEMA", message: expect.stringMatching(/^tool "strict_one" parameters at \$defs\.d2(\.properties\.n)+: objects are nested more than 10 levels deep/) },
      { file: "tools.yaml", line: at("d2:"), code: "STRICT_SCHEMA", message: expect.stringMatching(/^tool "strict_one" parameters at \$defs\.d2(\.properties\.n)+: strict mode needs `additionalProperties: false` on every object$/) },
      { file: "tools.yaml", line: at("type: object", "name: loose"), code: "STRICT_SCHEMA", message: 'tool "loose" parameters: strict mode needs `additionalProperties: false` on every object' },
      { file: "tools.yaml", line: at("type: object", "name: loose"), code: "STRICT_SCHEMA", message: expect.stringContaining('tool "loose" parameters: strict mode needs every property in `required`; missing: a') },
      { file: "tools.yaml", line: at("type: array"), code: "INVALID_SCHEMA", message: expect.stringContaining('output "reply" schema must be an object schema (type: object)') },
      { file: "messages.yaml", line: lineOf(BAD_MESSAGES, "http://insecure"), code: "INVALID_CONTENT_PART", message: "message 2 part 1: an image part's url must start with https: or data:" },
      { file: "messages.yaml", line: lineOf(BAD_MESSAGES, "sounds.example"), code: "INVALID_CONTENT_PART", message: "message 2 part 2: an audio part's url must be a data:audio/wav or data:audio/mpeg URL" },
      { file: "messages.yaml", line: lineOf(BAD_MESSAGES, "- placeholder: history", "file_url"), code: "DUPLICATE_PLACEHOLDER", message: 'placeholder "history" appears twice: its messages would be inserted twice' },
      { file: "tools.yaml", line: at("type: 7"), code: "INVALID_SCHEMA", message: expect.stringMatching(/^tool "v_tool" parameters at properties\.x\.type: /) },
    ];
    for (const e of expected) expect(found, JSON.stringify(e.message)).toContainEqual(e);
    expect(found).toHaveLength(expected.length);
    expect(result.stderr).toContain("nothing was published");
    await expect(readdir(join(dir, ".promptsync/registry/prompts/shop"))).rejects.toThrow();
  });

  it("the SDK compiling local files runs the checks that need no ajv (the meta-schema check is the CLI's)", async () => {
    const dir = await gitRepo({ "prompts/dup.yaml": "messages:\n  - role: user\n    content: hi\ntools:\n  - name: a\n    parameters: { type: object }\n  - name: a\n    parameters: { type: object }\n" });
    const pm = new PromptManager({ cwd: dir, promptsDir: join(dir, "prompts"), project: "local" });
    await expect(pm.getPrompt("dup")).rejects.toMatchObject({ code: "COMPILE_FAILED", diagnostics: [{ file: "dup.yaml", line: 7, code: "DUPLICATE_TOOL" }] });
  });
});

const CHAT = `messages:
  - role: system
    content: "You help {{ user }}."
  - placeholder: history
  - role: user
    content:
      - type: text
        text: "Look at {{ what }}"
      - type: image
        url: "{{ image }}"
        detail: high
      - type: file
        url: "https://files.example/{{ doc }}.pdf"
        filename: report.pdf
      - type: audio
        url: "{{ clip }}"
  - placeholder: notes
    required: false
tools:
  - name: lookup_order
    description: Find an order
    strict: true
    parameters:
      type: object
      properties:
        id: { type: string, description: "The order id" }
      required: [id]
      additionalProperties: false
output:
  name: reply
  schema:
    type: object
    properties:
      answer: { type: string }
    required: [answer]
variants:
  - tags: { tier: pro }
    messages:
      - role: user
        content: "{{ what }}"
    tools: []
    output:
      name: pro_reply
      schema: { type: object, properties: { text: { type: string } } }
`;

const VALUES = {
  user: "Ann",
  what: "this",
  image: "https://img.example/a.png",
  doc: "q3",
  clip: "data:audio/wav;base64,UklGRg==",
  history: [
    { role: "user", content: "Earlier {{ user }}" },
    { role: "assistant", content: [{ type: "text", text: "ok" }, { type: "image", url: "data:image/png;base64,iVBOR", detail: "low" }] },
  ],
};

async function pushedChat() {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/chat.yaml": CHAT, "prompts/plain.txt": "Hi {{ name }}\n" });
  await cliJson(dir, ["push", "--version", "v0.1.0"]);
  const registry = join(dir, ".promptsync/registry");
  return { dir, registry, pm: new PromptManager({ registry, project: "shop" }) };
}

describe("placeholders and content parts through push and the SDK", () => {
  it("fills placeholders with data, renders parts, and exposes tools and output (a variant's replace the prompt's)", async () => {
    const { pm } = await pushedChat();
    const prompt = await pm.getPrompt("chat", { versionOrAlias: "v0.1.0" });
    expect(prompt.variables).toEqual([
      { name: "clip", required: true }, { name: "doc", required: true }, { name: "history", required: true }, { name: "image", required: true },
      { name: "notes", required: false }, { name: "user", required: true }, { name: "what", required: true },
    ]);
    const messages: RenderedMessage[] = prompt.formatMessages(VALUES);
    expect(messages).toEqual([
      { role: "system", content: "You help Ann." },
      { role: "user", content: "Earlier {{ user }}" }, // data, never rendered
      { role: "assistant", content: [{ type: "text", text: "ok" }, { type: "image", url: "data:image/png;base64,iVBOR", detail: "low" }] },
      {
        role: "user",
        content: [
          { type: "text", text: "Look at this" },
          { type: "image", url: "https://img.example/a.png", detail: "high" },
          { type: "file", url: "https://files.example/q3.pdf", filename: "report.pdf" },
          { type: "audio", url: "data:audio/wav;base64,UklGRg==" },
        ],
      },
    ]);
    // The optional placeholder, when given, is filled in its place.
    const withNotes = prompt.formatMessages({ ...VALUES, notes: [{ role: "developer", content: "n" }] });
    expect(withNotes.at(-1)).toEqual({ role: "developer", content: "n" });
    // The copies are the SDK's: changing the app's array afterwards changes nothing rendered.
    expect(messages[1]).not.toBe(VALUES.history[0]);

    expect(prompt.tools).toEqual([{ name: "lookup_order", description: "Find an order", strict: true, parameters: { type: "object", properties: { id: { type: "string", description: "The order id" } }, required: ["id"], additionalProperties: false } }]);
    expect(prompt.output).toEqual({ name: "reply", schema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] } });
    const pro = await pm.getPrompt("chat", { versionOrAlias: "v0.1.0", tags: { tier: "pro" } });
    expect(pro.tools).toEqual([]);
    expect(pro.output?.name).toBe("pro_reply");
    expect(pro.formatMessages({ what: "x" })).toEqual([{ role: "user", content: "x" }]);
  });

  it("a missing required placeholder is a MissingVariableError naming it; bad messages are InvalidMessageErrors naming placeholder, index and rule", async () => {
    const { pm } = await pushedChat();
    const prompt = await pm.getPrompt("chat", { versionOrAlias: "v0.1.0" });
    const { history: _history, ...withoutHistory } = VALUES;
    expect(() => prompt.formatMessages(withoutHistory)).toThrow(MissingVariableError);
    expect(() => prompt.formatMessages(withoutHistory)).toThrow('Prompt "chat" needs variable "history"');
    const bad = (history: unknown): InvalidMessageError => {
      try {
        prompt.formatMessages({ ...VALUES, history });
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidMessageError);
        return error as InvalidMessageError;
      }
      throw new Error("no error");
    };
    const cases: [unknown, number | undefined, string][] = [
      ["not a list", undefined, 'placeholder "history" must be a list of messages ({role, content}), got "not a list"'],
      [[{ role: "user", content: "a" }, { role: "admin", content: "b" }], 1, 'placeholder "history" message [1]: role must be one of system, developer, user, assistant, tool, got "admin"'],
      [[{ role: "user", content: 42 }], 0, "message [0]: content must be a string or a list of content parts, got number"],
      [[{ role: "user", content: "a", name: "x" }], 0, 'message [0]: has the unknown field "name" (a message has only role and content)'],
      [["hello"], 0, 'message [0]: must be an object {role, content}, got "hello"'],
      [[{ role: "user", content: [] }], 0, "message [0]: content must have 1 to 100 parts, got 0"],
      [[{ role: "user", content: [{ type: "video", url: "https://v" }] }], 0, 'message [0]: content part 1 type must be one of text, image, file, audio, got "video"'],
      [[{ role: "user", content: [{ type: "image", url: "http://insecure/x.png" }] }], 0, "message [0]: content part 1 (image): an image part's url must start with https: or data:"],
      [[{ role: "user", content: [{ type: "text", text: 1 }] }], 0, "content part 1 (text) text must be a string, got number"],
      [Array.from({ length: 1001 }, () => ({ role: "user", content: "x" })), undefined, 'placeholder "history" has 1001 messages; at most 1000 are allowed'],
    ];
    for (const [history, index, message] of cases) {
      const error = bad(history);
      expect(error.message, message).toContain(message);
      expect(error.index).toBe(index);
      expect(error.placeholder).toBe("history");
      expect(error.code).toBe("INVALID_MESSAGE");
    }
  });

  it("the inserted messages' text counts against maxOutputLength", async () => {
    const { registry } = await pushedChat();
    const pm = new PromptManager({ registry, project: "shop", renderLimits: { maxOutputLength: 1000 } });
    const prompt = await pm.getPrompt("chat", { versionOrAlias: "v0.1.0" });
    expect(() => prompt.formatMessages({ ...VALUES, history: [{ role: "user", content: "x".repeat(600) }, { role: "user", content: "y".repeat(600) }] }))
      .toThrow('placeholder "history" message [1]: the messages hold more than 1000 characters (render limit maxOutputLength)');
  });

  it("a template may read a placeholder's variable too", async () => {
    const dir = await gitRepo({ "prompts/count.yaml": "messages:\n  - role: system\n    content: \"{{ history | length }} earlier messages\"\n  - placeholder: history\n" });
    const pm = new PromptManager({ cwd: dir, promptsDir: join(dir, "prompts"), project: "local" });
    const prompt = await pm.getPrompt("count");
    expect(prompt.formatMessages({ history: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] })).toEqual([
      { role: "system", content: "2 earlier messages" },
      { role: "user", content: "a" },
      { role: "assistant", content: "b" },
    ]);
  });

  it("one format() call's messages share the time and length limits: many messages or parts do not multiply them", async () => {
    const loop = (n: number) => `{% for i in range(${n}) %}{{ i }}{% endfor %}`;
    const many = (count: number, n: number) => `messages:\n${Array.from({ length: count }, () => `  - role: user\n    content:\n      - type: text\n        text: "${loop(n)}"\n`).join("")}`;
    const dir = await gitRepo({ "prompts/many.yaml": many(3000, 20), "prompts/long.yaml": many(10, 100) });
    const local = (renderLimits: object) => new PromptManager({ cwd: dir, promptsDir: join(dir, "prompts"), project: "local", renderLimits });
    // Each template spends far under 256 operations, so none reads the clock: only the call's own deadline stops it.
    const slow = await local({ timeoutMs: 1 }).getPrompt("many");
    expect(() => slow.formatMessages()).toThrow(expect.objectContaining({ code: "RENDER_LIMIT", limit: "timeoutMs", message: 'prompt "many": rendering its messages took longer than 1 ms' }));
    // Ten messages of 190 characters each fit alone, not together.
    const long = await local({ maxOutputLength: 1000 }).getPrompt("long");
    expect(() => long.formatMessages()).toThrow(expect.objectContaining({ code: "RENDER_LIMIT", limit: "maxOutputLength", message: 'prompt "long": its messages would be over 1000 characters together' }));
  });

  it("a rendered image or file url must be https: or data:, audio a data:audio URL; the error names message and part", async () => {
    const { pm } = await pushedChat();
    const prompt = await pm.getPrompt("chat", { versionOrAlias: "v0.1.0" });
    expect(() => prompt.formatMessages({ ...VALUES, image: "file:///etc/passwd" })).toThrow(RenderError);
    expect(() => prompt.formatMessages({ ...VALUES, image: "file:///etc/passwd" })).toThrow("message 3 part 2 (image): an image part's url must start with https: or data:, got \"file:///etc/passwd\"");
    expect(() => prompt.formatMessages({ ...VALUES, clip: "https://a/b.wav" })).toThrow("message 3 part 4 (audio): an audio part's url must be a data:audio/wav or data:audio/mpeg URL");
    expect(() => prompt.formatMessages({ ...VALUES, image: "  data:image/png;base64,AA  " })).not.toThrow();
  });

  it("writes promptsync.prompt/v2 (and variant/v2) only for a prompt that uses them; other prompts stay v1", async () => {
    const { registry } = await pushedChat();
    const root = join(registry, "prompts/shop");
    const chat = await readFile(join(root, "chat/v0.1.0/default.yaml"), "utf8");
    expect(chat).toMatch(/^format: promptsync\.prompt\/v2$/m);
    expect(chat).toContain("placeholder: history");
    expect(chat).toMatch(/placeholder: notes\n\s+required: false/);
    const variant = await readFile(join(root, "chat/v0.1.0/variants/pro.yaml"), "utf8");
    expect(variant).toMatch(/^format: promptsync\.variant\/v2$/m);
    const plain = await readFile(join(root, "plain/v0.1.0/default.yaml"), "utf8");
    expect(plain).toMatch(/^format: promptsync\.prompt\/v1$/m);
    expect(plain).not.toMatch(/tools|output|placeholder/);
  });
});

describe("show and render print placeholders, parts, tools and output", () => {
  it("show lists them; render prints rendered parts (a data URL by its size), the tools' names and the output schema's", async () => {
    const { dir } = await pushedChat();
    const show = await runCli(dir, ["show", "chat"]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("[placeholder history]\n[user]\n(text) Look at {{ what }}\n(image, detail high) {{ image }}\n(file report.pdf) https://files.example/{{ doc }}.pdf\n(audio) {{ clip }}\n[placeholder notes (optional)]");
    expect(show.stdout).toMatch(/^tools:\n {2}- name: lookup_order$/m);
    expect(show.stdout).toMatch(/^output:\n {2}name: reply$/m);
    const render = await runCli(dir, ["render", "chat", "--var", "user=Ann", "--var", "what=it", "--var", "image=data:image/png;base64,AAAA", "--var", "doc=d", "--var", "clip=data:audio/mpeg;base64,AA", "--var-json", 'history=[{"role":"user","content":"hi"}]']);
    expect(render.stderr).toBe("");
    expect(render.stdout).toBe("[system]\nYou help Ann.\n[user]\nhi\n[user]\n(text) Look at it\n(image, detail high) data:image/png;base64,… (26 characters)\n(file report.pdf) https://files.example/d.pdf\n(audio) data:audio/mpeg;base64,… (25 characters)\n[tools] lookup_order\n[output schema] reply\n");
    const json = await cliJson<{ tools: unknown[]; outputSchema: { name: string } }>(dir, ["render", "chat", "--tags", "tier=pro", "--var", "what=w"]);
    expect(json).toMatchObject({ variant: "pro", tools: [], outputSchema: { name: "pro_reply" } });
    const bad = await runCli(dir, ["render", "chat", "--var", "user=A", "--var", "what=w", "--var", "image=https://i", "--var", "doc=d", "--var", "clip=data:audio/wav;base64,", "--var-json", 'history=[{"role":"boss","content":"hi"}]']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: Prompt "chat": placeholder "history" message [0]: role must be one of system, developer, user, assistant, tool, got "boss"');
  });
});

/** What an attacker with write access to a folder registry does: rewrites a compiled prompt's messages, hashes kept consistent. */
async function rewriteMessages(registry: string, version: string, messages: unknown[]): Promise<void> {
  const file = join(registry, `prompts/shop/chat/${version}/default.yaml`);
  const prompt = parse(await readFile(file, "utf8")) as { messages: unknown[]; hash: string };
  prompt.messages = messages;
  prompt.hash = contentHash({ ...prompt, hash: "" });
  await writeFile(file, stringify(prompt, { aliasDuplicateObjects: false }));
  const manifestFile = join(registry, `prompts/shop/_releases/${version}.json`);
  const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { prompts: Record<string, { hash: string }> };
  manifest.prompts.chat!.hash = prompt.hash;
  await writeFile(manifestFile, JSON.stringify(manifest));
}

describe("a hostile registry's structured prompt", () => {
  it("a content part's template is checked by the guard like any template: the prompt is refused when it loads", async () => {
    const { registry } = await pushedChat();
    await rewriteMessages(registry, "v0.1.0", [{ role: "user", content: [{ type: "image", url: "{{ ''.constructor.constructor('return process')() }}" }] }]);
    const pm = new PromptManager({ registry, project: "shop" });
    const error = await pm.getPrompt("chat", { versionOrAlias: "v0.1.0" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PROMPT_UNAVAILABLE" });
    expect((error as Error).cause).toBeInstanceOf(UnsafeTemplateError);
  });

  it("5,000 parts cannot multiply the render limits of one call", async () => {
    const { registry } = await pushedChat();
    const part = { type: "text", text: "{% for i in range(20) %}{{ i }}{% endfor %}" };
    await rewriteMessages(registry, "v0.1.0", Array.from({ length: 50 }, () => ({ role: "user", content: Array.from({ length: 100 }, () => part) })));
    const pm = new PromptManager({ registry, project: "shop", renderLimits: { timeoutMs: 1 } });
    const prompt = await pm.getPrompt("chat", { versionOrAlias: "v0.1.0" });
    expect(() => prompt.formatMessages(VALUES)).toThrow(expect.objectContaining({ code: "RENDER_LIMIT", limit: "timeoutMs" }));
  });
});
