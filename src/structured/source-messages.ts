import type { MessageTemplate, PromptSourceDocument, VariableInfo } from "../formats/types.ts";

/** A message as a prompt file writes it: a placeholder's `required` defaults to true. */
export type SourceMessage = NonNullable<PromptSourceDocument["messages"]>[number];

/** A template inside a message, and the document path where it was written. */
export interface MessageSite {
  text: string;
  path: (string | number)[];
}

/** The templates of a message list: string contents, and the text and url of each content part. */
export function messageSites(messages: readonly SourceMessage[], path: readonly (string | number)[]): MessageSite[] {
  const sites: MessageSite[] = [];
  messages.forEach((m, i) => {
    if ("placeholder" in m) return;
    const at = [...path, "messages", i, "content"];
    if (typeof m.content === "string") {
      sites.push({ text: m.content, path: at });
      return;
    }
    m.content.forEach((part, j) => {
      if (part.type === "text") sites.push({ text: part.text, path: [...at, j, "text"] });
      else sites.push({ text: part.url, path: [...at, j, "url"] });
    });
  });
  return sites;
}

/** The variables the placeholders take: required unless the file says `required: false`. */
export function placeholderVariables(messages: readonly SourceMessage[]): VariableInfo[] {
  return messages.flatMap((m) => ("placeholder" in m ? [{ name: m.placeholder, required: m.required ?? true }] : []));
}

/** The compiled form: every placeholder says whether it is required. */
export function compiledMessages(messages: readonly SourceMessage[]): MessageTemplate[] {
  return messages.map((m) => ("placeholder" in m ? { placeholder: m.placeholder, required: m.required ?? true } : m));
}

interface StructuredBody {
  messages?: readonly SourceMessage[];
  tools?: unknown;
  output?: unknown;
}

/**
 * Whether a prompt needs promptsync.prompt/v2: a placeholder, a list of content parts, tools or an output schema
 * in it or a variant. Prompts without them stay v1, byte for byte, so older readers keep reading them.
 */
export function usesStructuredFeatures(bodies: readonly StructuredBody[]): boolean {
  return bodies.some((b) => b.tools !== undefined || b.output !== undefined || (b.messages ?? []).some((m) => "placeholder" in m || typeof m.content !== "string"));
}
