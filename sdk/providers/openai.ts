import { UsageError } from "../../src/errors.ts";
import type { RenderedContentPart, RenderedMessage } from "../../src/formats/rendered.ts";
import { parseDataUrl } from "./data-url.ts";
import { effortOf, readModelChoice, refuseSetting } from "./model-settings.ts";
import { partPlace, requestError, schemaCopy, textOnly, type PromptRequestInput } from "./request-input.ts";

// Structural shapes of the request bodies (test/providers-types.test.ts checks them against the official `openai`
// package's types, which the SDK's own .d.ts files never name).

export type OpenAIApi = "responses" | "chat";

export interface OpenAIRequestOptions {
  /** Which API the body is for. @default "responses" */
  api?: OpenAIApi;
}

export type OpenAIReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max";

export interface OpenAIJsonSchemaFormat {
  name: string;
  description?: string;
  schema: Record<string, unknown>;
  strict?: boolean;
}

export type OpenAIResponsesContentPart =
  | { type: "input_text"; text: string }
  | { type: "input_image"; image_url: string; detail: "auto" | "low" | "high" }
  | { type: "input_file"; file_url: string; filename?: string }
  | { type: "input_file"; file_data: string; filename: string };

export type OpenAIResponsesMessage =
  | { role: "system" | "developer" | "user"; content: string | OpenAIResponsesContentPart[] }
  | { role: "assistant"; content: string };

export interface OpenAIResponsesFunctionTool {
  type: "function";
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
  strict: boolean;
}

/** A body for `client.responses.create()` (POST /v1/responses). */
export interface OpenAIResponsesRequest {
  model: string;
  input: OpenAIResponsesMessage[];
  tools?: OpenAIResponsesFunctionTool[];
  text?: { format: { type: "json_schema" } & OpenAIJsonSchemaFormat };
  max_output_tokens?: number;
  temperature?: number;
  top_p?: number;
  reasoning?: { effort: OpenAIReasoningEffort };
}

export type OpenAIChatTextPart = { type: "text"; text: string };

export type OpenAIChatContentPart =
  | OpenAIChatTextPart
  | { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } }
  | { type: "file"; file: { file_data: string; filename: string } }
  | { type: "input_audio"; input_audio: { data: string; format: "wav" | "mp3" } };

export type OpenAIChatMessage =
  | { role: "system" | "developer" | "assistant"; content: string | OpenAIChatTextPart[] }
  | { role: "user"; content: string | OpenAIChatContentPart[] };

export interface OpenAIChatFunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };
}

/** A body for `client.chat.completions.create()` (POST /v1/chat/completions). */
export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIChatMessage[];
  tools?: OpenAIChatFunctionTool[];
  response_format?: { type: "json_schema"; json_schema: OpenAIJsonSchemaFormat };
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  reasoning_effort?: OpenAIReasoningEffort;
}

const EFFORTS: readonly OpenAIReasoningEffort[] = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];
const RESPONSES = "toOpenAI (Responses API)";
const CHAT = "toOpenAI (Chat Completions API)";

/**
 * The Responses API body. Settings it lacks: `stop` is refused (dropping it would change the answer), the sampling
 * settings `seed`, `top_k`, `presence_penalty` and `frequency_penalty` are left out.
 */
export function openAIResponsesRequest(input: PromptRequestInput): OpenAIResponsesRequest {
  const { model, settings } = readModelChoice(input, RESPONSES);
  refuseSetting(input, RESPONSES, settings, "stop", "Use toOpenAI(variables, { api: \"chat\" }), or remove stop from the prompt.");
  const effort = effortOf(input, RESPONSES, settings, EFFORTS);
  const body: OpenAIResponsesRequest = { model, input: input.messages.map((m, i) => responsesMessage(input, m, i)) };
  if (input.tools?.length) {
    body.tools = input.tools.map((t) => ({
      type: "function",
      name: t.name,
      ...(t.description !== undefined && { description: t.description }),
      parameters: schemaCopy(input, RESPONSES, t.parameters),
      // The Responses API reads an absent strict as true: a prompt that says nothing gets Chat Completions' false.
      strict: t.strict ?? false,
    }));
  }
  if (input.output) body.text = { format: { type: "json_schema", ...jsonSchemaFormat(input, RESPONSES) } };
  if (settings.max_tokens !== undefined) body.max_output_tokens = settings.max_tokens;
  if (settings.temperature !== undefined) body.temperature = settings.temperature;
  if (settings.top_p !== undefined) body.top_p = settings.top_p;
  if (effort !== undefined) body.reasoning = { effort };
  return body;
}

