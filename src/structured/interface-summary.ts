import type { CompiledPrompt } from "../formats/types.ts";
import { placeholdersOf } from "./messages.ts";

/** The part of a prompt's interface that structured prompts add (v2 commit interfaces). */
export interface StructuredInterface {
  placeholders?: { name: string; required: boolean }[];
  tools?: string[];
  output?: { name: string; schema: Record<string, unknown> };
}

/**
 * What code written against a prompt relies on beyond its variables: the placeholders it fills, the tools whose
 * calls it handles (of the prompt and every variant) and the output schema it parses responses with (the
 * prompt's own). Empty for a prompt without them, so its interface stays v1.
 */
export function structuredInterface(prompt: CompiledPrompt): StructuredInterface {
  const bodies = [prompt, ...prompt.variants];
  const placeholders = new Map<string, boolean>();
  for (const body of bodies) {
    for (const p of placeholdersOf(body.messages)) placeholders.set(p.placeholder, (placeholders.get(p.placeholder) ?? false) || p.required);
  }
  const tools = [...new Set(bodies.flatMap((b) => (b.tools ?? []).map((t) => t.name)))].sort();
  return {
    ...(placeholders.size > 0 && { placeholders: [...placeholders].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, required]) => ({ name, required })) }),
    ...(bodies.some((b) => b.tools !== undefined) && { tools }),
    ...(prompt.output && { output: { name: prompt.output.name, schema: prompt.output.schema } }),
  };
}

/** Whether an interface needs promptsync.interface/v2. */
export function hasStructuredInterface(summary: StructuredInterface): boolean {
  return summary.placeholders !== undefined || summary.tools !== undefined || summary.output !== undefined;
}
