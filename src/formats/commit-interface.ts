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
  };
}