/** The Chat Completions body. `top_k`, which it lacks, is left out. */
export function openAIChatRequest(input: PromptRequestInput): OpenAIChatRequest {
  const { model, settings } = readModelChoice(input, CHAT);
  const effort = effortOf(input, CHAT, settings, EFFORTS);
  const body: OpenAIChatRequest = { model, messages: input.messages.map((m, i) => chatMessage(input, m, i)) };
  if (input.tools?.length) {
    body.tools = input.tools.map((t) => ({
      type: "function",
      function: {
        name: t.name,
        ...(t.description !== undefined && { description: t.description }),
        parameters: schemaCopy(input, CHAT, t.parameters),
        ...(t.strict !== undefined && { strict: t.strict }),
      },
    }));
  }
  if (input.output) body.response_format = { type: "json_schema", json_schema: jsonSchemaFormat(input, CHAT) };
  if (settings.max_tokens !== undefined) body.max_completion_tokens = settings.max_tokens;
  for (const key of ["temperature", "top_p", "seed", "presence_penalty", "frequency_penalty"] as const) {
    if (settings[key] !== undefined) body[key] = settings[key];
  }
  if (settings.stop !== undefined) body.stop = settings.stop;
  if (effort !== undefined) body.reasoning_effort = effort;
  return body;
}

function jsonSchemaFormat(input: PromptRequestInput, api: string): OpenAIJsonSchemaFormat {
  const output = input.output!;
  return {
    name: output.name,
    ...(output.description !== undefined && { description: output.description }),
    schema: schemaCopy(input, api, output.schema),
    ...(output.strict !== undefined && { strict: output.strict }),
  };
}

function checkRole(input: PromptRequestInput, api: string, message: RenderedMessage, index: number): asserts message is RenderedMessage & { role: "system" | "developer" | "user" | "assistant" } {
  if (message.role === "tool") {
    requestError(input, api, `${partPlace(index, message)} is a tool message, which needs the id of the tool call it answers`, "Leave tool results out of the prompt and append them to the request's messages yourself.");
  }
}

function responsesMessage(input: PromptRequestInput, message: RenderedMessage, index: number): OpenAIResponsesMessage {
  checkRole(input, RESPONSES, message, index);
  if (message.role === "assistant") {
    // The Responses API takes an earlier answer's parts as output_text only: the text, joined, is the same answer.
    const text = textOnly(input, RESPONSES, message, index);
    return { role: "assistant", content: typeof text === "string" ? text : text.map((p) => p.text).join("") };
  }
  if (typeof message.content === "string") return { role: message.role, content: message.content };
  if (message.role !== "user") return { role: message.role, content: toInputText(textOnly(input, RESPONSES, message, index)) };
  return { role: "user", content: message.content.map((part, p) => responsesPart(input, message, index, part, p)) };
}

function toInputText(parts: string | { type: "text"; text: string }[]): string | OpenAIResponsesContentPart[] {
  return typeof parts === "string" ? parts : parts.map((p) => ({ type: "input_text", text: p.text }));
}

function responsesPart(input: PromptRequestInput, message: RenderedMessage, index: number, part: RenderedContentPart, p: number): OpenAIResponsesContentPart {
  const place = partPlace(index, message, p);
  switch (part.type) {
    case "text": return { type: "input_text", text: part.text };
    case "image": return { type: "input_image", image_url: imageUrl(input, RESPONSES, place, part.url), detail: part.detail ?? "auto" };
    case "file": {
      if (parseDataUrl(part.url) === undefined) return { type: "input_file", file_url: part.url, ...(part.filename !== undefined && { filename: part.filename }) };
      return { type: "input_file", file_data: checkedFileData(input, RESPONSES, place, part), filename: part.filename! };
    }
    case "audio":
      return requestError(input, RESPONSES, `${place} is an audio part, which the Responses API does not take in a message`, "Use toOpenAI(variables, { api: \"chat\" }) for audio.");
  }
}

