import { hasStructuredInterface, structuredInterface } from "../structured/interface-summary.ts";
import type { CommitInterface, CompiledPrompt } from "./types.ts";

/** What code written against one prompt set needs from another: its interface. */
export type PromptInterface = CommitInterface["prompts"][number];

/** The interface of a compiled prompt, as `_interfaces/{commit}.json` records it. */
export function interfaceOf(prompt: CompiledPrompt): PromptInterface {
  return {
    name: prompt.name,
    kind: prompt.kind,
    variables: prompt.variables,
    variantTags: prompt.variants.map((v) => v.tags),
    ...(prompt.inputs && { inputs: prompt.inputs }),
    ...structuredInterface(prompt),
  };
}

/** The record push writes: v2 only when a prompt has placeholders, tools or output, which v1 readers reject. */
export function commitInterface(project: string, commit: string, prompts: readonly CompiledPrompt[]): CommitInterface {
  const interfaces = prompts.map(interfaceOf);
  const format = interfaces.some(hasStructuredInterface) ? "promptsync.interface/v2" : "promptsync.interface/v1";
  return { format, project, commit, prompts: interfaces };
}
