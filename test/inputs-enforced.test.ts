import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { contentHash } from "../src/formats/canonical.ts";
import { InputValidationError, PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";

const REGISTRY = ".promptsync/registry";

const PROFILE = [
  "inputs:",
  "  type: object",
  "  required: [name, age]",
  "  additionalProperties: false",
  "  properties:",
  "    name: { type: string, minLength: 1, maxLength: 40 }",
  "    age: { type: integer, minimum: 0 }",
  '    handle: { type: string, pattern: "^@[a-z0-9_]{1,15}$" }',
  "    plan: { enum: [free, pro] }",
  "    address:",
  "      type: object",
  "      properties:",
  '        zip: { type: string, pattern: "^[0-9]{5}$" }',
  "content: \"{{ name }} is {{ age.upper() }} years old{% if handle is defined %}, {{ handle }}{% endif %}\"",
  "variants:",
  "  - tags: { tone: short }",
  '    content: "{{ name }}"',
  "",
].join("\n");

interface ErrorJson {
  error: { code: string; message: string; diagnostics?: { file: string; line: number; column: number; code: string; message: string }[] };
}

async function failing(dir: string, args: string[]): Promise<ErrorJson["error"]> {
  const result = await runCli(dir, [...args, "--json"]);
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout + result.stderr).not.toMatch(/\n\s+at .*\(/);
  return (JSON.parse(result.stdout) as ErrorJson).error;
}

function thrown(run: () => unknown): InputValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputValidationError) return error;
    throw error;
  }
  throw new Error("format() did not throw");
}

async function published(files: Record<string, string>, project = "inputs"): Promise<string> {
  const dir = await gitRepo({ "promptsync.config.yaml": `project: ${project}\n`, ...files });
  await cliJson(dir, ["push", "--alias", "production"]);
  return dir;
}

function manager(dir: string): PromptManager {
  return new PromptManager({ registry: join(dir, REGISTRY), project: "inputs", refreshStrategy: "none" } as never);
}

describe("the SDK enforces inputs without ajv", () => {
  it("loading a prompt with inputs (the built package) compiles its check and loads no ajv", async () => {
    const dir = await published({ "prompts/greeting.yaml": 'inputs: { properties: { name: { pattern: "^[A-Z]" } } }\ncontent: Hi {{ name }}\n' }, "trace");
    const trace = fileURLToPath(new URL("fixtures/trace-imports.mjs", import.meta.url));
    const root = fileURLToPath(new URL("..", import.meta.url));
    const scenario = JSON.stringify({ registry: join(dir, REGISTRY), cwd: dir });
    const { afterGetPrompt } = JSON.parse(execFileSync(process.execPath, [trace, "promptsync", scenario], { cwd: root, encoding: "utf8" })) as { afterGetPrompt: string[] };
    expect(afterGetPrompt.some((url) => url.endsWith("/dist/src/json-schema/pike-vm.js"))).toBe(true);
    expect(afterGetPrompt.filter((url) => /\/node_modules\/ajv/.test(url))).toEqual([]);
  });
});

