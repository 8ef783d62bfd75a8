import type { StructuredInterface } from "./interface-summary.ts";
import { outputSchemaBreaks } from "./output-compat.ts";

export interface StructuredFindings {
  errors: string[];
  warnings: string[];
  /** Names the placeholder rules judged, which the variable rules leave out (placeholders are variables too). */
  placeholderNames: Set<string>;
}

/**
 * The compatibility rules for placeholders, tools and output, for validate and status (compare-structure.ts marks
 * the same changes breaking in diff): removing a
 * placeholder the code fills (any the code's side has) or a tool whose calls it handles, adding a required
 * placeholder, and an output schema that drops or retypes a required field are errors; a tool the code does not
 * know is a warning; added optional placeholders and output fields are fine.
 */
export function structuredCompatibility(code: StructuredInterface, served: StructuredInterface): StructuredFindings {
  const errors: string[] = [];
  const warnings: string[] = [];
  const codePlaceholders = new Map((code.placeholders ?? []).map((p) => [p.name, p.required]));
  const servedPlaceholders = new Map((served.placeholders ?? []).map((p) => [p.name, p.required]));
  const removed = [...codePlaceholders.keys()].filter((name) => !servedPlaceholders.has(name));
  const newlyRequired = [...servedPlaceholders].filter(([name, required]) => required && codePlaceholders.get(name) !== true).map(([name]) => name);
  if (removed.length) errors.push(`placeholder${plural(removed)} ${removed.join(", ")} removed (the code fills ${removed.length > 1 ? "them" : "it"}; its messages would be dropped)`);
  if (newlyRequired.length) errors.push(`new required placeholder${plural(newlyRequired)} ${newlyRequired.join(", ")} (make ${newlyRequired.length > 1 ? "them" : "it"} required: false, or update the code)`);
  const servedTools = new Set(served.tools ?? []);
  const codeTools = new Set(code.tools ?? []);
  const goneTools = [...codeTools].filter((name) => !servedTools.has(name));
  const newTools = [...servedTools].filter((name) => !codeTools.has(name));
  if (goneTools.length) errors.push(`tool${plural(goneTools)} ${goneTools.join(", ")} removed (the code handles ${goneTools.length > 1 ? "their" : "its"} calls)`);
  if (newTools.length) warnings.push(`new tool${plural(newTools)} ${newTools.join(", ")} (the code may not handle ${newTools.length > 1 ? "their" : "its"} calls)`);
  if (code.output && !served.output) errors.push(`output schema ${code.output.name} removed (the code parses responses with it)`);
  if (code.output && served.output) errors.push(...outputSchemaBreaks(code.output.schema, served.output.schema));
  return { errors, warnings, placeholderNames: new Set([...codePlaceholders.keys(), ...servedPlaceholders.keys()]) };
}

function plural(items: readonly string[]): string {
  return items.length > 1 ? "s" : "";
}
