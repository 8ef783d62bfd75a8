// Hostile templates against the render budget, through the SDK: whatever a template's text makes the render do is
// counted while it runs, and no template value is ever turned into text or a number outside the budget's checks.
// Each test failed on the code before its fix. Cases that ran for minutes, or for ever, before it run in a Node
// process of their own with a time and memory limit, so that a regression fails instead of hanging the suite.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RenderLimits } from "../src/template/render-limits.ts";
import { PromptManager } from "../sdk/index.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";

const SDK = new URL("../sdk/index.ts", import.meta.url).href;

/** A local-mode manager over a prompts folder holding `t.txt` = `template`. */
async function promptOf(template: string, renderLimits?: RenderLimits) {
  const dir = await tempDir();
  await writeFiles(dir, { "prompts/t.txt": `${template}\n` });
  const pm = new PromptManager({ cwd: dir, promptsDir: join(dir, "prompts"), project: "local", ...(renderLimits && { renderLimits }) });
  return pm.getPrompt("t");
}

/** What format() threw (code, limit, message), or what it rendered. */
async function outcome(template: string, renderLimits?: RenderLimits, values: Record<string, unknown> = { e: "" }) {
  const prompt = await promptOf(template, renderLimits);
  try {
    return { rendered: prompt.format(values) as string };
  } catch (error) {
    const e = error as Error & { code?: string; limit?: string };
    return { code: e.code, limit: e.limit, message: e.message };
  }
}

interface ChildOutcome {
  timedOut: boolean;
  stderr: string;
  result?: { code?: string; limit?: string; length?: number; message?: string; rendered?: string };
}

/**
 * Renders `template` in a Node process of its own (512 MB of heap, killed after 60 s) and reports what format()
 * threw, with the length of the error's message, or the start of what it rendered.
 */
async function renderInChild(template: string, renderLimits: RenderLimits = {}): Promise<ChildOutcome> {
  // A folder of its own, removed here: these run concurrently, and tempDir's folders go after each test.
  const dir = await mkdtemp(join(tmpdir(), "promptsync-bounds-"));
  try {
    await writeFiles(dir, { "prompts/t.txt": `${template}\n` });
    return await runChild(dir, renderLimits);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runChild(dir: string, renderLimits: RenderLimits): Promise<ChildOutcome> {
  const source = `
    const { PromptManager } = await import(${JSON.stringify(SDK)});
    const pm = new PromptManager({ cwd: ${JSON.stringify(dir)}, promptsDir: ${JSON.stringify(join(dir, "prompts"))}, project: "local", renderLimits: ${JSON.stringify(renderLimits)} });
    const prompt = await pm.getPrompt("t");
    let result;
    try {
      result = { rendered: String(prompt.format({})).slice(0, 200) };
    } catch (e) {
      result = { code: e.code, limit: e.limit, length: e.message.length, message: e.message.slice(0, 300) };
    }
    process.stdout.write(JSON.stringify(result) + "\\n", () => process.exit(0));`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--max-old-space-size=512", "--input-type=module", "-e", source],
      { timeout: 60_000, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split("\n").at(-1);
        resolve({ timedOut: Boolean(error?.killed), stderr: stderr.slice(0, 2000), result: line ? (JSON.parse(line) as ChildOutcome["result"]) : undefined });
      },
    );
  });
}

/** `count` copies of `text`. */
const times = (text: string, count: number) => text.repeat(count);

