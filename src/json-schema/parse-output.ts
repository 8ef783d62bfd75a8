import { OutputValidationError, type OutputViolation } from "../errors.ts";
import type { OutputSchema } from "../formats/types.ts";
import { compileSchema } from "./compile-schema.ts";
import { describeProblem } from "./describe-problem.ts";
import { MAX_VALUE_DEPTH } from "./json-key.ts";
import { validateValue } from "./validate-value.ts";

/** Longest response parseOutput reads: a model's answer, not a data dump. */
export const MAX_OUTPUT_LENGTH = 4 * 1024 * 1024;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.answer`, `$.sources[2]`, `$["first name"]`: a JSON path. */
function jsonPath(path: readonly (string | number)[]): string {
  return `$${path.map((key) => (typeof key === "number" ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key.length > 100 ? `${key.slice(0, 97)}...` : key)}]`)).join("")}`;
}

/**
 * A model's response parsed as JSON and checked against the prompt's output schema, with the same bounded,
 * data-driven checker as `inputs` (docs/prompt-format.md#inputs lists what it checks). Returns the value; throws
 * OutputValidationError naming each violation's JSON path and rule.
 */
export function outputParser(prompt: string, output: OutputSchema): (text: string) => unknown {
  let check: ((value: unknown) => OutputViolation[]) | undefined;
  return (text) => {
    if (text.length > MAX_OUTPUT_LENGTH) throw new OutputValidationError(prompt, [{ path: "$", rule: "maxLength", message: `is longer than ${MAX_OUTPUT_LENGTH} characters` }], false);
    if (nestedTooDeep(text)) throw new OutputValidationError(prompt, [{ path: "$", rule: "depth", message: `is nested deeper than ${MAX_VALUE_DEPTH} levels` }], false);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new OutputValidationError(prompt, [{ path: "$", rule: "json", message: `is not JSON (${(error as Error).message})` }], false);
    }
    check ??= compileCheck(prompt, output);
    const violations = check(value);
    if (violations.length > 0) throw new OutputValidationError(prompt, violations.slice(0, 20), violations.length > 20);
    return value;
  };
}

/**
 * Whether JSON text nests arrays and objects deeper than MAX_VALUE_DEPTH, found in one pass over the text before
 * parsing: a value parsed from a hostile response would otherwise overflow the stack of the app's own recursive code
 * (JSON.stringify, a deep clone) however little the schema says about it.
 */
function nestedTooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_VALUE_DEPTH) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function compileCheck(prompt: string, output: OutputSchema): (value: unknown) => OutputViolation[] {
  const compiled = compileSchema(output.schema);
  if (!compiled.ok) {
    const problem = describeProblem(compiled.problems[0]!);
    throw new OutputValidationError(prompt, [{ path: "$", rule: "schema", message: `cannot be checked: the output schema ${problem}` }], false);
  }
  const { root } = compiled;
  return (value) => {
    const result = validateValue(root, value, "output schema");
    return result.violations.map((v) => ({ path: jsonPath(v.path), rule: v.rule, message: v.message }));
  };
}
