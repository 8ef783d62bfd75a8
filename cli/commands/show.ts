import { stringify } from "yaml";
import type { CompiledPrompt, CompiledVariant } from "../../src/formats/types.ts";
import { messageText } from "../../src/structured/message-text.ts";
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
    ...field("model", prompt.model),
    ...field("config", prompt.config),
    ...field("inputs", prompt.inputs),
    // A variant's tools and output replace the prompt's.
    ...field("tools", variant?.tools ?? prompt.tools),
    ...field("output", variant?.output ?? prompt.output),
    `source: ${prompt.source.path}${provenance(prompt)}`,
    ...(prompt.partials ? [`partials: ${Object.keys(prompt.partials).join(", ")}`] : []),
    `hash: ${prompt.hash}`,
    "",
  ];
  if (body.messages) for (const m of body.messages) lines.push(messageText(m));
  else lines.push(body.content ?? "");
  return lines.join("\n").replace(/\n$/, "");
}

/** A metadata field as it would read in the prompt's YAML: a scalar on its line, a dict or list as a block below it. */
function field(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== "object") return [`${name}: ${String(value)}`];
  return stringify({ [name]: value }, { lineWidth: 0, blockQuote: false }).replace(/\n$/, "").split("\n");
}

/** The `version` and `git_commit` a prompt file declared, when it did. */
function provenance(prompt: CompiledPrompt): string {
  const parts = [
    ...(prompt.sourceVersion !== undefined ? [`version ${prompt.sourceVersion}`] : []),
    ...(prompt.sourceGitCommit !== undefined ? [`commit ${prompt.sourceGitCommit}`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}