describe("every output, piece of text and statement a loop or macro body runs is counted", () => {
  // A thousand iterations of a body that does a thousand things: 2,000 operations before, so the render ran to
  // the end (the version, 100,000 outputs per iteration, ran 6 s against a 1 s timeoutMs).
  const LIMITS = { maxOperations: 100_000, timeoutMs: 60_000 };
  const BODIES: Record<string, string> = {
    "empty outputs": `{% for i in range(1000) %}${times("{{ e }}", 1000)}{% endfor %}`,
    "literal text between tags": `{% for i in range(1000) %}${times("a{% if e %}{% endif %}", 500)}{% endfor %}`,
    "sets": `{% for i in range(1000) %}${times("{% set x = e %}", 1000)}{% endfor %}`,
    // Tags nest at most 256 deep: 200 conditions tested per iteration.
    "an elif chain": `{% for i in range(1000) %}{% if e %}${times("{% elif e %}", 200)}{% endif %}{% endfor %}`,
    "one large expression": `{% for i in range(1000) %}{% set a = [${times("e, ", 2000)}e] %}{% endfor %}`,
    "a macro's outputs": `{% macro m() %}${times("{{ e }}", 1000)}{% endmacro %}{% for i in range(1000) %}{{ m() }}{% endfor %}`,
    "a macro's parameter defaults": `{% macro m(a=[${times("e, ", 2000)}e]) %}{% endmacro %}{% for i in range(1000) %}{{ m() }}{% endfor %}`,
  };

  it.each(Object.entries(BODIES))("%s: maxOperations stops the render", async (_name, template) => {
    expect(await outcome(template, LIMITS)).toMatchObject({ code: "RENDER_LIMIT", limit: "maxOperations" });
  });

  it("the same bodies a few times render as before", async () => {
    expect(await outcome(`{% for i in range(3) %}${times("{{ e }}", 5)}[{{ i }}]{% endfor %}`, LIMITS, { e: "x" })).toEqual({ rendered: "xxxxx[0]xxxxx[1]xxxxx[2]" });
    expect(await outcome(`{% for i in range(3) %}{% if i == 0 %}a{% elif i == 1 %}b{% elif i == 2 %}c{% endif %}{% endfor %}`, LIMITS)).toEqual({ rendered: "abc" });
    expect(await outcome(`{% macro m(a=[1, 2]) %}{{ a | sum }}{% endmacro %}{% for i in range(2) %}{{ m() }}{{ m([i]) }};{% endfor %}`, LIMITS)).toEqual({ rendered: "30;31;" });
  });

  it("timeoutMs fires while a body of outputs runs, though the render spends few operations", async () => {
    // 200 operations: the clock, read every 256, was never read, and a million outputs ran to the end.
    const template = `{% for i in range(100) %}${times("{{ e }}", 10_000)}{% endfor %}`;
    expect(await outcome(template, { maxOperations: 100_000_000, timeoutMs: 1 })).toMatchObject({ code: "RENDER_LIMIT", limit: "timeoutMs" });
  });
});