function chatMessage(input: PromptRequestInput, message: RenderedMessage, index: number): OpenAIChatMessage {
  checkRole(input, CHAT, message, index);
  if (message.role !== "user") return { role: message.role, content: textOnly(input, CHAT, message, index) };
  if (typeof message.content === "string") return { role: "user", content: message.content };
  return { role: "user", content: message.content.map((part, p) => chatPart(input, message, index, part, p)) };
}

function chatPart(input: PromptRequestInput, message: RenderedMessage, index: number, part: RenderedContentPart, p: number): OpenAIChatContentPart {
  const place = partPlace(index, message, p);
  switch (part.type) {
    case "text": return { type: "text", text: part.text };
    case "image": return { type: "image_url", image_url: { url: imageUrl(input, CHAT, place, part.url), ...(part.detail !== undefined && { detail: part.detail }) } };
    case "file": {
      if (parseDataUrl(part.url) === undefined) {
        return requestError(input, CHAT, `${place} is a file by URL, which Chat Completions does not take`, "Use toOpenAI(variables) (the Responses API), or pass the file as a data: URL.");
      }
      return { type: "file", file: { file_data: checkedFileData(input, CHAT, place, part), filename: part.filename! } };
    }
    case "audio": {
      const data = parseDataUrl(part.url);
      const format = typeof data === "object" ? AUDIO_FORMATS.get(data.mediaType) : undefined;
      if (typeof data !== "object" || format === undefined) {
        return requestError(input, CHAT, `${place} must be a data:audio/wav or data:audio/mpeg URL${typeof data === "string" ? `; it ${data}` : ""}`, "Pass the audio inline as WAV or MP3.");
      }
      return { type: "input_audio", input_audio: { data: data.base64, format } };
    }
  }
}

const AUDIO_FORMATS = new Map<string, "wav" | "mp3">([["audio/wav", "wav"], ["audio/x-wav", "wav"], ["audio/wave", "wav"], ["audio/mpeg", "mp3"], ["audio/mp3", "mp3"]]);

/** An inline file goes as a base64 data: URL, which OpenAI reads only with a filename. */
function checkedFileData(input: PromptRequestInput, api: string, place: string, part: RenderedContentPart & { type: "file" }): string {
  if (part.filename === undefined) requestError(input, api, `${place} is an inline file without a filename, which OpenAI requires`, "Add `filename` to the file part in the prompt file.");
  return base64DataUrl(input, api, place, part.url);
}

/** An image URL as sent: a data: URL in its base64 form, any other URL as it is. */
function imageUrl(input: PromptRequestInput, api: string, place: string, url: string): string {
  return parseDataUrl(url) === undefined ? url : base64DataUrl(input, api, place, url);
}

/** OpenAI decodes inline data as base64: a percent-encoded data: URL is re-encoded, a malformed one refused. */
function base64DataUrl(input: PromptRequestInput, api: string, place: string, url: string): string {
  const data = parseDataUrl(url);
  if (typeof data !== "object") return requestError(input, api, `${place} ${data ?? "is not a data: URL"}`, "Fix the part's url.");
  return `data:${data.mediaType};base64,${data.base64}`;
}

/** The body for the API `options.api` names (the Responses API by default). */
export function openAIRequest(input: PromptRequestInput, options: OpenAIRequestOptions = {}): OpenAIResponsesRequest | OpenAIChatRequest {
  const api: unknown = options.api ?? "responses";
  if (api === "responses") return openAIResponsesRequest(input);
  if (api === "chat") return openAIChatRequest(input);
  throw new UsageError(`toOpenAI: api must be "responses" or "chat", got ${JSON.stringify(String(api).slice(0, 40))}`, "Pass { api: \"responses\" } or { api: \"chat\" }.");
}
