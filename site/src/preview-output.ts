// Shows a render preview's reply: the text, or the messages as a conversation with each placeholder as a slot
// holding what filled it, or the SDK's error. Everything is written with textContent: rendered text is never markup.
import type { PreviewReply, PreviewSegment } from "virtual:promptsync/view";

type RenderedMessage = Extract<PreviewSegment, { message: unknown }>["message"];

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function messageItem(message: RenderedMessage): HTMLLIElement {
  const item = element("li", `message role-${message.role}`);
  item.append(element("span", "role", message.role));
  if (typeof message.content === "string") {
    item.append(element("pre", "", message.content));
    return item;
  }
  for (const part of message.content) {
    item.append(element("span", "part muted", part.type), element("pre", "", part.type === "text" ? part.text : part.url));
  }
  return item;
}

function slotItem(placeholder: string, messages: RenderedMessage[]): HTMLLIElement {
  const item = element("li", "slot");
  const label = element("p", "");
  label.append(element("span", "slot-label", "Placeholder"), " ", element("code", "", placeholder), " ", element("span", "muted", messages.length === 0 ? "empty" : `${messages.length} message${messages.length === 1 ? "" : "s"}`));
  item.append(label);
  if (messages.length > 0) {
    const list = element("ol", "conversation");
    list.append(...messages.map(messageItem));
    item.append(list);
  }
  return item;
}

/** Draws `reply` into `output`; returns the line that says which body rendered or what went wrong. */
export function showReply(output: HTMLElement, reply: PreviewReply): string {
  if (!reply.ok) {
    output.replaceChildren(element("p", "preview-error", `${reply.code}: ${reply.message}`));
    return "The SDK would throw this error.";
  }
  if ("text" in reply) {
    output.replaceChildren(element("pre", "rendered", reply.text));
  } else {
    const list = element("ol", "conversation");
    list.append(...reply.segments.map((s) => ("placeholder" in s ? slotItem(s.placeholder, s.messages) : messageItem(s.message))));
    output.replaceChildren(list);
  }
  return reply.variant === undefined ? "Rendered the default content." : `Rendered variant ${reply.variant}.`;
}

export function showProblem(output: HTMLElement, text: string): void {
  output.replaceChildren(element("p", "preview-error", text));
}
