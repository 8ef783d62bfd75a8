import { canonicalJson } from "../formats/canonical.ts";
import type { PromptInterface } from "../formats/commit-interface.ts";
import type { VariableInfo } from "../formats/types.ts";
import { structuredCompatibility } from "../structured/compatibility.ts";

interface CompatibilityFinding {
  prompt: string;
  status: "ok" | "warning" | "error";
  reasons: string[];
}

export interface CompatibilityReport {
  compatible: boolean;
  findings: CompatibilityFinding[];
}

/** How one side's variables fit code written against another's. */
export interface VariableFit {
  /**
   * Required by the served side and absent or optional on the code's: the code may not pass them, and a render
   * without them fails. The only variable change that breaks the code.
   */
  newlyRequired: string[];
  /** Required on the code's side (so the code passes them), not read by the served side: ignored now. */
  droppedRequired: string[];
  /** Optional on the code's side (the code may pass them, or rely on the template's default), not read now. */
  droppedOptional: string[];
}

/**
 * The one rule for variables that `validate`, `status` and `diff` apply: what the code passes for sure is what its
 * side requires (an optional variable, `{{ language | default("English") }}`, it may never pass). A variable the
 * served side newly requires breaks the code; one it no longer reads does not, whichever way the code's side read
 * it, and is a warning (see checkCompatibility).
 */
export function variableFit(code: readonly VariableInfo[], served: readonly VariableInfo[]): VariableFit {
  const passed = new Set(code.filter((v) => v.required).map((v) => v.name));
  const read = new Set(served.map((v) => v.name));
  const dropped = code.filter((v) => !read.has(v.name));
  return {
    newlyRequired: served.filter((v) => v.required && !passed.has(v.name)).map((v) => v.name),
    droppedRequired: dropped.filter((v) => v.required).map((v) => v.name),
    droppedOptional: dropped.filter((v) => !v.required).map((v) => v.name),
  };
}

/**
 * Checks the registry side against the code's contract: the prompts as the code's commit has them. `validate` and
 * `status` both judge by it. Errors break the code: a prompt gone, a variable the served side newly requires (see
 * variableFit), another kind, an incompatible inputs schema, and the placeholder, tool and output rules of
 * structuredCompatibility. Warnings do not: a variable the served side no longer
 * reads (the reason says whether the code passes it for sure, being required on its side, or may leave it to the
 * template's default), a variant the code's files defined that is gone.
 */
export function checkCompatibility(contract: readonly PromptInterface[], registry: readonly PromptInterface[]): CompatibilityReport {
  const served = new Map(registry.map((p) => [p.name, p]));
  const findings = contract.map((wanted): CompatibilityFinding => {
    const actual = served.get(wanted.name);
    if (!actual) return { prompt: wanted.name, status: "error", reasons: ["the registry side has no such prompt"] };
    const errors: string[] = [];
    const warnings: string[] = [];
    if (actual.kind !== wanted.kind) errors.push(`kind changed from ${wanted.kind} to ${actual.kind}`);
    const structured = structuredCompatibility(wanted, actual);
    // A placeholder is a variable too: the placeholder rules judge it, in their own words.
    const fit = withoutNames(variableFit(wanted.variables, actual.variables), structured.placeholderNames);
    errors.push(...structured.errors);
    warnings.push(...structured.warnings);
    if (fit.newlyRequired.length) errors.push(`${newRequiredVariables(fit.newlyRequired)} (give a default, or update the code)`);
    if (fit.droppedRequired.length) warnings.push(`no longer reads ${fit.droppedRequired.join(", ")} (the code passes ${fit.droppedRequired.length > 1 ? "them" : "it"}, now ignored)`);
    if (fit.droppedOptional.length) warnings.push(`no longer reads ${fit.droppedOptional.join(", ")} (optional in the code, which may not pass ${fit.droppedOptional.length > 1 ? "them" : "it"})`);
    errors.push(...inputsProblems(wanted.inputs, actual.inputs));
    const variants = new Set(actual.variantTags.map((t) => canonicalJson(t)));
    for (const tags of wanted.variantTags) {
      if (!variants.has(canonicalJson(tags))) warnings.push(`variant ${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(",")} is gone (the default content is served instead)`);
    }
    const status = errors.length ? "error" : warnings.length ? "warning" : "ok";
    return { prompt: wanted.name, status, reasons: [...errors, ...warnings] };
  });
  return { compatible: findings.every((f) => f.status !== "error"), findings };
}

function withoutNames(fit: VariableFit, names: ReadonlySet<string>): VariableFit {
  const keep = (list: string[]) => list.filter((name) => !names.has(name));
  return { newlyRequired: keep(fit.newlyRequired), droppedRequired: keep(fit.droppedRequired), droppedOptional: keep(fit.droppedOptional) };
}

/** `new required variable a` / `new required variables a, b`: how validate, status and diff name them. */
export function newRequiredVariables(names: readonly string[]): string {
  return `new required variable${names.length > 1 ? "s" : ""} ${names.join(", ")}`;
}

interface ObjectSchema {
  properties?: Record<string, { type?: unknown }>;
  required?: string[];
}

/** The registry's inputs schema may not require a property the code's schema did not declare, or retype one. */
function inputsProblems(wanted: Record<string, unknown> | undefined, actual: Record<string, unknown> | undefined): string[] {
  if (!wanted || !actual) return [];
  const before = wanted as ObjectSchema;
  const after = actual as ObjectSchema;
  const problems: string[] = [];
  const known = new Set(Object.keys(before.properties ?? {}));
  for (const name of after.required ?? []) {
    if (!known.has(name) && !(before.required ?? []).includes(name)) problems.push(`inputs schema now requires "${name}"`);
  }
  for (const [name, schema] of Object.entries(after.properties ?? {})) {
    const previous = before.properties?.[name];
    if (previous?.type !== undefined && schema.type !== undefined && canonicalJson(previous.type) !== canonicalJson(schema.type)) {
      problems.push(`inputs schema changes the type of "${name}" from ${canonicalJson(previous.type)} to ${canonicalJson(schema.type)}`);
    }
  }
  return problems;
}
