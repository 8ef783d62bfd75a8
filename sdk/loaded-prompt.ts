import type { CompiledPrompt, Tags } from "../src/formats/types.ts";
import { materializePrompt, type RenderableBody, type RenderSettings } from "../src/template/render-prompt.ts";
import { selectVariant } from "../src/template/variants.ts";
import { Prompt, type PromptInfo } from "./prompt.ts";

/** A compiled prompt with its templates compiled once, and the Prompt objects handed out for it. */
export class LoadedPrompt {
  readonly compiled: CompiledPrompt;
  /** Approximate memory held, for the cache's size bound: the compiled templates hold about thrice their text. */
  readonly bytes: number;
  private readonly bodies: Map<string | undefined, RenderableBody>;
  private readonly handed = new Map<string, Prompt>();

  constructor(compiled: CompiledPrompt, encodedBytes: number, render: RenderSettings, origin: string) {
    this.compiled = compiled;
    this.bytes = encodedBytes * 3;
    this.bodies = materializePrompt(compiled, { ...render, origin });
  }

  /** The Prompt for `info` with the variant that `tags` select: one object per alias, variant, source, staleness and canary side. */
  prompt(info: PromptInfo, tags: Tags | undefined): Prompt {
    const variant = selectVariant(this.compiled.variants, tags);
    const key = `${info.alias ?? ""}\u0000${variant?.id ?? ""}\u0000${info.source}\u0000${info.stale ? 1 : 0}${info.canary ? 1 : 0}`;
    let prompt = this.handed.get(key);
    if (!prompt) {
      prompt = new Prompt(this.compiled, this.bodies.get(variant?.id)!, info);
      this.handed.set(key, prompt);
    }
    return prompt;
  }
}
