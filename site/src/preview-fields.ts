// What the render preview's form holds for a compiled prompt (preview-form-build.ts builds it in the browser): a
// field per variable (placeholders and values the `inputs` schema types as objects or lists take JSON), a choice per
// variant tag. The schema is registry data, so it is read defensively and anything unexpected is a text field.
import type { SitePrompt } from "virtual:promptsync/view";

type Compiled = SitePrompt["contents"][string];

export type FieldKind = "text" | "number" | "boolean" | "choice" | "json";

export interface PreviewField {
  name: string;
  required: boolean;
  kind: FieldKind;
  /** A choice field's values, each as JSON (the option's value). */
  choices: string[];
  /** The schema's description of the variable, or what a JSON field expects. */
  hint: string;
}

export interface TagChoice {
  tag: string;
  values: string[];
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** The `inputs` schema's own property for `name`, if it declares one. */
function propertySchema(inputs: unknown, name: string): Record<string, unknown> | undefined {
  const properties = record(record(inputs)?.properties);
  return properties && Object.hasOwn(properties, name) ? record(properties[name]) : undefined;
}

function kindOf(schema: Record<string, unknown> | undefined): { kind: FieldKind; choices: string[] } {
  const choices = Array.isArray(schema?.enum) ? schema.enum.map((v) => JSON.stringify(v) ?? "null") : [];
  if (choices.length > 0) return { kind: "choice", choices };
  const types = typeof schema?.type === "string" ? [schema.type] : Array.isArray(schema?.type) ? schema.type : [];
  if (types.length !== 1) return { kind: "text", choices };
  if (types[0] === "number" || types[0] === "integer") return { kind: "number", choices };
  if (types[0] === "boolean") return { kind: "boolean", choices };
  if (types[0] === "object" || types[0] === "array") return { kind: "json", choices };
  return { kind: "text", choices };
}

export function previewFields(prompt: Compiled): PreviewField[] {
  const placeholders = new Set(
    [prompt.messages, ...prompt.variants.map((v) => v.messages)].flatMap((messages) => (messages ?? []).flatMap((m) => ("placeholder" in m ? [m.placeholder] : []))),
  );
  return prompt.variables.map((v) => {
    if (placeholders.has(v.name)) return { name: v.name, required: v.required, kind: "json", choices: [], hint: 'A JSON list of messages: [{"role": "user", "content": "…"}]' };
    const schema = propertySchema(prompt.inputs, v.name);
    const { kind, choices } = kindOf(schema);
    const description = typeof schema?.description === "string" ? schema.description : "";
    return { name: v.name, required: v.required, kind, choices, hint: description || (kind === "json" ? "JSON" : "") };
  });
}

/** Each tag the variants use, with the values they give it. */
export function tagChoices(prompt: Compiled): TagChoice[] {
  const tags = new Map<string, Set<string>>();
  for (const variant of prompt.variants) {
    for (const [tag, value] of Object.entries(variant.tags)) {
      if (!tags.has(tag)) tags.set(tag, new Set());
      tags.get(tag)!.add(value);
    }
  }
  return [...tags].map(([tag, values]) => ({ tag, values: [...values] }));
}
