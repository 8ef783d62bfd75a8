import { activeBudget } from "./budget.ts";
import { renderFailure, wrongType } from "./fault.ts";
import { BoundMethod } from "./bound-method.ts";
import { SafeString } from "./safe-string.ts";

/**
 * A value as text, the way nunjucks prints it (lists joined with commas), refused before it is made when it would
 * be longer than `room`: `String()` of a list of shared large strings would build gigabytes first.
 */
export function textOf(value: unknown, room: number = activeBudget().limits.maxOutputLength, line?: number): string {
  const text = convert(value, room, line);
  if (text.length > room) throw activeBudget().fault("maxOutputLength", `a string would be ${text.length} characters long, over the ${room} left`, line);
  return text;
}

function convert(value: unknown, room: number, line: number | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value === "function") throw renderFailure("a macro or function cannot be turned into text; call it", line);
  if (value === null || typeof value !== "object") return String(value);
  if (value instanceof SafeString) return value.val;
  if (BoundMethod.is(value)) return String(value);
  if (!Array.isArray(value)) return String(value);
  activeBudget().charge(value.length, line);
  const parts: string[] = [];
  let total = 0;
  for (const item of value) {
    const part = item === null || item === undefined ? "" : convert(item, room - total, line);
    total += part.length + (parts.length > 0 ? 1 : 0);
    if (total > room) throw activeBudget().fault("maxOutputLength", `a list's text would be over the ${room} characters left`, line);
    parts.push(part);
  }
  return parts.join(",");
}

/**
 * A number for arithmetic filters: numbers, booleans and strings that spell a number (`--var n=3` passes text);
 * never a list turned into text, nor a word turned into NaN.
 */
export function numberOf(value: unknown, what: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return Number(value);
  if (typeof value === "string" || value instanceof SafeString) {
    const text = String(value).trim();
    const n = Number(text);
    if (text !== "" && (!Number.isNaN(n) || text === "NaN")) return n;
  }
  throw wrongType(what, typeof value === "string" || value instanceof SafeString ? "a number, or text that reads as one" : "a number", value);
}

/** Python's len() of a string: code points, counted without making an array of them. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xdc00 || unit > 0xdfff || i === 0 || text.charCodeAt(i - 1) < 0xd800 || text.charCodeAt(i - 1) > 0xdbff) count++;
  }
  return count;
}

/** The first `count` code points of `text`. */
export function codePointPrefix(text: string, count: number): string {
  let seen = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const continues = unit >= 0xdc00 && unit <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
    if (!continues && seen++ === count) return text.slice(0, i);
  }
  return text;
}

/** How many times `pattern` matches `text`, without keeping the matches. */
export function countMatches(text: string, pattern: RegExp): number {
  const global = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`);
  let count = 0;
  for (let match = global.exec(text); match; match = global.exec(text)) {
    count++;
    if (match[0] === "") global.lastIndex++;
  }
  return count;
}
