import type { CheckBudget } from "./check-budget.ts";
import { parsePattern, PatternSyntaxError } from "./pattern-syntax.ts";
import { compileProgram, search, type PatternProgram } from "./pike-vm.ts";

/** A `pattern` (or `patternProperties` key) compiled for the linear-time matcher. */
export interface CompiledPattern {
  readonly source: string;
  readonly program: PatternProgram;
}

/**
 * Throws PatternSyntaxError when the pattern is outside the supported subset, too large, or not a valid ECMA-262
 * expression. The engine's RegExp only parses it, as a second opinion on the syntax: it never runs.
 */
export function compilePattern(source: string): CompiledPattern {
  const program = compileProgram(parsePattern(source));
  try {
    new RegExp(source, "u");
  } catch (error) {
    throw new PatternSyntaxError(`not a valid ECMA-262 regular expression: ${(error as Error).message}`);
  }
  return { source, program };
}

export function patternMatches(pattern: CompiledPattern, text: string, budget: CheckBudget): boolean {
  return search(pattern.program, text, budget);
}
