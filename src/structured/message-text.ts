import type { RenderedContentPart, RenderedMessage } from "../formats/rendered.ts";
import type { MessageTemplate } from "../formats/types.ts";
import { isPlaceholder } from "./messages.ts";

/**
 * A message template as text, for show and diff: `[role]` then the content, one line per part of a list of parts
 * (`(image, detail high) {{ url }}`), or `[placeholder history]` for a placeholder.
 */
export function messageText(message: MessageTemplate | RenderedMessage): string {
  if (isPlaceholder(message)) return `[placeholder ${message.placeholder}${message.required ? "" : " (optional)"}]`;
  const content = typeof message.content === "string" ? message.content : message.content.map(partText).join("\n");
  return `[${message.role}]\n${content}`;
}

/** What stands in a message list's outline: the role, or `placeholder:name`. */
export function messageSlot(message: MessageTemplate): string {
  return isPlaceholder(message) ? `placeholder:${message.placeholder}` : message.role;
}

function partText(part: RenderedContentPart): string {
  if (part.type === "text") return `(text) ${part.text}`;
  if (part.type === "image") return `(image${part.detail ? `, detail ${part.detail}` : ""}) ${urlText(part.url)}`;
  if (part.type === "file") return `(file${part.filename ? ` ${part.filename}` : ""}) ${urlText(part.url)}`;
  return `(audio) ${urlText(part.url)}`;
}

/** A data: URL's payload is unreadable and can be megabytes: its media type and size stand for it. */
function urlText(url: string): string {
  const data = /^data:([^,]{0,100}),/i.exec(url);
  return data ? `data:${data[1]},… (${url.length} characters)` : url;
}
