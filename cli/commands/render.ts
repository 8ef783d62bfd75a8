import type { Command } from "commander";
import { configRenderLimits } from "../../src/project/config.ts";
import { materializePrompt } from "../../src/template/render-prompt.ts";
import { selectVariant } from "../../src/template/variants.ts";
import { resolveContext } from "../context.ts";
import { loadPrompt } from "../load-prompt.ts";
import { print, printJson } from "../output.ts";
import { collectVar, parseTags, readVarsFile, versionRef } from "../parse-options.ts";
import { withPromptRefOptions, type PromptRefOptions } from "./show.ts";

interface RenderOptions extends PromptRefOptions {
  var?: Record<string, string>;
  varsFile?: string;
  lenient?: boolean;
}

export function registerRender(program: Command): void {
  withPromptRefOptions(
    program
      .command("render <prompt>")
      .description("Render a prompt with variables (local files unless --version/--alias)")
      .option("--var <name=value>", "a variable (repeatable)", collectVar)
      .option("--vars-file <file.json>", "variables from a JSON object (--var wins)")
      .option("--lenient", "render missing variables as empty instead of failing"),
  ).action(async (name: string, options: RenderOptions) => {
    const ctx = await resolveContext(options);
    const values = { ...(options.varsFile ? await readVarsFile(options.varsFile) : {}), ...options.var };
    const loaded = await loadPrompt(ctx, name, versionRef(options), options.path);
    const variant = selectVariant(loaded.prompt.variants, parseTags(options.tags));
    const bodies = materializePrompt(loaded.prompt, {
      strict: !options.lenient,
      limits: configRenderLimits(ctx.config.config),
      origin: ctx.registry.display,
    });
    const output = bodies.get(variant?.id)!.render(values);
    if (ctx.json) return printJson({ prompt: name, version: loaded.version, variant: variant?.id ?? null, output });
    if (typeof output === "string") print(output.replace(/\n$/, ""));
    else for (const m of output) print(`[${m.role}]\n${m.content}`);
  });
}
