import { canonicalJson } from "../formats/canonical.ts";
import type { PromptInterface } from "../formats/commit-interface.ts";

export interface CompatibilityFinding {
  prompt: string;
  status: "ok" | "warning" | "error";
  reasons: string[];
}

export interface CompatibilityReport {
  compatible: boolean;
  findings: CompatibilityFinding[];
}

/**
 * Checks the registry side against the code's contract: the prompts as the code's commit has them. Errors break
 * the code (a prompt gone, a new required variable, another kind, an incompatible inputs schema); warnings do not
 * (a variable the code passes but the prompt no longer reads, unless `droppedVariables` is "error"; a variant the
 * code's files defined that is gone).
 */
export function checkCompatibility(
  contract: readonly PromptInterface[],
  registry: readonly PromptInterface[],
  options: { droppedVariables?: "warning" | "error" } = {},
): CompatibilityReport {
  const served = new Map(registry.map((p) => [p.name, p]));
  const findings = contract.map((wanted): CompatibilityFinding => {
    const actual = served.get(wanted.name);
    if (!actual) return { prompt: wanted.name, status: "error", reasons: ["the registry side has no such prompt"] };
    const errors: string[] = [];
    const warnings: string[] = [];
    if (actual.kind !== wanted.kind) errors.push(`kind changed from ${wanted.kind} to ${actual.kind}`);
    const provided = new Set(wanted.variables.map((v) => v.name));
    const needed = actual.variables.filter((v) => v.required && !provided.has(v.name)).map((v) => v.name);
    if (needed.length) errors.push(`new required variable${needed.length > 1 ? "s" : ""} ${needed.join(", ")} (give a default, or update the code)`);
    const read = new Set(actual.variables.map((v) => v.name));
    const unused = wanted.variables.filter((v) => !read.has(v.name)).map((v) => v.name);
    if (unused.length) (options.droppedVariables === "error" ? errors : warnings).push(`no longer reads ${unused.join(", ")}`);
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
