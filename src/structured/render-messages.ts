import { MissingVariableError, RenderError, RenderLimitError } from "../errors.ts";
import type { RenderedContentPart, RenderedMessage } from "../formats/rendered.ts";
import type { ContentPart, MessageRole, MessageTemplate } from "../formats/types.ts";
import type { CompiledTemplate } from "../template/compile-template.ts";
import type { ResolvedRenderLimits } from "../template/render-limits.ts";
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
  limits: ResolvedRenderLimits;
  compile(text: string): { template: CompiledTemplate; reads: readonly string[] };
  run(template: CompiledTemplate, values: Record<string, unknown>): string;
}

/** Compiles a chat body's templates once; the returned function renders them and fills the placeholders. */
export function compileMessages(messages: readonly MessageTemplate[], context: MessageRenderContext): (values: Record<string, unknown>) => RenderedMessage[] {
  const reads = new Set<string>();
  const compile = (text: string): CompiledTemplate => {
    const { template, reads: names } = context.compile(text);
    for (const name of names) reads.add(name);
    return template;
  };
  const compiled: CompiledMessage[] = messages.map((m): CompiledMessage => {
    if (isPlaceholder(m)) return { placeholder: m.placeholder, required: m.required };
    return { role: m.role, content: typeof m.content === "string" ? compile(m.content) : m.content.map((p) => compilePart(p, compile)) };
  });
  // Each template render copies the variables it is given; a history no template reads is not copied for each.
  const unread = [...new Set(compiled.flatMap((m) => ("placeholder" in m && !reads.has(m.placeholder) ? [m.placeholder] : [])))];
  return (values) => {
    const budget = new CallBudget(context.prompt, context.limits);
    const templateValues = unread.some((name) => Object.hasOwn(values, name)) ? without(values, unread) : values;
    const run = (template: CompiledTemplate) => {
      budget.beforeTemplate();
      return budget.count(context.run(template, templateValues));
    };
    const out: RenderedMessage[] = [];
    compiled.forEach((m, index) => {
      if ("placeholder" in m) {
        const value = Object.hasOwn(values, m.placeholder) ? values[m.placeholder] : undefined;
        if (value === undefined) {
          if (m.required && context.strict) throw new MissingVariableError(context.prompt, [m.placeholder]);
          return;
        }
        const inserted = placeholderMessages(context.prompt, m.placeholder, value, context.limits.maxOutputLength);
        for (const message of inserted) budget.count(message.content);
        out.push(...inserted);
        return;
      }
      const content = Array.isArray(m.content)
        ? m.content.map((part, p) => renderPart(part, run, context.prompt, `message ${index + 1} part ${p + 1}`))
        : run(m.content);
      out.push({ role: m.role, content });
    });
    return out;
  };
}

function compilePart(part: ContentPart, compile: (text: string) => CompiledTemplate): CompiledPart {
  if (part.type === "text") return { type: "text", text: compile(part.text) };
  if (part.type === "image") return { type: "image", url: compile(part.url), ...(part.detail !== undefined && { detail: part.detail }) };
  if (part.type === "file") return { type: "file", url: compile(part.url), ...(part.filename !== undefined && { filename: part.filename }) };
  return { type: "audio", url: compile(part.url) };
}

/** A shallow copy of the values without some names. */
function without(values: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...values };
  for (const name of names) delete copy[name];
  return copy;
}

function renderPart(part: CompiledPart, run: (template: CompiledTemplate) => string, prompt: string, where: string): RenderedContentPart {
  if (part.type === "text") return { type: "text", text: run(part.text) };
  const url = run(part.url).trim();
  const problem = urlProblem(part.type, url);
  if (problem) throw new RenderError(prompt, `${where} (${part.type}): ${problem}, got ${shortValue(url)}`);
  if (part.type === "image") return { type: "image", url, ...(part.detail !== undefined && { detail: part.detail }) };
  if (part.type === "file") return { type: "file", url, ...(part.filename !== undefined && { filename: part.filename }) };
  return { type: "audio", url };
}

/**
 * What one format() call's messages spend together. Each template renders under its own budget (operations, time,
 * length), so without this a prompt of many messages or parts would multiply the limits: here the time and the
 * characters of all of them, placeholders' messages included, stay within one call's limits (the time checked
 * between templates, so a call takes at most about twice timeoutMs).
 */
class CallBudget {
  private readonly prompt: string;
  private readonly limits: ResolvedRenderLimits;
  private readonly deadline: number;
  private length = 0;

  constructor(prompt: string, limits: ResolvedRenderLimits) {
    this.prompt = prompt;
    this.limits = limits;
    this.deadline = performance.now() + limits.timeoutMs;
  }

  beforeTemplate(): void {
    if (performance.now() > this.deadline) {
      throw new RenderLimitError("timeoutMs", `prompt "${this.prompt}": rendering its messages took longer than ${this.limits.timeoutMs} ms`);
    }
  }

  /** Adds a rendered string (or a message's content) to the call's length; returns a string as it is. */
  count<T extends string | RenderedContentPart[]>(content: T): T {
    this.length += typeof content === "string" ? content.length : content.reduce((sum, part) => sum + partLength(part), 0);
    if (this.length > this.limits.maxOutputLength) {
      throw new RenderLimitError("maxOutputLength", `prompt "${this.prompt}": its messages would be over ${this.limits.maxOutputLength} characters together`);
    }
    return content;
  }
}

function partLength(part: RenderedContentPart): number {
  if (part.type === "text") return part.text.length;
  return part.url.length + (part.type === "file" ? (part.filename?.length ?? 0) : 0);
}
