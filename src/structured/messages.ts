import type { MessagePlaceholder, MessageRole, MessageTemplate } from "../formats/types.ts";

export const MESSAGE_ROLES: readonly MessageRole[] = ["system", "developer", "user", "assistant", "tool"];

export function isPlaceholder(message: object): message is MessagePlaceholder {
  return "placeholder" in message;
}

/** The placeholders of a list of message templates, in order. */
export function placeholdersOf(messages: readonly MessageTemplate[] | undefined): MessagePlaceholder[] {
  return (messages ?? []).filter(isPlaceholder);
}

/** A rendered image or file must be fetchable by the provider without reaching the app's network: https or inline data. */
export function urlProblem(type: "image" | "file" | "audio", url: string): string | undefined {
  if (type === "audio") {
    return /^data:audio\/(?:wav|mpeg)[;,]/i.test(url) ? undefined : "an audio part's url must be a data:audio/wav or data:audio/mpeg URL";
  }
  return /^(?:https:|data:)/i.test(url) ? undefined : `an ${type === "image" ? "image" : "file"} part's url must start with https: or data:`;
}

/** A value for an error message: quoted, shortened, so hostile data cannot flood the message. */
export function shortValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return value === null ? "null" : Array.isArray(value) ? "a list" : typeof value;
}
