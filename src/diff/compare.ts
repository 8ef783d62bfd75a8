import { canonicalJson } from "../formats/canonical.ts";
import type { CompiledPrompt, CompiledVariant, MessageTemplate } from "../formats/types.ts";
import { compareStructure, type StructureChange } from "../structured/compare-structure.ts";
import { messageSlot, messageText } from "../structured/message-text.ts";
import { placeholdersOf } from "../structured/messages.ts";
import { variableFit } from "../validate/compatibility.ts";
import { textHunks, type TextHunk } from "./hunks.ts";
import { comparePartials, type PartialChange } from "./partials.ts";

export type { TextHunk } from "./hunks.ts";

export type PromptChange =
  | { kind: "kind"; before: string; after: string }
  | { kind: "template"; target: string; before: string; after: string; hunks: TextHunk[] }
  | { kind: "messages"; before: string[]; after: string[] }
  | {
      kind: "variables";
      added: string[];
      removed: string[];
      nowRequired: string[];
      nowOptional: string[];
      /**
       * Breaking: required on the new side, absent or optional on the old, so code written against the old side may
       * not pass them (validate's "new required variable", the same rule: variableFit). Empty for an added prompt.
       */
      breaking: string[];
    }
  | { kind: "variant"; change: "added" | "removed" | "changed"; id: string; tags: Record<string, string> }
  | { kind: "metadata"; field: string; before: unknown; after: unknown }
  | StructureChange
  | PartialChange;

export interface PromptDiff {
  name: string;
  status: "added" | "removed" | "changed" | "unchanged";
  changes: PromptChange[];
}

export interface SetDiff {
  from: string;
  to: string;
  prompts: PromptDiff[];
  summary: { added: number; removed: number; changed: number; unchanged: number };
}

const METADATA = ["title", "description", "model", "config", "inputs", "template"] as const;

/** What changed between two compiled prompts, semantically: the contract first, then the text. */
export function comparePrompts(name: string, before: CompiledPrompt | undefined, after: CompiledPrompt | undefined): PromptDiff {
  if (!before) return { name, status: "added", changes: after ? describeWhole(after) : [] };
  if (!after) return { name, status: "removed", changes: [] };
  if (before.hash === after.hash) return { name, status: "unchanged", changes: [] };
  const changes: PromptChange[] = [];
  if (before.kind !== after.kind) changes.push({ kind: "kind", before: before.kind, after: after.kind });
  const variables = compareVariables(before, after);
  if (variables) changes.push(variables);
  changes.push(...compareBodies("default", before, after));
  changes.push(...compareStructure("default", before, after));
  const beforeVariants = new Map(before.variants.map((v) => [canonicalJson(v.tags), v]));
  const afterVariants = new Map(after.variants.map((v) => [canonicalJson(v.tags), v]));
  for (const [tags, variant] of beforeVariants) {
    const next = afterVariants.get(tags);
    if (!next) changes.push({ kind: "variant", change: "removed", id: variant.id, tags: variant.tags });
    else if (next.hash !== variant.hash) {
      changes.push({ kind: "variant", change: "changed", id: next.id, tags: next.tags });
      changes.push(...compareBodies(`variant ${next.id}`, variant, next));
      changes.push(...compareStructure(`variant ${next.id}`, variant, next));
    }
  }
  for (const [tags, variant] of afterVariants) {
    if (!beforeVariants.has(tags)) changes.push({ kind: "variant", change: "added", id: variant.id, tags: variant.tags });
  }
  changes.push(...comparePartials(before, after));
  for (const field of METADATA) {
    if (canonicalJson(before[field] ?? null) !== canonicalJson(after[field] ?? null)) {
      changes.push({ kind: "metadata", field, before: before[field], after: after[field] });
    }
  }
  return { name, status: changes.length ? "changed" : "unchanged", changes };
}

/** Every prompt of two sets, sorted by name. */
export function comparePromptSets(from: string, to: string, before: readonly CompiledPrompt[], after: readonly CompiledPrompt[]): SetDiff {
  const left = new Map(before.map((p) => [p.name, p]));
  const right = new Map(after.map((p) => [p.name, p]));
  const names = [...new Set([...left.keys(), ...right.keys()])].sort();
  const prompts = names.map((name) => comparePrompts(name, left.get(name), right.get(name)));
  const count = (status: PromptDiff["status"]) => prompts.filter((p) => p.status === status).length;
  return { from, to, prompts, summary: { added: count("added"), removed: count("removed"), changed: count("changed"), unchanged: count("unchanged") } };
}

function describeWhole(prompt: CompiledPrompt): PromptChange[] {
  const required = prompt.variables.filter((v) => v.required).map((v) => v.name);
  return prompt.variables.length
    ? [{ kind: "variables", added: prompt.variables.map((v) => v.name), removed: [], nowRequired: required, nowOptional: [], breaking: [] }]
    : [];
}

function compareVariables(before: CompiledPrompt, after: CompiledPrompt): PromptChange | undefined {
  const was = new Map(before.variables.map((v) => [v.name, v.required]));
  const now = new Map(after.variables.map((v) => [v.name, v.required]));
  const added = [...now.keys()].filter((n) => !was.has(n));
  const removed = [...was.keys()].filter((n) => !now.has(n));
  const nowRequired = [...now].filter(([n, r]) => r && was.get(n) === false).map(([n]) => n);
  const nowOptional = [...now].filter(([n, r]) => !r && was.get(n) === true).map(([n]) => n);
  if (!added.length && !removed.length && !nowRequired.length && !nowOptional.length) return undefined;
  // A placeholder's name is a variable too; its changes are judged as a placeholder's (compareStructure).
  const placeholders = new Set([before, after, ...before.variants, ...after.variants].flatMap((b) => placeholdersOf(b.messages).map((p) => p.placeholder)));
  const breaking = variableFit(before.variables, after.variables).newlyRequired.filter((name) => !placeholders.has(name));
  return { kind: "variables", added, removed, nowRequired, nowOptional, breaking };
}

type Body = Pick<CompiledPrompt | CompiledVariant, "content" | "messages">;

function compareBodies(target: string, before: Body, after: Body): PromptChange[] {
  const changes: PromptChange[] = [];
  const roles = (m: MessageTemplate[] | undefined) => (m ?? []).map(messageSlot);
  if (before.messages || after.messages) {
    if (canonicalJson(roles(before.messages)) !== canonicalJson(roles(after.messages))) {
      changes.push({ kind: "messages", before: roles(before.messages), after: roles(after.messages) });
    }
  }
  const text = (b: Body) => b.content ?? (b.messages ?? []).map(messageText).join("\n");
  const [a, b] = [text(before), text(after)];
  if (a !== b) changes.push({ kind: "template", target, before: a, after: b, hunks: textHunks(a, b) });
  return changes;
}
