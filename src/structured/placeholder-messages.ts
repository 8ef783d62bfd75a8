import { InvalidMessageError } from "../errors.ts";
import type { RenderedContentPart, RenderedMessage } from "../formats/rendered.ts";
import type { MessageRole } from "../formats/types.ts";
import { MESSAGE_ROLES, shortValue, urlProblem } from "./messages.ts";

/** Most messages one placeholder takes. */
export const MAX_PLACEHOLDER_MESSAGES = 1000;
/** Most content parts one inserted message takes. */
export const MAX_MESSAGE_PARTS = 100;

const MESSAGE_KEYS = new Set(["role", "content"]);
const PART_KEYS: Record<string, ReadonlySet<string>> = {
  text: new Set(["type", "text"]),
  image: new Set(["type", "url", "detail"]),
  file: new Set(["type", "url", "filename"]),
  audio: new Set(["type", "url"]),
};
const DETAILS = new Set(["auto", "low", "high"]);

/**
 * The messages a placeholder is filled with, checked and copied: they are data from the app (often from its
 * users), never rendered. `maxLength` bounds the characters of all their strings together.
 */
export function placeholderMessages(prompt: string, placeholder: string, value: unknown, maxLength: number): RenderedMessage[] {
  const fail = (rule: string, index?: number): never => {
    throw new InvalidMessageError(prompt, placeholder, index, rule);
  };
  if (!Array.isArray(value)) return fail(`must be a list of messages ({role, content}), got ${shortValue(value)}`);
  if (value.length > MAX_PLACEHOLDER_MESSAGES) return fail(`has ${value.length} messages; at most ${MAX_PLACEHOLDER_MESSAGES} are allowed`);
  let length = 0;
  const count = (text: string, index: number): string => {
    length += text.length;
    if (length > maxLength) fail(`the messages hold more than ${maxLength} characters (render limit maxOutputLength)`, index);
    return text;
  };
  const out: RenderedMessage[] = [];
  for (let index = 0; index < value.length; index++) {
    const message: unknown = value[index];
    if (!isRecord(message)) return fail(`must be an object {role, content}, got ${shortValue(message)}`, index);
    const unknown = Object.keys(message).find((key) => !MESSAGE_KEYS.has(key));
    if (unknown !== undefined) return fail(`has the unknown field ${shortValue(unknown)} (a message has only role and content)`, index);
    const role = Object.hasOwn(message, "role") ? message.role : undefined;
    if (typeof role !== "string" || !(MESSAGE_ROLES as readonly string[]).includes(role)) {
      return fail(`role must be one of ${MESSAGE_ROLES.join(", ")}, got ${shortValue(role)}`, index);
    }
    const content = Object.hasOwn(message, "content") ? message.content : undefined;
    if (typeof content === "string") {
      out.push({ role: role as MessageRole, content: count(content, index) });
      continue;
    }
    if (!Array.isArray(content)) return fail(`content must be a string or a list of content parts, got ${shortValue(content)}`, index);
    if (content.length === 0 || content.length > MAX_MESSAGE_PARTS) return fail(`content must have 1 to ${MAX_MESSAGE_PARTS} parts, got ${content.length}`, index);
    const parts: RenderedContentPart[] = [];
    for (let p = 0; p < content.length; p++) {
      const part = contentPart(content[p], (text) => count(text, index));
      if (typeof part === "string") return fail(`content part ${p + 1} ${part}`, index);
      parts.push(part);
    }
    out.push({ role: role as MessageRole, content: parts });
  }
  return out;
}

/** A checked copy of one part, or what is wrong with it. */
function contentPart(part: unknown, count: (text: string) => string): RenderedContentPart | string {
  if (!isRecord(part)) return `must be an object with a type, got ${shortValue(part)}`;
  const type = Object.hasOwn(part, "type") ? part.type : undefined;
  const keys = typeof type === "string" && Object.hasOwn(PART_KEYS, type) ? PART_KEYS[type]! : undefined;
  if (!keys) return `type must be one of text, image, file, audio, got ${shortValue(type)}`;
  const unknown = Object.keys(part).find((key) => !keys.has(key));
  if (unknown !== undefined) return `(${String(type)}) has the unknown field ${shortValue(unknown)}`;
  // Each field is read once, and only as an own property: a getter cannot answer the check one value and the
  // copy another, and a prototype adds no field.
  const field = (key: string): unknown => (Object.hasOwn(part, key) ? part[key] : undefined);
  if (type === "text") {
    const text = field("text");
    return typeof text === "string" ? { type, text: count(text) } : `(text) text must be a string, got ${shortValue(text)}`;
  }
  const url = field("url");
  if (typeof url !== "string") return `(${type}) url must be a string, got ${shortValue(url)}`;
  const problem = urlProblem(type as "image" | "file" | "audio", url);
  if (problem) return `(${type}): ${problem}, got ${shortValue(url)}`;
  count(url);
  if (type === "image") {
    const detail = field("detail");
    if (detail === undefined) return { type, url };
    return typeof detail === "string" && DETAILS.has(detail) ? { type, url, detail: detail as "auto" | "low" | "high" } : `(image) detail must be auto, low or high, got ${shortValue(detail)}`;
  }
  if (type === "file") {
    const filename = field("filename");
    if (filename === undefined) return { type, url };
    return typeof filename === "string" ? { type, url, filename: count(filename) } : `(file) filename must be a string, got ${shortValue(filename)}`;
  }
  return { type: "audio", url };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