describe("push refuses an inputs schema format() could not enforce, at file:line, every problem in one run", () => {
  it("names each keyword, value and pattern outside the subset", async () => {
    const dir = await gitRepo({
      "promptsync.config.yaml": "project: inputs\n",
      "prompts/a.yaml": [
        "inputs:",
        "  properties:",
        "    email: { type: string, formt: email }",
        "    code:",
        '      pattern: "(a)\\\\1"',
        "    age: { minimum: \"3\" }",
        "  unevaluatedProperties: false",
        "content: Hi {{ email }}",
        "",
      ].join("\n"),
      "prompts/b.md": ["---", "inputs:", "  $ref: https://example.com/schema.json", "---", "Hi {{ x }}", ""].join("\n"),
      "prompts/ok.txt": "Hi\n",
    });
    const error = await failing(dir, ["push"]);
    expect(error.code).toBe("COMPILE_FAILED");
    const found = error.diagnostics!.map((d) => ({ file: d.file, line: d.line, code: d.code, message: d.message }));
    expect(found).toEqual([
      { file: "a.yaml", line: 3, code: "INVALID_INPUTS", message: expect.stringMatching(/^inputs\/properties\/email\/formt: unsupported keyword "formt" \(Did you mean "format"\?\)/) },
      { file: "a.yaml", line: 5, code: "INVALID_INPUTS", message: expect.stringMatching(/^inputs\/properties\/code\/pattern: pattern "\(a\)\\\\1": backreferences/) },
      { file: "a.yaml", line: 6, code: "INVALID_INPUTS", message: "inputs/properties/age/minimum: minimum must be a number" },
      { file: "a.yaml", line: 7, code: "INVALID_INPUTS", message: expect.stringMatching(/^inputs\/unevaluatedProperties: unsupported keyword/) },
      { file: "b.md", line: 3, code: "INVALID_INPUTS", message: expect.stringMatching(/^inputs\/\$ref: \$ref "https:\/\/example.com\/schema.json": only local references/) },
    ]);
    const text = await runCli(dir, ["push"]);
    expect(text.stderr).toMatch(/a\.yaml:5:\d+: INVALID_INPUTS: inputs\/properties\/code\/pattern/);
    // validate without a version (the pre-commit check) reports the same problems.
    expect((await failing(dir, ["validate"])).diagnostics).toEqual(error.diagnostics);
  });
});

describe("format() checks the variables against inputs before rendering", () => {
  it("through push and getPrompt: every violation, named by variable and rule, and nothing rendered", async () => {
    const pm = manager(await published({ "prompts/profile.yaml": PROFILE }));
    const prompt = await pm.getPrompt("profile");
    // age.upper() would fail to render a number: the inputs check comes first.
    const error = thrown(() => prompt.format({ name: "", age: -1, handle: "Ada Lovelace", plan: "gold", address: { zip: "123" }, extra: true }));
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toBe(
      'Prompt "profile" got variables its inputs schema does not allow: ' +
        [
          'variable "name": must be at least 1 characters long (minLength)',
          'variable "age": must be >= 0 (minimum)',
          'variable "handle": must match the pattern "^@[a-z0-9_]{1,15}$" (pattern)',
          'variable "plan": must be one of "free", "pro" (enum)',
          'variable "address.zip": must match the pattern "^[0-9]{5}$" (pattern)',
          'variable "extra": is not allowed: the inputs schema does not declare it (additionalProperties)',
        ].join("; "),
    );
    expect(error.violations[1]).toEqual({ variable: "age", path: "age", rule: "minimum", message: "must be >= 0" });
    expect(error.violations[4]).toMatchObject({ variable: "address", path: "address.zip", rule: "pattern" });
    expect(thrown(() => prompt.format({ name: "Ada" })).violations).toEqual([{ variable: "age", path: "age", rule: "required", message: "is required" }]);
    expect(thrown(() => prompt.formatMessages({ name: "Ada", age: "36" })).message).toContain('variable "age": must be integer, got string (type)');
    // Valid variables render (and the template then fails on age.upper(), as it would without inputs).
    expect(() => prompt.format({ name: "Ada", age: 36, handle: "@ada" })).toThrow(/upper/);
    // Variants are checked against the same inputs.
    const short = await pm.getPrompt("profile", { tags: { tone: "short" } });
    expect(short.format({ name: "Ada", age: 36, plan: "pro", address: { zip: "12345" } })).toBe("Ada");
    expect(thrown(() => short.format({ name: "Ada", age: 1.5 })).violations.map((v) => v.rule)).toEqual(["type"]);
  });

  it("a pattern built to backtrack checks a 100,000-character value without hanging", async () => {
    const pm = manager(await published({ "prompts/p.yaml": 'inputs: { properties: { s: { pattern: "^(a+)+$" } } }\ncontent: "{{ s | length }}"\n' }));
    const prompt = await pm.getPrompt("p");
    expect(prompt.format({ s: "a".repeat(100_000) })).toBe("100000");
    expect(thrown(() => prompt.format({ s: `${"a".repeat(100_000)}!` })).violations.map((v) => v.rule)).toEqual(["pattern"]);
  });

  it("the CLI's render enforces it too, and --lenient (no strict checks) does not", async () => {
    const dir = await published({ "prompts/profile.yaml": PROFILE });
    const error = await failing(dir, ["render", "profile", "--alias", "production", "--var", "name=Ada", "--var-json", "age=-3"]);
    expect(error).toMatchObject({ code: "INPUT_INVALID", message: expect.stringContaining('variable "age": must be >= 0 (minimum)') });
    const local = await failing(dir, ["render", "profile", "--var", "name=Ada", "--var", "age=3", "--tags", "tone=short"]);
    expect(local.message).toContain('variable "age": must be integer, got string (type)');
    const lenient = await runCli(dir, ["render", "profile", "--var", "name=Ada", "--var", "age=3", "--tags", "tone=short", "--lenient"]);
    expect(lenient).toMatchObject({ code: 0, stdout: "Ada\n" });
  });

  it("in local mode (the app's prompts folder, no registry)", async () => {
    const dir = await tempDir();
    await writeFiles(dir, { "good/profile.yaml": PROFILE, "bad/p.yaml": 'inputs: { properties: { s: { pattern: "(?=x)" } } }\ncontent: Hi\n' });
    const local = (folder: string) => new PromptManager({ cwd: dir, promptsDir: join(dir, folder), project: "local" });
    const prompt = await local("good").getPrompt("profile", { tags: { tone: "short" } });
    expect(prompt.format({ name: "Ada", age: 3 })).toBe("Ada");
    expect(thrown(() => prompt.format({ name: "Ada", age: -3 })).message).toContain('variable "age": must be >= 0 (minimum)');
    const refused = await local("bad")
      .getPrompt("p")
      .then(
        () => undefined,
        (e: unknown) => e as { code: string; diagnostics?: { code: string; line: number; message: string }[] },
      );
    expect(refused).toMatchObject({ code: "COMPILE_FAILED", diagnostics: [{ code: "INVALID_INPUTS", line: 1, message: expect.stringMatching(/lookahead/) }] });
  });
});

