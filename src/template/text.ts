import { activeBudget } from "./budget.ts";
import { renderFailure, wrongType } from "./fault.ts";
import { Namespace } from "./namespace.ts";
import { SafeString } from "./safe-string.ts";

/**
 * A value as text, the way Jinja2 prints it (Python's `str()`): `True`, `None`, a list or dict as its repr
 * (`[1, 'a', None]`, `{'k': 1}`). Refused before it is made when it would be longer than `room`: the text of a
 * list of shared large strings is counted as it is built, never made whole first.
 */
export function textOf(value: unknown, room: number = activeBudget().limits.maxOutputLength, line?: number): string {
  if (typeof value === "string") {
    if (value.length > room) throw activeBudget().fault("maxOutputLength", `a string would be ${value.length} characters long, over the ${room} left`, line);
    return value;
  }
  if (value instanceof SafeString) return textOf(value.val, room, line);
  if (typeof value === "function") throw renderFailure("a macro or function cannot be turned into text; call it", line);
  if (value === undefined) return "";
  if (value === null || typeof value !== "object" || Array.isArray(value) || isPlainData(value)) {
    const writer = new PythonText(room, line);
    writer.str(value);
    return writer.text();
  }
  const text = String(value);
  if (text.length > room) throw activeBudget().fault("maxOutputLength", `a string would be ${text.length} characters long, over the ${room} left`, line);
  return text;
}

/** A dict (plain or prototype-less object) or a namespace: what Python prints as a repr. */
function isPlainData(value: object): boolean {
  if (Namespace.is(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Python's str() of a number where JavaScript's String() spells it differently (1e-07, inf, nan). */
function pythonNumber(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0 || Number.isInteger(value) || Math.abs(value) >= 1e-4) return String(value);
  return value.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
}

/** Characters Python's repr() escapes: those str.isprintable() refuses (the ASCII space excepted), and `\\`. */
const ESCAPED = /[\\\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(char: string): string {
  if (Object.hasOwn(ESCAPES, char)) return ESCAPES[char]!;
  const code = char.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : code <= 0xffff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\U${code.toString(16).padStart(8, "0")}`;
}

/** Python's repr() of a string: single quotes unless it has one and no double quote. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = text.replace(ESCAPED, escapeChar);
  if (quote === "'" && body.includes("'")) body = body.replaceAll("'", "\\'");
  return quote + body + quote;
}

/**
 * Writes Python's str() of a value part by part, counting what it has written against `room` and charging the
 * budget one operation per item, so that a huge or deeply shared list is refused while it is being written.
 */
class PythonText {
  private readonly parts: string[] = [];
  private length = 0;
  /** Lists, dicts and namespaces being written: one met again is a cycle, which Python writes as `[...]`. */
  private readonly open = new Set<object>();

  private readonly room: number;
  private readonly line: number | undefined;

  constructor(room: number, line: number | undefined) {
    this.room = room;
    this.line = line;
  }

  text(): string {
    return this.parts.join("");
  }

  private add(part: string): void {
    this.length += part.length;
    if (this.length > this.room) throw activeBudget().fault("maxOutputLength", `a value's text would be over the ${this.room} characters left`, this.line);
    this.parts.push(part);
  }

  /** str(): a string as itself, anything else as its repr. */
  str(value: unknown): void {
    if (typeof value === "string") this.add(value);
    else if (value instanceof SafeString) this.add(value.val);
    else this.repr(value);
  }

  repr(value: unknown): void {
    if (typeof value === "string") return this.add(pythonStringRepr(value));
    if (value instanceof SafeString) return this.add(`Markup(${pythonStringRepr(value.val)})`);
    if (value === null) return this.add("None");
    // Jinja2 would write `Undefined`: a missing attribute inside a list or dict is an error, as it is when printed.
    if (value === undefined) throw renderFailure("a list or dict holding an undefined value cannot be turned into text", this.line);
    if (typeof value === "boolean") return this.add(value ? "True" : "False");
    if (typeof value === "number") return this.add(pythonNumber(value));
    if (typeof value === "function") throw renderFailure("a macro or function cannot be turned into text; call it", this.line);
    if (typeof value !== "object") return this.add(String(value));
    const isList = Array.isArray(value);
    const isNamespace = Namespace.is(value);
    if (!isList && !isPlainData(value)) return this.add(String(value));
    if (this.open.has(value)) return this.add(isList ? "[...]" : isNamespace ? "<Namespace {...}>" : "{...}");
    this.open.add(value);
    if (isList) {
      activeBudget().charge(1 + value.length, this.line);
      this.add("[");
      value.forEach((item: unknown, i) => {
        if (i > 0) this.add(", ");
        this.repr(item);
      });
      this.add("]");
    } else {
      const keys = Object.keys(value);
      activeBudget().charge(1 + keys.length, this.line);
      if (isNamespace) this.add("<Namespace ");
      this.add("{");
      keys.forEach((key, i) => {
        if (i > 0) this.add(", ");
        this.add(pythonStringRepr(key));
        this.add(": ");
        this.repr((value as Record<string, unknown>)[key]);
      });
      this.add("}");
      if (isNamespace) this.add(">");
    }
    this.open.delete(value);
  }
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
