import type { RenderedMessage } from "../src/formats/rendered.ts";
import type { CompiledPrompt, MessageTemplate, OutputSchema, PromptKind, Tags, ToolDefinition, VariableInfo } from "../src/formats/types.ts";
import type { RenderableBody } from "../src/template/render-prompt.ts";
import { anthropicRequest, type AnthropicMessagesRequest } from "./providers/anthropic.ts";
import { openAIRequest, type OpenAIChatRequest, type OpenAIRequestOptions, type OpenAIResponsesRequest } from "./providers/openai.ts";
import type { PromptRequestInput } from "./providers/request-input.ts";
import { UsageError } from "../src/errors.ts";
import { outputParser } from "../src/json-schema/parse-output.ts";
import { annotateSpan } from "./telemetry/open-telemetry.ts";
import type { FormatResult, PromptShape, UntypedPrompt, VariablesArgument, VariablesThen } from "./typed-prompts.ts";

/**
 * Where this call's prompt came from: the registry over the network, this process's memory, the disk cache, a
 * snapshot shipped with the app, or the local prompt files.
 */
export type PromptSource = "network" | "memory" | "disk" | "snapshot" | "local";

export interface PromptInfo {
  project: string | undefined;
  version: string;
  alias: string | undefined;
  source: PromptSource;
  stale: boolean;
  canary: boolean;
}

/**
 * A prompt at one version with one variant selected, ready to render. Immutable; shared between calls. `S`, from
 * the generated `Prompts` of a typed manager, types the variables and what format() returns (sdk/typed-prompts.ts).
 */
export class Prompt<S extends PromptShape = UntypedPrompt> {
  /** `name@version`, plus `#variant` when a variant was selected. */
  readonly id: string;
  readonly name: string;
  readonly project: string | undefined;
  /** The registry version, or "local" for a prompt compiled from the local folder. */
  readonly version: string;
  /** The alias that resolved to the version, if one was asked for. */
  readonly alias: string | undefined;
  /** The selected variant's id; undefined for the default content. */
  readonly variant: string | undefined;
  /** The selected variant's tags ({} for the default content). */
  readonly tags: Readonly<Tags>;
  readonly kind: PromptKind;
  readonly title: string | undefined;
  readonly description: string | undefined;
  /** The template text of a text prompt. */
  readonly content: string | undefined;
  /** The message templates of a chat prompt: messages (content a template or a list of parts) and placeholders. */
  readonly messages: readonly MessageTemplate[] | undefined;
  /** The tools the model may call (the variant's when it declares them). */
  readonly tools: readonly ToolDefinition[] | undefined;
  /** The JSON Schema of the response (the variant's when it declares one). */
  readonly output: OutputSchema | undefined;
  readonly variables: readonly VariableInfo[];
  readonly model: CompiledPrompt["model"];
  readonly config: CompiledPrompt["config"];
  readonly hash: string;
  readonly source: PromptSource;
  /**
   * True when the alias could not be revalidated when it was due (registry unreachable or answering invalidly),
   * or came from a snapshot: a newer version may exist.
   */
  readonly stale: boolean;
  /** True when a canary on the alias chose this version for this call's canary key. */
  readonly canary: boolean;
  private readonly body: RenderableBody;
  private parse: ((text: string) => unknown) | undefined;

  constructor(compiled: CompiledPrompt, body: RenderableBody, info: PromptInfo) {
    const variant = body.variant;
    this.id = `${compiled.name}@${info.version}${variant ? `#${variant.id}` : ""}`;
    this.name = compiled.name;
    this.project = info.project;
    this.version = info.version;
    this.alias = info.alias;
    this.variant = variant?.id;
    this.tags = variant?.tags ?? {};
    this.kind = compiled.kind;
    this.title = compiled.title;
    this.description = compiled.description;
    this.content = variant ? variant.content : compiled.content;
    this.messages = variant ? variant.messages : compiled.messages;
    this.tools = variant?.tools ?? compiled.tools;
    this.output = variant?.output ?? compiled.output;
    this.variables = body.variables;
    this.model = compiled.model;
    this.config = compiled.config;
    this.hash = variant?.hash ?? compiled.hash;
    this.source = info.source;
    this.stale = info.stale;
    this.canary = info.canary;
    this.body = body;
  }

  /** Renders the template: a string for text prompts, messages for chat prompts. */
  format(...[variables]: VariablesArgument<S>): FormatResult<S> {
    annotateSpan(this as Prompt);
    return this.body.render(valuesOf(variables)) as FormatResult<S>;
  }

  /** Renders a text prompt; throws a TypeError for a chat prompt. */
  formatText(...[variables]: VariablesArgument<S>): string {
    annotateSpan(this as Prompt);
    const out = this.body.render(valuesOf(variables));
    if (typeof out !== "string") throw new TypeError(`Prompt "${this.name}" is a chat prompt: use format() or formatMessages()`);
    return out;
  }

  /** Renders a chat prompt; a text prompt becomes one user message. */
  formatMessages(...[variables]: VariablesArgument<S>): RenderedMessage[] {
    annotateSpan(this as Prompt);
    const out = this.body.render(valuesOf(variables));
    return typeof out === "string" ? [{ role: "user", content: out }] : out;
  }

  /**
   * The request body for OpenAI's Responses API, or Chat Completions with `{ api: "chat" }`: the rendered messages,
   * the model and its settings, the tools and the output schema. Plain data, to send with the official client
   * (docs/providers.md).
   */
  toOpenAI(...args: VariablesThen<S, { api?: "responses" }>): OpenAIResponsesRequest;
  toOpenAI(variables: S["variables"], options: { api: "chat" }): OpenAIChatRequest;
  toOpenAI(variables: S["variables"], options: OpenAIRequestOptions): OpenAIResponsesRequest | OpenAIChatRequest;
  toOpenAI(variables?: S["variables"], options: OpenAIRequestOptions = {}): OpenAIResponsesRequest | OpenAIChatRequest {
    return openAIRequest(this.requestInput(valuesOf(variables)), options);
  }

  /** The request body for Anthropic's Messages API (docs/providers.md). */
  toAnthropic(...[variables]: VariablesArgument<S>): AnthropicMessagesRequest {
    return anthropicRequest(this.requestInput(valuesOf(variables)));
  }

  /**
   * A response parsed as JSON and checked against the output schema: the value, typed by the generated `Prompts`
   * of a typed manager. Throws OutputValidationError naming each violation's JSON path and rule.
   */
  parseOutput(text: string): S["output"] {
    if (!this.output) throw new UsageError(`Prompt "${this.name}" declares no output schema`, "Give it an `output:` block (docs/prompt-format.md#output).");
    this.parse ??= outputParser(this.name, this.output);
    return this.parse(text);
  }

  private requestInput(variables: Record<string, unknown>): PromptRequestInput {
    return { prompt: this.name, messages: (this as Prompt).formatMessages(variables), model: this.model, config: this.config, tools: this.tools, output: this.output };
  }
}

/** The variables as the renderer takes them: the typed forms are objects too. */
function valuesOf(variables: object | undefined): Record<string, unknown> {
  return (variables ?? {}) as Record<string, unknown>;
}
