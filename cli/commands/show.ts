import type { Command } from "commander";
import type { CompiledPrompt, CompiledVariant } from "../../src/formats/types.ts";
import { selectVariant } from "../../src/template/variants.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withTrustOption } from "../global-options.ts";
import { loadPrompt } from "../load-prompt.ts";
import { print, printJson } from "../output.ts";
import { parseTags, versionRef } from "../parse-options.ts";

export interface PromptRefOptions extends GlobalOptions {
  version?: string;
  alias?: string;
  tags?: string;
  path?: string;
}

/** Options shared by show and render. */
export function withPromptRefOptions(command: Command): Command {
  return withTrustOption(withGlobalOptions(
    command
      .option("--version <version>", "read this version from the registry")
      .option("--alias <alias>", "read the version this alias points to")
      .option("--tags <k=v,…>", "select a variant: locale=cn,tone=friendly")
      .option("--path <dir>", "local prompts folder, used when neither --version nor --alias is given"),
  ));
}

export function registerShow(program: Command): void {
  withPromptRefOptions(
    program.command("show <prompt>").description("Show a prompt's template, variables and metadata (local files unless --version/--alias)"),
  ).action(async (name: string, options: PromptRefOptions) => {
    const ctx = await resolveContext(options);
    const loaded = await loadPrompt(ctx, name, versionRef(options), options.path);
    const variant = selectVariant(loaded.prompt.variants, parseTags(options.tags));
    if (ctx.json) return printJson({ version: loaded.version, alias: loaded.alias, variant: variant?.id ?? null, prompt: loaded.prompt });
    print(describe(loaded.prompt, loaded.version, variant));
  });
}

function describe(prompt: CompiledPrompt, version: string, variant: CompiledVariant | undefined): string {
  const body = variant ?? prompt;
  const variables = body.variables.map((v) => (v.required ? v.name : `${v.name}?`)).join(", ");
  const lines = [
    `${prompt.name} @ ${version}${variant ? ` (variant ${variant.id}: ${Object.entries(variant.tags).map(([k, v]) => `${k}=${v}`).join(",")})` : ""}`,
    ...(prompt.title ? [`title: ${prompt.title}`] : []),
    ...(prompt.description ? [`description: ${prompt.description}`] : []),
    `kind: ${prompt.kind}${prompt.template ? "" : " (plain text, not a template)"}`,
    `variables: ${variables || "(none)"}`,
    ...(prompt.variants.length ? [`variants: ${prompt.variants.map((v) => v.id).join(", ")}`] : []),
    ...(prompt.model !== undefined ? [`model: ${JSON.stringify(prompt.model)}`] : []),
    `hash: ${prompt.hash}`,
    "",
  ];
  if (body.messages) for (const m of body.messages) lines.push(`[${m.role}]`, m.content);
  else lines.push(body.content ?? "");
  return lines.join("\n").replace(/\n$/, "");
}
