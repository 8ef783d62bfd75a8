// A registry's templates and schemas are hostile input to diff, validate and the dashboard's compare: each walk is
// bounded by counts (so the CLI and the dashboard give the same answer), and past a bound says what it left out.
import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { comparePromptSets } from "../src/diff/compare.ts";
import { formatText } from "../src/diff/format.ts";
import { textHunks } from "../src/diff/hunks.ts";
import { sideBySideRows } from "../src/diff/side-by-side.ts";
import { outputSchemaBreaks } from "../src/structured/output-compat.ts";

const words = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(" ");
const lines = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`).join("\n");

describe("text diffs of hostile templates", () => {
  it("two lines of 8,000 different words are one changed row, marked whole, instead of a word diff that took minutes", () => {
    const rows = sideBySideRows(textHunks(words("a", 8_000), words("b", 8_000)));
    expect(rows).toEqual([{ changed: true, before: [{ text: words("a", 8_000), marked: true }], after: [{ text: words("b", 8_000), marked: true }] }]);
  });

  it("a line pair within the bounds still has its changed words marked", () => {
    const [row] = sideBySideRows(textHunks("Say hello to {{ name }}", "Say goodbye to {{ name }}"));
    expect(row!.before!.filter((r) => r.marked).map((r) => r.text)).toEqual(["hello"]);
    expect(row!.after!.filter((r) => r.marked).map((r) => r.text)).toEqual(["goodbye"]);
  });

  it("past 1,000 line edits the whole text is one hunk, every line removed and then added", () => {
    const hunks = textHunks(lines("a", 3_000), lines("b", 3_000));
    expect(hunks).toHaveLength(1);
    expect(hunks[0]).toMatchObject({ oldStart: 1, oldLines: 3_000, newStart: 1, newLines: 3_000 });
    expect(hunks[0]!.lines.slice(2_999, 3_001)).toEqual(["-a2999", "+b0"]);
  });

  it("word marks stop after 100,000 characters of changed pairs in a template: later pairs are marked whole", () => {
    const before = Array.from({ length: 200 }, (_, i) => `${words(`a${i}x`, 100)} same`).join("\n");
    const after = Array.from({ length: 200 }, (_, i) => `${words(`a${i}x`, 100)} changed`).join("\n");
    const rows = sideBySideRows(textHunks(before, after));
    const wholly = rows.filter((r) => r.before?.length === 1 && r.before[0]!.marked);
    expect(rows).toHaveLength(200);
    expect(wholly.length).toBeGreaterThan(0);
    expect(rows[0]!.before!.filter((r) => r.marked).map((r) => r.text)).toEqual(["same"]);
  });

  it("the terminal's coloured diff spends the same word budget per template, across its hunks, and marks the same pairs", () => {
    // 200 changed lines, each in a hunk of its own (seven unchanged lines apart), 1,200 characters a pair.
    const text = (last: string) => Array.from({ length: 200 }, (_, i) => [`${words(`a${i}x`, 100)} ${last}`, ...Array(7).fill(`unchanged ${i}`)].join("\n")).join("\n");
    const compile = (body: string) => {
      const result = compilePrompts([{ path: "p.txt", text: `${body}\n` }]);
      if (!result.ok) throw new Error("compile");
      return result.prompts;
    };
    const [before, after] = [text("same"), text("changed")];
    const hunks = textHunks(before, after);
    expect(hunks).toHaveLength(200);
    const compared = sideBySideRows(hunks).filter((r) => r.changed && r.before!.length > 1).length;
    expect(compared).toBeGreaterThan(0);
    expect(compared).toBeLessThan(200);
    const coloured = formatText(comparePromptSets("a", "b", compile(before), compile(after)), true).split("\n");
    // A compared pair has only its last word inverted; the pairs past the budget are inverted whole.
    expect(coloured.filter((l) => l.includes("\u001b[7msame\u001b"))).toHaveLength(compared);
    expect(coloured.filter((l) => l.startsWith("  \u001b[31m-\u001b[7ma"))).toHaveLength(200 - compared);
  });
});

describe("output schema compatibility of hostile schemas", () => {
  const nested = (depth: number, extra: Record<string, unknown> = {}) => {
    let schema: Record<string, unknown> = { type: "object" };
    for (let i = 0; i < depth; i++) schema = { type: "object", properties: { a: schema }, required: Array(10).fill("a") };
    return { ...schema, ...extra };
  };

  it("a field required ten times at each of 9 levels is walked once per level (it was 10^9 walks)", () => {
    expect(outputSchemaBreaks(nested(9), nested(9, { description: "x" }))).toEqual([]);
    const removedDeep = nested(9);
    expect(outputSchemaBreaks(removedDeep, { type: "object" })).toEqual(["output field a is removed"]);
  });

  it("lists at most 50 problems, then says the comparison stopped", () => {
    const wide = { type: "object", properties: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`p${i}`, { type: "string" }])), required: Array.from({ length: 200 }, (_, i) => `p${i}`) };
    const problems = outputSchemaBreaks(wide, { type: "object" });
    expect(problems).toHaveLength(51);
    expect(problems[49]).toBe("output field p49 is removed");
    expect(problems[50]).toMatch(/^output schemas compared only in part/);
  });
});
