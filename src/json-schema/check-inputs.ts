import type { Diagnostic } from "../diagnostics.ts";
import type { ParsedSource } from "../source/types.ts";
import { compileSchema } from "./compile-schema.ts";
import { describeProblem } from "./describe-problem.ts";

/**
 * The build-time check of a prompt's `inputs`: every keyword outside the subset format() enforces, every
 * malformed value and every pattern the linear-time matcher refuses, at its file:line.
 */
export function inputsDiagnostics(source: ParsedSource): Diagnostic[] {
  const inputs = source.document.inputs;
  if (inputs === undefined) return [];
  const compiled = compileSchema(inputs);
  if (compiled.ok) return [];
  return compiled.problems.map((problem) => {
    const last = problem.path.at(-1);
    const position = typeof last === "string"
      ? source.positionOf(["inputs", ...problem.path.slice(0, -1)], last)
      : source.positionOf(["inputs", ...problem.path]);
    return {
      file: source.file,
      ...position,
      code: "INVALID_INPUTS",
      message: describeProblem(problem),
      suggestion: "format() enforces `inputs` with the JSON Schema subset in docs/prompt-format.md#inputs: rewrite the schema with it, or move what it cannot check into the template or the app.",
    };
  });
}
