import { UsageError } from "../../src/errors.ts";
import type { RenderedContentPart, RenderedMessage } from "../../src/formats/rendered.ts";
import type { OutputSchema, ToolDefinition } from "../../src/formats/types.ts";

/** What a provider request is built from: a prompt's rendered messages and what its version declares. */
export interface PromptRequestInput {
  /** The prompt's name, for error messages. */
  prompt: string;
  /** formatMessages()'s result: a text prompt is one user message. */
  messages: readonly RenderedMessage[];
  model: string | Record<string, unknown> | undefined;
  config: Record<string, unknown> | undefined;
  tools: readonly ToolDefinition[] | undefined;
  output: OutputSchema | undefined;
}

/** Throws the error every provider mapping reports: what the prompt has that the API cannot take, and the way out. */
export function requestError(input: PromptRequestInput, api: string, problem: string, suggestion: string): never {
  throw new UsageError(`Prompt "${input.prompt}": ${api}: ${problem}`, suggestion);
}

/** "message 3 (user) part 2", for errors about rendered messages (numbered after placeholders are filled). */
export function partPlace(messageIndex: number, message: RenderedMessage, partIndex?: number): string {
  return `message ${messageIndex + 1} (${message.role})${partIndex === undefined ? "" : ` part ${partIndex + 1}`}`;
}

/** The text of a message whose parts must all be text (system, developer and assistant messages). */
export function textOnly(
  input: PromptRequestInput,
  api: string,
  message: RenderedMessage,
  messageIndex: number,
): { type: "text"; text: string }[] | string {
  if (typeof message.content === "string") return message.content;
  return message.content.map((part, index) => {
    if (part.type !== "text") {
      requestError(input, api, `${partPlace(messageIndex, message, index)} is ${article(part)} part; only user messages may hold images, files or audio`, "Move the part into a user message.");
    }
    return { type: "text" as const, text: part.text };
  });
}

function article(part: RenderedContentPart): string {
  return part.type === "image" ? "an image" : part.type === "audio" ? "an audio" : `a ${part.type}`;
}

/** Deeper JSON Schemas are refused rather than copied by a recursion this deep. */
const MAX_SCHEMA_DEPTH = 256;

/**
 * A deep copy of a JSON Schema from the prompt, so an app that edits the request cannot change the shared prompt.
 * A schema is JSON data: plain objects, arrays and scalars (a copy by hand is several times faster than
 * structuredClone here). Keys are defined, never assigned, so a "__proto__" key stays a key.
 */
export function schemaCopy(input: PromptRequestInput, api: string, schema: Record<string, unknown>): Record<string, unknown> {
  const copy = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== "object") return value;
    if (depth > MAX_SCHEMA_DEPTH) requestError(input, api, `a schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`, "Flatten the schema.");
    if (Array.isArray(value)) return value.map((item) => copy(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: copy(item, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return copy(schema, 0) as Record<string, unknown>;
}
