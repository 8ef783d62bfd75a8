import { canonicalJson } from "../formats/canonical.ts";
import type { MessageTemplate, OutputSchema, ToolDefinition } from "../formats/types.ts";
import { placeholdersOf } from "./messages.ts";
import { outputSchemaBreaks } from "./output-compat.ts";

/** A change to a placeholder, a tool or the output schema between two versions of a body. */
export interface StructureChange {
  kind: "structure";
  /** `default`, or `variant <id>`. */
  target: string;
  what: "placeholder" | "tool" | "output";
  change: "added" | "removed" | "changed";
  name: string;
  /** For a change: what changed (`now optional`, `parameters`, `schema`…). */
  detail?: string;
  /** Why code written against the old side breaks (validate's error), when it does. */
  breaking?: string[];
}

interface StructuredBody {
  messages?: MessageTemplate[];
  tools?: ToolDefinition[];
  output?: OutputSchema;
}

/** The placeholder, tool and output changes between two versions of a body, each marked breaking as validate judges it. */
export function compareStructure(target: string, before: StructuredBody, after: StructuredBody): StructureChange[] {
  const changes: StructureChange[] = [];
  const change = (what: StructureChange["what"], kind: StructureChange["change"], name: string, detail?: string, breaking?: string[]) => {
    changes.push({ kind: "structure", target, what, change: kind, name, ...(detail !== undefined && { detail }), ...(breaking?.length && { breaking }) });
  };
  const was = new Map(placeholdersOf(before.messages).map((p) => [p.placeholder, p.required]));
  const now = new Map(placeholdersOf(after.messages).map((p) => [p.placeholder, p.required]));
  for (const [name, required] of was) {
    if (!now.has(name)) change("placeholder", "removed", name, undefined, [`placeholder ${name} removed (the code fills it)`]);
    else if (now.get(name) !== required) change("placeholder", "changed", name, now.get(name) ? "now required" : "now optional", now.get(name) ? [`new required placeholder ${name}`] : undefined);
  }
  for (const [name, required] of now) {
    if (!was.has(name)) change("placeholder", "added", name, required ? "required" : "optional", required ? [`new required placeholder ${name}`] : undefined);
  }
  const toolsBefore = new Map((before.tools ?? []).map((t) => [t.name, t]));
  const toolsAfter = new Map((after.tools ?? []).map((t) => [t.name, t]));
  for (const [name, tool] of toolsBefore) {
    const next = toolsAfter.get(name);
    if (!next) change("tool", "removed", name, undefined, [`tool ${name} removed (the code handles its calls)`]);
    else if (canonicalJson(tool) !== canonicalJson(next)) change("tool", "changed", name, changedFields(tool, next));
  }
  for (const name of toolsAfter.keys()) if (!toolsBefore.has(name)) change("tool", "added", name);
  const [o1, o2] = [before.output, after.output];
  if (o1 && !o2) change("output", "removed", o1.name, undefined, [`output schema ${o1.name} removed (the code parses responses with it)`]);
  else if (!o1 && o2) change("output", "added", o2.name);
  else if (o1 && o2 && canonicalJson(o1) !== canonicalJson(o2)) change("output", "changed", o2.name, changedFields(o1, o2), outputSchemaBreaks(o1.schema, o2.schema));
  return changes;
}

/** `parameters, strict`: the fields of a tool or output that differ. */
function changedFields(before: object, after: object): string {
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null)).join(", ");
}
