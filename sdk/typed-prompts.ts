// The types behind `new PromptManager<Prompts>(…)`: `promptsync types` writes a `Prompts` interface (one
// PromptShape per prompt), and these map it onto getPrompt, format, formatMessages, toOpenAI, toAnthropic and
// parseOutput. Types only: nothing here exists at run time. Without the type parameter every prompt is an
// UntypedPrompt and the methods take and return what they did before.
import type { Rendered, RenderedContentPart, RenderedMessage } from "../src/formats/rendered.ts";
import type { MessageRole, PromptKind, Tags } from "../src/formats/types.ts";

/** A JSON value: the type `promptsync types` gives a variable whose prompt declares no `inputs` schema for it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A message the app fills a placeholder with (docs/prompt-format.md#placeholders). */
export interface MessageInput {
  role: MessageRole;
  content: string | readonly RenderedContentPart[];
}

/** What `promptsync types` says of one prompt. */
export interface PromptShape {
  kind: PromptKind;
  variables: object;
  tags: object;
  output: unknown;
}

/** Any prompt: the shape of every prompt of a manager without a type parameter. */
export interface UntypedPrompt {
  kind: PromptKind;
  variables: Record<string, unknown>;
  tags: Tags;
  output: unknown;
}

/** Every prompt by name: the generated `Prompts` interface satisfies it. */
export type PromptCatalog<P> = { [Name in keyof P]: PromptShape };

export type UntypedCatalog = Record<string, UntypedPrompt>;

/** Variables an empty object satisfies: none of them is required. */
type NoneRequired<S extends PromptShape> = Record<string, never> extends S["variables"] ? true : false;

/** The variables argument: optional when the prompt requires none. */
export type VariablesArgument<S extends PromptShape> = NoneRequired<S> extends true ? [variables?: S["variables"]] : [variables: S["variables"]];

/** The variables argument, then an options argument. */
export type VariablesThen<S extends PromptShape, Options> = NoneRequired<S> extends true
  ? [variables?: S["variables"], options?: Options]
  : [variables: S["variables"], options?: Options];

/** What format() returns: a string for a text prompt, messages for a chat prompt, either for an untyped one. */
export type FormatResult<S extends PromptShape> = [S["kind"]] extends ["text"] ? string : [S["kind"]] extends ["chat"] ? RenderedMessage[] : Rendered;
