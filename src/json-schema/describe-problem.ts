import type { SchemaProblem } from "./compile-schema.ts";

/** `inputs/properties/age/minimum: minimum must be a number`: a schema problem with the keyword's place. */
export function describeProblem(problem: SchemaProblem): string {
  const place = ["inputs", ...problem.path].map((segment) => String(segment).slice(0, 100)).join("/");
  return `${place}: ${problem.message}`;
}
