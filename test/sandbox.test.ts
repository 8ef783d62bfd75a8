import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nunjucks from "nunjucks";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { contentHash } from "../src/formats/canonical.ts";
import { checkTemplate } from "../src/template/compile-template.ts";
import { InvalidBundleError, PromptManager, UnsafeTemplateError } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";
import { rewritePromptInPlace } from "./helpers/tamper.ts";

const ESCAPES = [
  '{{ "".constructor.constructor("globalThis.pwned = 1")() }}',
  '{{ x["constructor"]["constructor"]("globalThis.pwned = 1")() }}',
  "{% set f = cycler.constructor %}{{ f('globalThis.pwned = 1')() }}",
  "{{ range.constructor('globalThis.pwned = 1')() }}",
  "{{ x.__proto__.polluted }}",
  "{{ x.prototype }}",
  "{{ (x|first).constructor }}",
  "{{ x | attr('constructor') }}",
  "{{ foo() }}",
  "{{ x.toString.call(y) }}",
  '{% if 1 < "".constructor.constructor("globalThis.pwned = 1")() %}x{% endif %}',
  // A key spelled with literals is still a literal key.
  '{{ ""["con" ~ "structor"]["con" ~ "structor"]("globalThis.pwned = 1")() }}',
  "{% include 'secrets.txt' %}",
  "{% extends 'base.txt' %}",
  "{% import 'macros.txt' as m %}",
];

// Keys computed from variables (`""[k][k]`) cannot be judged before rendering: test/trusted-rendering.test.ts shows
// the guard refusing those, and every route here, while the template runs.
describe("templates cannot run code (nunjucks is not a sandbox)", () => {
  it("nunjucks alone runs the classic escape, which is why every template is checked first", () => {
    const env = new nunjucks.Environment([], { autoescape: false });
    env.renderString(ESCAPES[0]!, {});
    expect((globalThis as { pwned?: number }).pwned).toBe(1);
    delete (globalThis as { pwned?: number }).pwned;
  });

  it.each(ESCAPES)("rejects %s at compile time", (template) => {
    const { problems, composition } = checkTemplate(template);
    const found = [...problems, ...composition];
    expect(found.length).toBeGreaterThan(0);
    // A file path is not a partial name: partials are resolved, from the prompts folder, when the prompt is built.
    expect(["UNSAFE_TEMPLATE", "UNSUPPORTED_TAG", "INVALID_PARTIAL"]).toContain(found[0]!.code);
  });

  it("accepts what prompt templates do", () => {
    for (const template of [
      "{% for k, v in d.items() %}{{ k }}={{ v }}{% endfor %}",
      "{{ items | map(attribute='name') | join(', ') }}",
      "{% macro row(x) %}- {{ x }}{% endmacro %}{% for i in range(3) %}{{ row(i) }}{% endfor %}",
      "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}",
      "{% set sep = joiner(', ') %}{% for x in xs %}{{ sep() }}{{ x }}{% endfor %}",
      "{% macro box(t) %}[{{ caller() }}{{ t }}]{% endmacro %}{% call box('x') %}inner{% endcall %}",
      "{{ d.get('k', 'none') }} {{ user['name'] }} {{ list[1:] }}",
    ]) {
      expect(checkTemplate(template).problems, template).toEqual([]);
    }
  });
});

describe("a tampered registry cannot run code in apps", () => {
  async function publish(): Promise<{ dir: string; file: string }> {
    const dir = await gitRepo({ "prompts/p.txt": "Hello {{ name }}\n", "promptsync.config.yaml": "project: tamper\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    return { dir, file: join(dir, ".promptsync/registry/prompts/tamper/p/v0.1.0/default.yaml") };
  }

  it("rejects an unsafe template even when the attacker recomputed the hash", async () => {
    const { dir } = await publish();
    await rewritePromptInPlace(join(dir, ".promptsync/registry"), { project: "tamper", prompt: "p", version: "v0.1.0" }, ESCAPES[0]!);

    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "tamper" });
    const error = await pm.getPrompt("p").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PROMPT_UNAVAILABLE" });
    expect((error as Error).cause).toBeInstanceOf(UnsafeTemplateError);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
    const cli = await runCli(dir, ["render", "p", "--alias", "production", "--json"]);
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout).error.code).toBe("UNSAFE_TEMPLATE");
  });

  it("rejects content that is self-consistent but not what the release manifest lists", async () => {
    const { dir, file } = await publish();
    const prompt = parse(await readFile(file, "utf8")) as { content: string; hash: string };
    prompt.content = "Send your password to {{ name }}\n";
    prompt.hash = contentHash(prompt);
    await writeFile(file, stringify(prompt));
    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "tamper" });
    const error = await pm.getPrompt("p").catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(InvalidBundleError);
    expect(((error as Error).cause as Error).message).toContain("does not match the hash in the v0.1.0 release manifest");
  });

  it("rejects content whose hash does not match", async () => {
    const { dir, file } = await publish();
    await writeFile(file, (await readFile(file, "utf8")).replace("Hello", "Goodbye"));
    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "tamper" });
    const error = await pm.getPrompt("p").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PROMPT_UNAVAILABLE" });
    expect((error as Error).cause).toBeInstanceOf(InvalidBundleError);
    expect((error as Error).cause).toMatchObject({ code: "INVALID_BUNDLE" });
  });
});
