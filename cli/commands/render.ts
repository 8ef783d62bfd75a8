import { UsageError } from "../../src/errors.ts";
import { configRenderLimits } from "../../src/project/config.ts";
import { messageText } from "../../src/structured/message-text.ts";
import { materializePrompt } from "../../src/template/render-prompt.ts";
import { selectVariant } from "../../src/template/variants.ts";
import { defineCommand } from "../define-command.ts";
import { loadPrompt } from "../load-prompt.ts";
import { promptReferenceOptions, type PromptReferenceOptions } from "../options/prompt-reference.ts";
import { collectVar, collectVarJson, looksLikeJson, parseTags, readVarsFile, versionRef } from "../parse-options.ts";
import { terminalSafe } from "../terminal-safe.ts";

interface RenderOptions extends PromptReferenceOptions {
  var?: Record<string, string>;
  varJson?: Record<string, unknown>;
  varsFile?: string;
  lenient?: boolean;
}

export const registerRender = defineCommand({
  command: "render <prompt>",
  description: "Render a prompt with variables (local files unless --version/--alias)",
  options: [
    (command) =>
      command
        .option("--var <name=value>", "a variable, always text (repeatable)", collectVar)
        .option("--var-json <name=json>", 'a variable given as JSON: a list, dict, number, true/false/null or "text" (repeatable)', collectVarJson)
        .option("--vars-file <file.json>", "variables from a JSON object (--var and --var-json win)")
        .option("--lenient", "render missing variables as empty instead of failing"),
    promptReferenceOptions,
  ],
  parse: (options: RenderOptions, _name: string) => {
    const twice = Object.keys(options.var ?? {}).filter((name) => Object.hasOwn(options.varJson ?? {}, name));
    if (twice.length > 0) throw new UsageError(`${twice.join(", ")}: given with both --var and --var-json`, "Give each variable once.");
    return options;
  },
  run: async (ctx, options: RenderOptions, name: string) => {
    if (!options.json) {
      // A list or dict written with --var reaches the template as text: say so, as the output may look fine.
      for (const [variable, value] of Object.entries(options.var ?? {})) {
        if (looksLikeJson(value)) {
          process.stderr.write(`${terminalSafe(`note: --var ${variable} is passed as text; for a list or dict, use --var-json ${variable}=…`)}\n`);
        }
      }
    }
    const values = { ...(options.varsFile ? await readVarsFile(options.varsFile) : {}), ...options.var, ...options.varJson };
    const loaded = await loadPrompt(ctx, name, versionRef(options), options.path);
    const variant = selectVariant(loaded.prompt.variants, parseTags(options.tags));
    const bodies = materializePrompt(loaded.prompt, {
      strict: !options.lenient,
      limits: configRenderLimits(ctx.config.config),
      origin: ctx.registry.display,
    });
    const output = bodies.get(variant?.id)!.render(values);
    // A variant's tools and output schema replace the prompt's; they are not templates, so shown as they are.
    const tools = variant?.tools ?? loaded.prompt.tools;
    const outputSchema = variant?.output ?? loaded.prompt.output;
    return { prompt: name, version: loaded.version, variant: variant?.id ?? null, output, ...(tools && { tools }), ...(outputSchema && { outputSchema }) };
  },
  text: ({ output, tools, outputSchema }) => [
    ...(typeof output === "string" ? [output.replace(/\n$/, "")] : output.map(messageText)),
    ...(tools?.length ? [`[tools] ${tools.map((t) => t.name).join(", ")}`] : []),
    ...(outputSchema ? [`[output schema] ${outputSchema.name}${outputSchema.strict ? " (strict)" : ""}`] : []),
  ],
});
