import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";

function diagnostics(files: Record<string, string>) {
  const result = compilePrompts(Object.entries(files).map(([path, text]) => ({ path, text })));
  return result.ok ? [] : result.diagnostics.map((d) => ({ file: d.file, line: d.line, code: d.code, message: d.message }));
}

function compiled(files: Record<string, string>) {
  const result = compilePrompts(Object.entries(files).map(([path, text]) => ({ path, text })));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.prompts;
}

describe("prompt source edge cases", () => {
  it("front matter closes only at a line that starts with ---", () => {
    const [prompt] = compiled({ "a.md": "---\ndescription: a---b\n---\nBody {{ x }}\n" });
    expect(prompt).toMatchObject({ description: "a---b", content: "Body {{ x }}\n" });
    expect(compiled({ "b.md": "---\n---\nBody\n" })[0]).toMatchObject({ content: "Body\n" });
  });

  it("a variant with both content and messages is an error at its line", () => {
    const problems = diagnostics({
      "chat.yaml": "messages:\n  - {role: user, content: hi}\nvariants:\n  - tags: {tone: x}\n    content: a\n    messages:\n      - {role: user, content: b}\n",
    });
    expect(problems).toEqual([expect.objectContaining({ file: "chat.yaml", line: 4, code: "SCHEMA_VIOLATION" })]);
    expect(problems[0]!.message).toContain("both `content` and `messages`");
  });

  it("variant ids that differ only in case collide (they are file names in the registry)", () => {
    const problems = diagnostics({
      "p.yaml": "content: a\nvariants:\n  - id: Formal\n    tags: {tone: formal}\n    content: b\n  - id: formal\n    tags: {tone: stiff}\n    content: c\n",
    });
    expect(problems).toEqual([expect.objectContaining({ file: "p.yaml", line: 6, code: "DUPLICATE_VARIANT" })]);
  });

  it("the reserved first segment is refused in any case", () => {
    expect(diagnostics({ "Aliases/x.txt": "a" })).toEqual([expect.objectContaining({ file: "Aliases/x.txt", code: "INVALID_NAME" })]);
  });
});
