import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { cp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, PromptManager, RenderLimitError } from "../sdk/index.ts";
import { runCli } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";

/** Templates that hung the process or took gigabytes before the budget (the list and kin), with the limit each must hit. */
const HANGS: Record<string, { template: string; limit: string }> = {
  range_huge: { template: "{% for i in range(100000000) %}{% endfor %}", limit: "maxRange" },
  nested_loops: { template: "{% for i in range(20000) %}{% for j in range(20000) %}{% endfor %}{% endfor %}", limit: "maxOperations" },
  indent_huge: { template: '{{ "x" | indent(500000000) }}', limit: "maxOutputLength" },
  center_huge: { template: '{{ "x" | center(300000000) }}', limit: "maxOutputLength" },
  range_length: { template: "{{ range(0, 200000000, 1) | length }}", limit: "maxRange" },
  // A set inside a loop stays in its iteration (as in Jinja2): state that grows goes through a namespace().
  doubling: { template: '{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}', limit: "maxOutputLength" },
  doubling_plus: { template: '{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}', limit: "maxOutputLength" },
  doubling_macro: { template: '{% macro d(s, n) %}{% if n > 0 %}{{ d(s ~ s, n - 1) }}{% else %}{{ s | length }}{% endif %}{% endmacro %}{{ d("x", 64) }}', limit: "maxOutputLength" },
  doubling_list: { template: "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}", limit: "maxRange" },
  print_list: { template: '{% set s = "x" | center(1000000) %}{{ [s, s, s, s, s] }}', limit: "maxOutputLength" },
  print_shared_list: { template: '{% set ns = namespace(l=["x" | center(1000)]) %}{% for i in range(40) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l }}', limit: "maxOutputLength" },
  concat_shared_list: { template: '{% set ns = namespace(l=["x" | center(1000)]) %}{% for i in range(40) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ "a" ~ ns.l }}', limit: "maxOutputLength" },
  recursion: { template: "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}", limit: "maxDepth" },
  fan_out: { template: "{% macro m(n) %}{% if n < 60 %}{{ m(n + 1) }}{{ m(n + 1) }}{% endif %}{% endmacro %}{{ m(0) }}", limit: "maxOperations" },
  batch_fill: { template: '{{ [1] | batch(1000000000, "x") | length }}', limit: "maxRange" },
  slice_count: { template: "{{ [1] | slice(1000000000) | length }}", limit: "maxRange" },
  replace_growth: { template: '{% set ns = namespace(s="abcdefgh") %}{% for i in range(30) %}{% set ns.s = ns.s | replace("", ns.s) %}{% endfor %}', limit: "maxOutputLength" },
  replace_method: { template: '{% set ns = namespace(s="abcdefgh") %}{% for i in range(30) %}{% set ns.s = ns.s.replace("", ns.s) %}{% endfor %}', limit: "maxOutputLength" },
  tojson_indent: { template: "{{ [[[[1]]]] | tojson(indent=100000000) }}", limit: "maxOutputLength" },
  join_separator: { template: '{% set s = "x" | center(4000000) %}{{ range(1000) | join(s) }}', limit: "maxOutputLength" },
  output: { template: '{% set s = "x" | center(1000000) %}{% for i in range(100) %}{{ s }}{% endfor %}', limit: "maxOutputLength" },
  list_concat: { template: "{% set xs = range(100000) %}{{ (xs + xs) | length }}", limit: "maxRange" },
};

let repo: string;
let registry: string;

beforeAll(async () => {
  // Outside tempDir(), which is emptied after each test: every test here reads this one registry.
  repo = join(await mkdtemp(join(tmpdir(), "promptsync-budget-")), "repo");
  const files: Record<string, string> = {
    "promptsync.config.yaml": "project: budget\n",
    "prompts/big.txt": `{{ intro }}\n${"0123456789abcdef".repeat(65_536)}\n`,
    "prompts/many.txt": "{% for item in items %}- {{ loop.index }}. {{ item.title | upper }} ({{ item.score | round(1) }})\n{% endfor %}",
    "prompts/shared.txt": "{% macro row(n) %}{% for j in range(10) %}.{% endfor %}{% endmacro %}{% for i in range(10) %}{{ row(i) }}{% endfor %}",
  };
  for (const [name, { template }] of Object.entries(HANGS)) files[`prompts/${name}.txt`] = `${template}\n`;
  await cp(await gitRepo(files), repo, { recursive: true });
  const push = await runCli(repo, ["push", "--alias", "production"]);
  expect(push.stderr).toBe("");
  registry = join(repo, ".promptsync/registry");
});

