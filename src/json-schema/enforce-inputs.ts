import { InputValidationError, InvalidBundleError, type InputViolation } from "../errors.ts";
import type { CompiledPrompt } from "../formats/types.ts";
import { compileSchema } from "./compile-schema.ts";
import { describeProblem } from "./describe-problem.ts";
import { validateValue, type Violation } from "./validate-value.ts";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `user.address.zip`, `tags[2]`, `user["first name"]`: a violation's place as an app developer writes it. */
function pathText(path: readonly (string | number)[]): string {
  return path
    .map((key, i) => {
      if (typeof key === "number") return `[${key}]`;
      const shown = key.length > 100 ? `${key.slice(0, 97)}...` : key;
      if (i === 0) return shown;
      return IDENTIFIER.test(shown) ? `.${shown}` : `[${JSON.stringify(shown)}]`;
    })
    .join("");
}

function inputViolation(v: Violation): InputViolation {
  return { variable: typeof v.path[0] === "string" ? v.path[0] : undefined, path: pathText(v.path), rule: v.rule, message: v.message };
}

/**
 * The check format() runs before rendering when a prompt declares `inputs`, compiled once when the prompt is
 * loaded. A schema outside the supported subset cannot have come from `push`, which refuses it: the registry
 * object was written by other means, and the prompt is refused (INVALID_BUNDLE) rather than served unchecked.
 */
export function inputsCheck(prompt: CompiledPrompt, origin: string): ((values: Record<string, unknown>) => void) | undefined {
  if (prompt.inputs === undefined) return undefined;
  const compiled = compileSchema(prompt.inputs);
  if (!compiled.ok) throw new InvalidBundleError(origin, `prompt "${prompt.name}": ${describeProblem(compiled.problems[0]!)}`);
  const { root } = compiled;
  return (values) => {
    const { violations, truncated } = validateValue(root, values, "inputs schema");
    if (violations.length > 0) throw new InputValidationError(prompt.name, violations.map(inputViolation), truncated);
  };
}
