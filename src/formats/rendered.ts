/**
 * What format() and formatMessages() return: plain data, ready to map onto a provider's request. Written by hand
 * (not generated) so the SDK's public types stay small and structural; sdk/providers maps these onto OpenAI's and
 * Anthropic's shapes.
 */
import type { MessageRole } from "./types.ts";

/** A rendered content part: every template field rendered; an image or file url is https: or data:. */
export type RenderedContentPart =
  | { type: "text"; text: string }
  | { type: "image"; url: string; detail?: "auto" | "low" | "high" }
  | { type: "file"; url: string; filename?: string }
  | { type: "audio"; url: string };

/**
 * A rendered chat message. `content` is a string unless the prompt's message (or the message a placeholder was
 * filled with) is a list of parts.
 */
export interface RenderedMessage {
  role: MessageRole;
  content: string | RenderedContentPart[];
}

/** A text prompt renders to a string, a chat prompt to messages. */
export type Rendered = string | RenderedMessage[];