afterAll(() => rm(dirname(repo), { recursive: true, force: true }));

function manager(options: ConstructorParameters<typeof PromptManager>[0] = {}): PromptManager {
  return new PromptManager({ registry, project: "budget", cacheStrategy: { refreshStrategy: "none" }, ...options });
}

describe("format() stops a template over its budget with RenderLimitError, naming the limit and the line", () => {
  it.each(Object.entries(HANGS).map(([name, hang]) => [name, hang.limit]))("%s → %s", async (name, limit) => {
    // The clock's limit at its highest: on a loaded machine the 1 s default came first, before the limit each hits.
    const prompt = await manager({ renderLimits: { timeoutMs: 10_000 } }).getPrompt(name);
    let error: unknown;
    try {
      prompt.format({});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RenderLimitError);
    expect(error).toMatchObject({ code: "RENDER_LIMIT", limit });
    expect((error as RenderLimitError).line).toBe(1);
    expect((error as Error).message).toContain(`prompt "${name}" line 1`);
  });
});

describe("the defaults are generous for real prompts", () => {
  it("a 1 MB prompt and a 10,000-item loop render", async () => {
    const pm = manager();
    expect(((await pm.getPrompt("big")).format({ intro: "hi" }) as string).length).toBeGreaterThan(1_000_000);
    const items = Array.from({ length: 10_000 }, (_, i) => ({ title: `item ${i}`, score: i / 7 }));
    const out = (await pm.getPrompt("many")).format({ items }) as string;
    expect(out.split("\n")).toHaveLength(10_001);
    expect(out).toContain("- 10000. ITEM 9999 (1428.4)");
  });
});

describe("renderLimits", () => {
  it("one budget is shared by everything a render calls", async () => {
    // range(10) and 10 iterations, each a macro call (2) making range(10) and running 10 iterations: 240 operations.
    expect((await manager({ renderLimits: { maxOperations: 240 } }).getPrompt("shared")).format({})).toBe(".".repeat(100));
    const error = await manager({ renderLimits: { maxOperations: 239 } })
      .getPrompt("shared")
      .then((p) => p.format({}))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "RENDER_LIMIT", limit: "maxOperations" });
  });

  it("a bad option is a ConfigError naming the field", () => {
    expect(() => manager({ renderLimits: { maxOperations: 0 } })).toThrow(ConfigError);
    expect(() => manager({ renderLimits: { maxOperations: 0 } })).toThrow(/renderLimits`: maxOperations must be a positive integer/);
    expect(() => manager({ renderLimits: { maxOps: 5 } as never })).toThrow(/unknown field "maxOps"/);
  });
});

describe("the CLI", () => {
  it("render exits 1 with RENDER_LIMIT and no stack trace", async () => {
    const result = await runCli(repo, ["render", "nested_loops", "--alias", "production"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/RENDER_LIMIT|operations/);
    expect(result.stderr).toMatch(/line 1/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("render.limits in promptsync.config.yaml applies, and a bad value is a config error", async () => {
    const dir = await gitRepo({ "prompts/p.txt": "{{ name }} {{ name }}\n", "promptsync.config.yaml": "project: cfg\nrender:\n  limits:\n    maxOutputLength: 5\n" });
    const over = await runCli(dir, ["render", "p", "--var", "name=abcd", "--json"]);
    expect(over.code).toBe(1);
    expect(JSON.parse(over.stdout).error.code).toBe("RENDER_LIMIT");
    await writeFiles(dir, { "promptsync.config.yaml": "project: cfg\nrender:\n  limits:\n    maxOutputLength: -1\n" });
    const bad = await runCli(dir, ["render", "p", "--var", "name=abcd", "--json"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error.code).toBe("CONFIG_INVALID");
  });
});
