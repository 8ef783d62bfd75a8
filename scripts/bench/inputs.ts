// What enforcing `inputs` costs format(), and how fast hostile patterns and schemas are stopped.
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { compileSchema } from "../../src/json-schema/compile-schema.ts";
import { validateValue } from "../../src/json-schema/validate-value.ts";
import { materializePrompt } from "../../src/template/render-prompt.ts";
import { measureSync, report } from "./measure.ts";

const INPUTS = [
  "inputs:",
  "  type: object",
  "  required: [name, age]",
  "  properties:",
  "    name: { type: string, maxLength: 40 }",
  "    age: { type: integer, minimum: 0 }",
  '    handle: { type: string, pattern: "^@[a-z0-9_]{1,15}$" }',
  "    plan: { enum: [free, pro] }",
  '    address: { type: object, properties: { zip: { type: string, pattern: "^[0-9]{5}$" } } }',
].join("\n");
const CONTENT = 'content: "{{ name }} ({{ age }}, {{ plan }}) {{ handle }} {{ address.zip }}"\n';
const VALUES = { name: "Ada", age: 36, handle: "@ada_lovelace", plan: "pro", address: { zip: "12345" } };

/** One variable `s` checked against `pattern`: the median of 3 calls, in milliseconds, and the rule broken. */
function patternCheck(pattern: string, text: string): { ms: number; rule: string } {
  const compiled = compileSchema({ properties: { s: { pattern } } });
  if (!compiled.ok) throw new Error(`bench schema refused: ${pattern}`);
  const times: number[] = [];
  let rule = "";
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    rule = validateValue(compiled.root, { s: text }, "inputs schema").violations[0]?.rule ?? "none";
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[1]!, rule };
}

export function inputsBench(): void {
  const compiled = compilePrompts([
    { path: "with.yaml", text: `${INPUTS}\n${CONTENT}` },
    { path: "without.yaml", text: CONTENT },
  ]);
  if (!compiled.ok) throw new Error("inputs bench prompts did not compile");
  for (const prompt of compiled.prompts) {
    const body = materializePrompt(prompt, { origin: "bench" }).get(undefined)!;
    report(`format ${prompt.name} inputs (5 variables)`, measureSync(() => body.render(VALUES), { iterations: 50_000 }));
  }
  const withInputs = compiled.prompts.find((p) => p.name === "with")!;
  report("compile a 5-variable inputs schema", measureSync(() => compileSchema(withInputs.inputs), { iterations: 5_000 }));
  const long = "a".repeat(100_000);
  const cases: [string, string][] = [
    ["^(a+)+$", `${long}!`],
    ["(a|a)*b", long],
    ["^(\\w+\\s?)*$", `${long}!`],
    ["(.*a){20}x", long],
    ["[a-z]{0,999}x", "a".repeat(1_000_000)],
  ];
  for (const [pattern, text] of cases) {
    const { ms, rule } = patternCheck(pattern, text);
    console.log(`${`inputs pattern ${pattern} on ${text.length} characters`.padEnd(58)} ${rule} in ${ms.toFixed(0)} ms (median of 3)`);
  }
}
