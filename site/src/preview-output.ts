// Shows a render preview's reply: the text, or the messages as a conversation with each placeholder as a slot
// holding what filled it, or the SDK's error. Everything is written with textContent: rendered text is never markup.
// Only the start of a long reply is laid out: a render may be 4 MB (maxOutputLength), and that much text of combining
// marks, bidi or CJK laid out on every edit could freeze the page the worker kept responsive.
import type { PreviewReply, PreviewSegment } from "virtual:promptsync/view";

type RenderedMessage = Extract<PreviewSegment, { message: unknown }>["message"];

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** What is left to lay out of one reply: its texts share the characters, its messages and content parts the items. */
interface Room {
  characters: number;
  items: number;
}
const MAX_SHOWN_CHARACTERS = 100_000;
const MAX_SHOWN_ITEMS = 200;

const leftOut = (n: number, what: string) => element("p", "muted left-out", `${n.toLocaleString("en")} more ${what}${n === 1 ? "" : "s"} not shown.`);

function textBlock(className: string, text: string, room: Room): HTMLElement[] {
  const shown = text.slice(0, room.characters);
  room.characters -= shown.length;
  const block = element("pre", className, shown);
  return shown.length < text.length ? [block, leftOut(text.length - shown.length, "character")] : [block];
}

/** As many of `values` as there is room for, and a note saying how many were left out. */
function bounded<T>(values: T[], room: Room, what: string): { shown: T[]; note: HTMLElement[] } {
  const shown = values.slice(0, room.items);
  room.items -= shown.length;
  return { shown, note: shown.length < values.length ? [leftOut(values.length - shown.length, what)] : [] };
}

function messageItem(message: RenderedMessage, room: Room): HTMLLIElement {
  const item = element("li", `message role-${message.role}`);
  item.append(element("span", "role", message.role));
  if (typeof message.content === "string") {
    item.append(...textBlock("", message.content, room));
    return item;
  }
  const { shown, note } = bounded(message.content, room, "part");
  for (const part of shown) item.append(element("span", "part muted", part.type), ...textBlock("", part.type === "text" ? part.text : part.url, room));
  item.append(...note);
  return item;
}

function conversation<T>(values: T[], room: Room, draw: (value: T) => HTMLLIElement): HTMLElement[] {
  const { shown, note } = bounded(values, room, "message");
  const list = element("ol", "conversation");
  list.append(...shown.map(draw));
  return [list, ...note];
}

function slotItem(placeholder: string, messages: RenderedMessage[], room: Room): HTMLLIElement {
  const item = element("li", "slot");
  const label = element("p", "");
  label.append(element("span", "slot-label", "Placeholder"), " ", element("code", "", placeholder), " ", element("span", "muted", messages.length === 0 ? "empty" : `${messages.length} message${messages.length === 1 ? "" : "s"}`));
  item.append(label);
  if (messages.length > 0) item.append(...conversation(messages, room, (m) => messageItem(m, room)));
  return item;
}

/** Draws `reply` into `output`; returns the line that says which body rendered or what went wrong. */
export function showReply(output: HTMLElement, reply: PreviewReply): string {
  if (!reply.ok) {
    output.replaceChildren(element("p", "preview-error", `${reply.code}: ${reply.message}`));
    return "The SDK would throw this error.";
  }
  if ("text" in reply) {
    output.replaceChildren(...textBlock("rendered", reply.text, { characters: MAX_SHOWN_CHARACTERS, items: MAX_SHOWN_ITEMS }));
  } else {
    const room = { characters: MAX_SHOWN_CHARACTERS, items: MAX_SHOWN_ITEMS };
    output.replaceChildren(...conversation(reply.segments, room, (s) => ("placeholder" in s ? slotItem(s.placeholder, s.messages, room) : messageItem(s.message, room))));
  }
  return reply.variant === undefined ? "Rendered the default content." : `Rendered variant ${reply.variant}.`;
}

export function showProblem(output: HTMLElement, text: string): void {
  output.replaceChildren(element("p", "preview-error", text));
}