describe("template values reach JavaScript's conversions only through the budget's checks", () => {
  // A list of 100,000 references to one list of 100,000 numbers: 200,000 operations to make, 10^10 items as text.
  const HUGE = "[range(100000)] * 100000";
  const CASES: { name: string; template: string; limits?: RenderLimits; expected: ChildOutcome["result"] }[] = [
    // 12.7 s and 765 MB: `+` turned the list into text.
    { name: "sum over a list of lists", template: `{{ [0, ${HUGE}] | sum }}`, limits: { timeoutMs: 600_000 }, expected: { code: "RENDER_LIMIT", limit: "maxOperations" } },
    { name: "joiner's separator", template: `{% set j = joiner(${HUGE}) %}{{ j() }}{{ j() }}`, limits: { timeoutMs: 600_000 }, expected: { code: "RENDER_LIMIT", limit: "maxOperations" } },
    { name: "range's argument", template: `{{ range(${HUGE}) }}`, expected: { code: "RENDER_FAILED" } },
    // Over a minute; with 500 copies, an error message of 300 MB.
    { name: "list.index's message", template: `{{ [1].index(${HUGE}) }}`, expected: { code: "RENDER_FAILED" } },
    { name: "a slice index", template: `{{ "abc"[${HUGE}:] }}`, expected: { code: "RENDER_FAILED" } },
    { name: "batch's size", template: `{{ [1] | batch(${HUGE}) | length }}`, expected: { code: "RENDER_FAILED" } },
    { name: "indent's width", template: `{{ "x" | indent(${HUGE}) }}`, expected: { code: "RENDER_FAILED" } },
    { name: "split's maxsplit", template: `{{ "a b".split(" ", ${HUGE}) }}`, expected: { code: "RENDER_FAILED" } },
    { name: "replace's count", template: `{{ "a".replace("a", "b", ${HUGE}) }}`, expected: { code: "RENDER_FAILED" } },
    { name: "select's test name", template: `{{ [1] | select(${HUGE}) | list }}`, expected: { code: "RENDER_FAILED" } },
    { name: "selectattr's test name", template: `{{ [{"a": 1}] | selectattr("a", ${HUGE}) | list }}`, expected: { code: "RENDER_FAILED" } },
    // nunjucks' urlize reads its length with isNaN(): a length that is no number is no limit, as there.
    { name: "urlize's length", template: `{{ "x" | urlize(${HUGE}) }}`, expected: { rendered: "x" } },
    // A maxsplit of NaN became the cost split() charged, and every later check of the budget compared false.
    {
      name: "split's maxsplit read as NaN",
      template: '{% set x = "a b".split(" ", "z") %}{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}',
      expected: { code: "RENDER_FAILED" },
    },
    // Encoded once per pair: the process ran out of memory.
    { name: "urlencode of pairs sharing a large string", template: '{% set s = "x" | center(4000000) %}{{ ([[1, s]] * 100000) | urlencode | length }}', expected: { code: "RENDER_LIMIT", limit: "maxOutputLength" } },
    // JavaScript listed and enumerated four million indices before the first iteration was charged.
    { name: "for k, v over a large string", template: '{% set s = "x" | center(4000000) %}{% for k, v in s %}{% endfor %}', expected: { code: "RENDER_FAILED" } },
    // The list's text (a 4 MB repr) was made once per iteration for one operation.
    {
      name: "a list turned into text in a loop",
      template: '{% set L = ["x" | center(4000000)] %}{% for i in range(100000) %}{{ L | wordcount }}{% endfor %}',
      limits: { timeoutMs: 600_000 },
      expected: { code: "RENDER_LIMIT", limit: "maxOperations" },
    },
  ];

  it.concurrent.each(CASES)("$name", async ({ template, limits, expected }) => {
    const child = await renderInChild(template, limits);
    expect(child.timedOut, `format() did not return within 60 s\n${child.stderr}`).toBe(false);
    expect(child.result, child.stderr).toMatchObject(expected!);
    // A value quoted in a message is cut: never the megabytes of text the list would make.
    if (child.result?.length !== undefined) expect(child.result.length).toBeLessThan(300);
  }, 90_000);

  it("sum and joiner convert ordinary values as before", async () => {
    const values = { items: [{ n: 1 }, { n: 2.5 }], words: ["a", "b"] };
    const template = '{{ [1, 2, 3] | sum }}|{{ items | sum(attribute="n") }}|{{ [1, 2] | sum(start=10) }}|{{ words | sum(start="") }}|{% set j = joiner() %}{{ j() }}a{{ j() }}b|{% set k = joiner(" / ") %}{{ k() }}c{{ k() }}d|{{ range("3") }}|{{ "a b c".split(" ", "1") }}';
    expect(await outcome(template, undefined, values)).toEqual({ rendered: "6|3.5|13|ab|a, b|c / d|[0, 1, 2]|['a', 'b c']" });
  });

  it("a name a template makes up is cut in the message", async () => {
    const result = await outcome('{{ [1] | select("x" * 1000000) | list }}');
    expect(result).toMatchObject({ code: "UNSAFE_TEMPLATE" });
    expect((result as { message: string }).message.length).toBeLessThan(300);
  });

  it("dump counts the indentation of deep lists before JSON.stringify makes its text", async () => {
    const template = '{% set ns = namespace(l=[]) %}{% for i in range(1000) %}{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l | dump(10) }}';
    // Before, the 5 MB text was made, then refused as the filter's result.
    expect(await outcome(template, { maxOutputLength: 100_000 })).toMatchObject({ code: "RENDER_LIMIT", limit: "maxOutputLength", message: expect.stringContaining("dump's result") as unknown });
  });
});
