import { configRenderLimits } from "../../src/project/config.ts";
import { materializePrompt } from "../../src/template/render-prompt.ts";
import { selectVariant } from "../../src/template/variants.ts";
import { defineCommand } from "../define-command.ts";
import { loadPrompt } from "../load-prompt.ts";
import { promptReferenceOptions, type PromptReferenceOptions } from "../options/prompt-reference.ts";
import { collectVar, parseTags, readVarsFile, versionRef } from "../parse-options.ts";

interface RenderOptions extends PromptReferenceOptions {
  var?: Record<string, string>;
  varsFile?: string;
  lenient?: boolean;
}

export const registerRender = defineCommand({
  command: "render <prompt>",
  description: "Render a prompt with variables (local files unless --version/--alias)",
  options: [
    (command) =>
      command
        .option("--var <name=value>", "a variable (repeatable)", collectVar)
        .option("--vars-file <file.json>", "variables from a JSON object (--var wins)")
        .option("--lenient", "render missing variables as empty instead of failing"),
    promptReferenceOptions,
  ],
  run: async (ctx, options: RenderOptions, name: string) => {
    const values = { ...(options.varsFile ? await readVarsFile(options.varsFile) : {}), ...options.var };
    const loaded = await loadPrompt(ctx, name, versionRef(options), options.path);
    const variant = selectVariant(loaded.prompt.variants, parseTags(options.tags));
    const bodies = materializePrompt(loaded.prompt, {
      strict: !options.lenient,
      limits: configRenderLimits(ctx.config.config),
      origin: ctx.registry.display,
    });
    return { prompt: name, version: loaded.version, variant: variant?.id ?? null, output: bodies.get(variant?.id)!.render(values) };
  },
  text: ({ output }) => (typeof output === "string" ? output.replace(/\n$/, "") : output.map((m) => `[${m.role}]\n${m.content}`)),
});
