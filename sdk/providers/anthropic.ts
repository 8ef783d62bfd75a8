import type { RenderedContentPart, RenderedMessage } from "../../src/formats/rendered.ts";
import { parseDataUrl } from "./data-url.ts";
import { effortOf, readModelChoice } from "./model-settings.ts";
import { partPlace, requestError, schemaCopy, textOnly, type PromptRequestInput } from "./request-input.ts";

// Structural shapes of the request body (test/providers-types.test.ts checks them against the official
// `@anthropic-ai/sdk` package's types, which the SDK's own .d.ts files never name).

export type AnthropicImageMediaType = "image/jpeg" | "image/png" | "image/gif" | "image/webp";

export type AnthropicContentBlock =
  | { type: "text"; text: string }
  | { type: "image"; source: { type: "url"; url: string } | { type: "base64"; media_type: AnthropicImageMediaType; data: string } }
  | {
    type: "document";
    source: { type: "url"; url: string } | { type: "base64"; media_type: "application/pdf"; data: string } | { type: "text"; media_type: "text/plain"; data: string };
    title?: string;
  };

export type AnthropicMessage =
  | { role: "user"; content: string | AnthropicContentBlock[] }
  | { role: "assistant"; content: string | { type: "text"; text: string }[] };

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: { type: "object"; [key: string]: unknown };
  strict?: boolean;
}

export type AnthropicEffort = "low" | "medium" | "high" | "xhigh" | "max";

/** A body for `client.messages.create()` (POST /v1/messages). */
export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  system?: string;
  messages: AnthropicMessage[];
  tools?: AnthropicTool[];
  stop_sequences?: string[];
  output_config?: { format?: { type: "json_schema"; schema: Record<string, unknown> }; effort?: AnthropicEffort };
}

const API = "toAnthropic (Messages API)";
const EFFORTS: readonly AnthropicEffort[] = ["low", "medium", "high", "xhigh", "max"];
const IMAGE_TYPES = new Set<string>(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/**
 * The Messages API body. System and developer messages become `system` (their texts joined by a blank line, in
 * order, wherever they stood). `max_tokens` is required: without it in the model block (or config), an error.
 * The sampling settings (`temperature`, `top_p`, `top_k`, `seed`, penalties) are left out: the Messages API from
 * version 2026-10-21, which the official SDK sends, refuses them on every model.
 */
export function anthropicRequest(input: PromptRequestInput): AnthropicMessagesRequest {
  const { model, settings } = readModelChoice(input, API);
  if (settings.max_tokens === undefined) {
    requestError(input, API, "Anthropic requires max_tokens and the prompt sets none", "Add `max_tokens` to the prompt's model block: `model: { name: claude-…, max_tokens: 1024 }`.");
  }
  const effort = effortOf(input, API, settings, EFFORTS);
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  input.messages.forEach((message, index) => {
    if (message.role === "system" || message.role === "developer") {
      const text = textOnly(input, API, message, index);
      system.push(typeof text === "string" ? text : text.map((p) => p.text).join(""));
    } else {
      messages.push(anthropicMessage(input, message, index));
    }
  });
  if (messages.length === 0) {
    requestError(input, API, "the prompt renders no user or assistant message, and Anthropic needs at least one", "Add a user message (or fill a placeholder with one).");
  }
  const body: AnthropicMessagesRequest = { model, max_tokens: settings.max_tokens!, ...(system.length > 0 && { system: system.join("\n\n") }), messages };
  if (input.tools?.length) body.tools = input.tools.map((t) => anthropicTool(input, t));
  if (settings.stop !== undefined) body.stop_sequences = settings.stop;
  if (input.output || effort !== undefined) {
    body.output_config = {
      ...(input.output && { format: { type: "json_schema", schema: schemaCopy(input, API, input.output.schema) } }),
      ...(effort !== undefined && { effort }),
    };
  }
  return body;
}

function anthropicTool(input: PromptRequestInput, tool: NonNullable<PromptRequestInput["tools"]>[number]): AnthropicTool {
  const schema = schemaCopy(input, API, tool.parameters);
  if (schema.type !== "object") {
    requestError(input, API, `tool "${tool.name}": its parameters schema must have type: object`, "Declare the tool's parameters as an object schema.");
  }
  return {
    name: tool.name,
    ...(tool.description !== undefined && { description: tool.description }),
    input_schema: schema as AnthropicTool["input_schema"],
    ...(tool.strict !== undefined && { strict: tool.strict }),
  };
}

function anthropicMessage(input: PromptRequestInput, message: RenderedMessage, index: number): AnthropicMessage {
  if (message.role === "tool") {
    requestError(input, API, `${partPlace(index, message)} is a tool message, which needs the id of the tool call it answers`, "Leave tool results out of the prompt and append them to the request's messages yourself.");
  }
  if (message.role === "assistant") return { role: "assistant", content: textOnly(input, API, message, index) };
  if (typeof message.content === "string") return { role: "user", content: message.content };
  return { role: "user", content: message.content.map((part, p) => anthropicBlock(input, message, index, part, p)) };
}

function anthropicBlock(input: PromptRequestInput, message: RenderedMessage, index: number, part: RenderedContentPart, p: number): AnthropicContentBlock {
  const place = partPlace(index, message, p);
  switch (part.type) {
    case "text": return { type: "text", text: part.text };
    case "image": {
      // Anthropic has no image detail setting: `detail` is a hint for OpenAI only.
      const data = parseDataUrl(part.url);
      if (data === undefined) return { type: "image", source: { type: "url", url: part.url } };
      if (typeof data === "string") return requestError(input, API, `${place} ${data}`, "Fix the image part's url.");
      if (!IMAGE_TYPES.has(data.mediaType)) {
        return requestError(input, API, `${place} is an image of type ${JSON.stringify(data.mediaType.slice(0, 60))}; Anthropic takes image/jpeg, image/png, image/gif and image/webp`, "Convert the image to one of those types.");
      }
      return { type: "image", source: { type: "base64", media_type: data.mediaType as AnthropicImageMediaType, data: data.base64 } };
    }
    case "file": return { type: "document", source: documentSource(input, place, part.url), ...(part.filename !== undefined && { title: part.filename }) };
    case "audio":
      return requestError(input, API, `${place} is an audio part, which Anthropic's Messages API does not take`, "Use toOpenAI(variables, { api: \"chat\" }) for audio, or a variant without it for Anthropic.");
  }
}

function documentSource(input: PromptRequestInput, place: string, url: string): Extract<AnthropicContentBlock, { type: "document" }>["source"] {
  const data = parseDataUrl(url);
  // A URL document is fetched by Anthropic, which reads PDFs that way.
  if (data === undefined) return { type: "url", url };
  if (typeof data === "string") return requestError(input, API, `${place} ${data}`, "Fix the file part's url.");
  if (data.mediaType === "application/pdf") return { type: "base64", media_type: "application/pdf", data: data.base64 };
  if (data.mediaType === "text/plain") return { type: "text", media_type: "text/plain", data: Buffer.from(data.base64, "base64").toString("utf8") };
  return requestError(input, API, `${place} is a file of type ${JSON.stringify(data.mediaType.slice(0, 60))}; Anthropic takes PDF (application/pdf) and plain text (text/plain) documents`, "Convert the file to PDF or plain text.");
}
