import { MissingVariableError, RenderError } from "../errors.ts";
import type { RenderedContentPart, RenderedMessage } from "../formats/rendered.ts";
import type { ContentPart, MessageRole, MessageTemplate } from "../formats/types.ts";
import type { CompiledTemplate } from "../template/compile-template.ts";
import { isPlaceholder, shortValue, urlProblem } from "./messages.ts";
import { placeholderMessages } from "./placeholder-messages.ts";

type CompiledPart =
  | { type: "text"; text: CompiledTemplate }
  | { type: "image"; url: CompiledTemplate; detail?: "auto" | "low" | "high" }
  | { type: "file"; url: CompiledTemplate; filename?: string }
  | { type: "audio"; url: CompiledTemplate };

type CompiledMessage =
  | { placeholder: string; required: boolean }
  | { role: MessageRole; content: CompiledTemplate | CompiledPart[] };

export interface MessageRenderContext {
  prompt: string;
  strict: boolean;
  maxLength: number;
  compile(text: string): CompiledTemplate;
  run(template: CompiledTemplate, values: Record<string, unknown>): string;
}

/** Compiles a chat body's templates once; the returned function renders them and fills the placeholders. */
export function compileMessages(messages: readonly MessageTemplate[], context: MessageRenderContext): (values: Record<string, unknown>) => RenderedMessage[] {
  const compiled: CompiledMessage[] = messages.map((m): CompiledMessage => {
    if (isPlaceholder(m)) return { placeholder: m.placeholder, required: m.required };
    return { role: m.role, content: typeof m.content === "string" ? context.compile(m.content) : m.content.map((p) => compilePart(p, context)) };
  });
  return (values) => {
    const out: RenderedMessage[] = [];
    compiled.forEach((m, index) => {
      if ("placeholder" in m) {
        const value = Object.hasOwn(values, m.placeholder) ? values[m.placeholder] : undefined;
        if (value === undefined) {
          if (m.required && context.strict) throw new MissingVariableError(context.prompt, [m.placeholder]);
          return;
        }
        out.push(...placeholderMessages(context.prompt, m.placeholder, value, context.maxLength));
        return;
      }
      const content = Array.isArray(m.content)
        ? m.content.map((part, p) => renderPart(part, values, context, `message ${index + 1} part ${p + 1}`))
        : context.run(m.content, values);
      out.push({ role: m.role, content });
    });
    return out;
  };
}

function compilePart(part: ContentPart, context: MessageRenderContext): CompiledPart {
  if (part.type === "text") return { type: "text", text: context.compile(part.text) };
  if (part.type === "image") return { type: "image", url: context.compile(part.url), ...(part.detail !== undefined && { detail: part.detail }) };
  if (part.type === "file") return { type: "file", url: context.compile(part.url), ...(part.filename !== undefined && { filename: part.filename }) };
  return { type: "audio", url: context.compile(part.url) };
}

function renderPart(part: CompiledPart, values: Record<string, unknown>, context: MessageRenderContext, where: string): RenderedContentPart {
  if (part.type === "text") return { type: "text", text: context.run(part.text, values) };
  const url = context.run(part.url, values).trim();
  const problem = urlProblem(part.type, url);
  if (problem) throw new RenderError(context.prompt, `${where} (${part.type}): ${problem}, got ${shortValue(url)}`);
  if (part.type === "image") return { type: "image", url, ...(part.detail !== undefined && { detail: part.detail }) };
  if (part.type === "file") return { type: "file", url, ...(part.filename !== undefined && { filename: part.filename }) };
  return { type: "audio", url };
}