/** What an attacker with write access to a folder registry does: rewrites a prompt's inputs, with its hashes. */
async function tamperInputs(dir: string, inputs: unknown): Promise<void> {
  const registry = join(dir, REGISTRY);
  const file = join(registry, "prompts/inputs/p/v0.1.0/default.yaml");
  const prompt = parse(await readFile(file, "utf8")) as { inputs: unknown; hash: string };
  prompt.inputs = inputs;
  prompt.hash = contentHash(prompt);
  await writeFile(file, stringify(prompt));
  const manifestFile = join(registry, "prompts/inputs/_releases/v0.1.0.json");
  const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { prompts: Record<string, { hash: string }> };
  manifest.prompts.p!.hash = prompt.hash;
  await writeFile(manifestFile, JSON.stringify(manifest));
}

describe("a registry whose inputs were rewritten outside push", () => {
  it.each([
    ["an unsupported keyword", { properties: { s: { type: "string", unevaluatedProperties: false } } }, /inputs\/properties\/s\/unevaluatedProperties: unsupported keyword/],
    ["a backreference", { properties: { s: { pattern: "^(a+)\\1$" } } }, /inputs\/properties\/s\/pattern: pattern "\^\(a\+\)\\\\1\$": backreferences/],
    ["a $ref loop", { $ref: "#/$defs/a", $defs: { a: { allOf: [{ $ref: "#" }] } } }, /loops back/],
  ])("is refused when loaded, not served unchecked: %s", async (_name, inputs, message) => {
    const dir = await published({ "prompts/p.yaml": 'inputs: { properties: { s: { type: string } } }\ncontent: "{{ s }}"\n' });
    await tamperInputs(dir, inputs);
    const error = (await manager(dir)
      .getPrompt("p")
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as { code: string; cause?: { code: string; message: string } };
    expect(error.code).toBe("PROMPT_UNAVAILABLE");
    expect(error.cause).toMatchObject({ code: "INVALID_BUNDLE", message: expect.stringMatching(message) });
    const cli = await failing(dir, ["render", "p", "--alias", "production", "--var", "s=x"]);
    expect(cli).toMatchObject({ code: "INVALID_BUNDLE", message: expect.stringMatching(message) });
  });
});
