import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MissingVariableError, PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { snapshot, writeFiles } from "./helpers/fs.ts";
import { commitAll, gitRepo } from "./helpers/git.ts";

interface ErrorJson {
  error: { code: string; message: string; diagnostics?: { file: string; line: number; column: number; code: string; message: string; suggestion?: string }[] };
}

const REGISTRY = ".promptsync/registry";

async function repo(files: Record<string, string>): Promise<string> {
  return gitRepo({ "promptsync.config.yaml": "project: errors\n", ...files });
}

/** Runs a command that must fail with exit 1 and returns its JSON error. */
async function failing(dir: string, args: string[]): Promise<ErrorJson["error"]> {
  const result = await runCli(dir, [...args, "--json"]);
  expect(result.code, result.stderr).toBe(1);
  return (JSON.parse(result.stdout) as ErrorJson).error;
}

describe("push: versions", () => {
  it("auto-increments from v0.1.0, says when nothing changed, and honours --force and --bump", async () => {
    const dir = await repo({ "prompts/a.txt": "Hello {{ name }}\n" });
    expect(await cliJson(dir, ["push"])).toMatchObject({ version: "v0.1.0", status: "created" });
    const before = await snapshot(join(dir, REGISTRY));
    const again = await runCli(dir, ["push"]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain("No changes since v0.1.0; nothing published");
    expect(await snapshot(join(dir, REGISTRY))).toEqual(before);

    await writeFiles(dir, { "prompts/a.txt": "Hi {{ name }}\n" });
    expect(await cliJson(dir, ["push"])).toMatchObject({ version: "v0.1.1", status: "created" });
    expect(await cliJson(dir, ["push", "--force"])).toMatchObject({ version: "v0.1.2", status: "created" });
    await writeFiles(dir, { "prompts/b.txt": "B\n" });
    expect(await cliJson(dir, ["push", "--bump", "minor"])).toMatchObject({ version: "v0.2.0" });
    await writeFiles(dir, { "prompts/c.txt": "C\n" });
    expect(await cliJson(dir, ["push", "--bump", "major"])).toMatchObject({ version: "v1.0.0" });
    await writeFiles(dir, { "prompts/d.txt": "D\n" });
    expect(await cliJson(dir, ["push", "--version", "2.0.0-rc.1"])).toMatchObject({ version: "v2.0.0-rc.1" });
    await writeFiles(dir, { "prompts/e.txt": "E\n" });
    expect(await cliJson(dir, ["push"])).toMatchObject({ version: "v2.0.0" });
  });

  it("re-pushing an existing version with identical content is a successful no-op", async () => {
    const dir = await repo({ "prompts/a.txt": "Hello {{ name }}\n" });
    await cliJson(dir, ["push", "--version", "v1.0.0"]);
    const before = await snapshot(join(dir, REGISTRY));
    expect(await cliJson(dir, ["push", "--version", "v1.0.0"])).toMatchObject({ version: "v1.0.0", status: "unchanged" });
    expect(await snapshot(join(dir, REGISTRY))).toEqual(before);
  });

  it("pushing an existing version with other content fails with VERSION_IMMUTABLE and writes nothing", async () => {
    const dir = await repo({ "prompts/a.txt": "Hello {{ name }}\n" });
    await cliJson(dir, ["push", "--version", "v1.0.0"]);
    await writeFiles(dir, { "prompts/a.txt": "Changed {{ name }}\n", "prompts/new.md": "New\n" });
    const before = await snapshot(join(dir, REGISTRY));
    const error = await failing(dir, ["push", "--version", "v1.0.0", "--alias", "dev"]);
    expect(error.code).toBe("VERSION_IMMUTABLE");
    expect(await snapshot(join(dir, REGISTRY))).toEqual(before);
  });
});

describe("push: bad input is reported with file, line and a hint, and nothing is written", () => {
  const cases: { name: string; files: Record<string, string>; codes: [file: string, line: number, code: string][] }[] = [
    {
      name: "bad names",
      files: { "prompts/bad name.txt": "x\n", "prompts/ok/..hidden-is-skipped.txt": "x\n", "prompts/aliases/x.txt": "x\n", "prompts/v1.2.txt": "x\n" },
      codes: [["aliases/x.txt", 1, "INVALID_NAME"], ["bad name.txt", 1, "INVALID_NAME"], ["v1.2.txt", 1, "INVALID_NAME"]],
    },
    {
      name: "duplicate names",
      files: { "prompts/support/refund.md": "a\n", "prompts/support/refund.yaml": "content: b\n", "prompts/Greeting.txt": "a\n", "prompts/greeting.txt": "b\n" },
      codes: [
        ["Greeting.txt", 1, "DUPLICATE_NAME"], ["greeting.txt", 1, "DUPLICATE_NAME"],
        ["support/refund.md", 1, "DUPLICATE_NAME"], ["support/refund.yaml", 1, "DUPLICATE_NAME"],
      ],
    },
    {
      name: "invalid YAML",
      files: {
        "prompts/a.yaml": "name: a\nname: b\ncontent: x\n",
        "prompts/b.yaml": "content: [unclosed\n",
        "prompts/c.yaml": "name: ok\ncontent: |\n  hi\n bad\n",
      },
      codes: [["a.yaml", 2, "INVALID_YAML"], ["b.yaml", 2, "INVALID_YAML"], ["c.yaml", 4, "INVALID_YAML"]],
    },
    {
      name: "schema violations",
      files: { "prompts/a.yaml": "name: ok\ncontnet: hi\n", "prompts/b.yaml": "content: hi\nvariants:\n  - tags: {}\n    content: x\n" },
      codes: [["a.yaml", 2, "SCHEMA_VIOLATION"], ["b.yaml", 3, "SCHEMA_VIOLATION"]],
    },
    {
      name: "template syntax errors",
      files: { "prompts/a.md": "---\nname: A\n---\nline one\nline two {{ oops }\n", "prompts/b.yaml": "content: |\n  fine\n  {% if x %}never closed\n" },
      codes: [["a.md", 5, "TEMPLATE_SYNTAX"], ["b.yaml", 3, "TEMPLATE_SYNTAX"]],
    },
    {
      name: "sandbox escapes",
      files: {
        "prompts/a.txt": 'Hi {{ "".constructor.constructor("return process")() }}\n',
        "prompts/b.txt": "{{ x.__proto__ }}\n",
        "prompts/c.txt": "{{ foo() }}\n",
        "prompts/d.txt": "{% include 'other.txt' %}\n",
      },
      codes: [["a.txt", 1, "UNSAFE_TEMPLATE"], ["a.txt", 1, "UNSAFE_TEMPLATE"], ["b.txt", 1, "UNSAFE_TEMPLATE"], ["c.txt", 1, "UNSAFE_TEMPLATE"], ["d.txt", 1, "INVALID_PARTIAL"]],
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const dir = await repo({ "prompts/good.txt": "Good {{ x }}\n", ...c.files });
      const error = await failing(dir, ["push", "--alias", "dev"]);
      expect(error.code).toBe("COMPILE_FAILED");
      expect(error.diagnostics!.map((d) => [d.file, d.line, d.code])).toEqual(c.codes);
      for (const d of error.diagnostics!) expect(d.message.length).toBeGreaterThan(10);
      expect(await snapshot(join(dir, REGISTRY))).toEqual({});

      const text = await runCli(dir, ["push"]);
      expect(text.code).toBe(1);
      expect(text.stderr).toContain(`${c.codes[0]![0]}:${c.codes[0]![1]}:`);
      expect(text.stderr).toContain("nothing was published");
      expect(text.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it("reports every problem of a folder in one run, and the typo suggestion", async () => {
    const dir = await repo({ "prompts/a.yaml": "contnet: hi\n", "prompts/b.txt": "{{ x }\n", "prompts/c d.txt": "ok\n" });
    const error = await failing(dir, ["push"]);
    expect(error.diagnostics!.map((d) => d.file)).toEqual(["a.yaml", "b.txt", "c d.txt"]);
    expect(error.diagnostics![0]!.suggestion).toBe('Did you mean "content"?');
  });
});

describe("missing variables", () => {
  it("format() throws MISSING_VARIABLE naming every missing variable; defaults and guards make a variable optional", async () => {
    const dir = await repo({
      "prompts/a.txt": "{{ greeting | default('Hello') }} {{ name }} from {{ company }}{% if vip %}!{% endif %}{% if title is defined %} {{ title }}{% endif %}\n",
    });
    commitAll(dir, "prompt");
    await cliJson(dir, ["push", "--alias", "prod"]);
    const pm = new PromptManager({ registry: join(dir, REGISTRY), project: "errors" });
    const prompt = await pm.getPrompt("a", { versionOrAlias: "prod" });
    expect(prompt.variables).toEqual([
      { name: "company", required: true }, { name: "greeting", required: false }, { name: "name", required: true },
      { name: "title", required: false }, { name: "vip", required: false },
    ]);
    const error = (() => {
      try {
        prompt.format({ name: "Ann" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MissingVariableError);
    expect(error).toMatchObject({ code: "MISSING_VARIABLE", variables: ["company"] });
    expect(prompt.format({ name: "Ann", company: "Acme" })).toBe("Hello Ann from Acme");
    expect(prompt.format({ name: "Ann", company: "Acme", vip: true, title: "CEO" })).toBe("Hello Ann from Acme! CEO");
    const lenient = new PromptManager({ registry: join(dir, REGISTRY), project: "errors", strict: false });
    expect((await lenient.getPrompt("a", { versionOrAlias: "prod" })).format({})).toBe("Hello  from ");

    const cli = await failing(dir, ["render", "a", "--var", "name=Ann"]);
    expect(cli.code).toBe("MISSING_VARIABLE");
    expect(cli.message).toContain('"company"');
  });

  it("a required variable named like an Object.prototype member (toString, valueOf) is missing when not given", async () => {
    const dir = await repo({ "prompts/b.txt": "{{ toString }} and {{ valueOf }}\n" });
    commitAll(dir, "prompt");
    await cliJson(dir, ["push", "--alias", "prod"]);
    const prompt = await new PromptManager({ registry: join(dir, REGISTRY), project: "errors" }).getPrompt("b", { versionOrAlias: "prod" });
    expect(() => prompt.format({})).toThrow(expect.objectContaining({ code: "MISSING_VARIABLE", variables: ["toString", "valueOf"] }));
    expect(prompt.format({ toString: "a", valueOf: "b" })).toBe("a and b");
  });
});
