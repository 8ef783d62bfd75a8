import type { CompiledPrompt, CompiledVariant } from "../../src/formats/types.ts";
import { selectVariant } from "../../src/template/variants.ts";
import { defineCommand } from "../define-command.ts";
import { loadPrompt } from "../load-prompt.ts";
import { promptReferenceOptions, type PromptReferenceOptions } from "../options/prompt-reference.ts";
import { parseTags, versionRef } from "../parse-options.ts";

export const registerShow = defineCommand({
  command: "show <prompt>",
  description: "Show a prompt's template, variables and metadata (local files unless --version/--alias)",
  options: [promptReferenceOptions],
  run: async (ctx, options: PromptReferenceOptions, name: string) => {
    const loaded = await loadPrompt(ctx, name, versionRef(options), options.path);
    return { ...loaded, variant: selectVariant(loaded.prompt.variants, parseTags(options.tags)) };
  },
  json: ({ version, alias, variant, prompt }) => ({ version, alias, variant: variant?.id ?? null, prompt }),
  text: ({ prompt, version, variant }) => describe(prompt, version, variant),
});

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
