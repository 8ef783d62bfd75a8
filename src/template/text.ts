import { activeBudget } from "./budget.ts";
import { renderFailure, typeOf, wrongType } from "./fault.ts";
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
    const text = writer.text();
    // The text was made (a long string's repr escaped, the parts joined): one operation per 64 characters.
    if (text.length >= 64) activeBudget().charge(text.length >>> 6, line);
    return text;
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
 * A value for an error message: Python's repr, cut after `max` characters. Never longer, whatever the value: a
 * list of a thousand lists of a thousand items is written only as far as the message shows it, and not charged.
 */
export function shown(value: unknown, max = 60): string {
  if (value === undefined) return "undefined";
  const writer = new PythonText(max, undefined, true);
  try {
    writer.repr(value);
  } catch (error) {
    // Cut, or something with no text (a function, an undefined item): what was written, or the value's type.
    const text = writer.text();
    return error !== CLIPPED && text === "" ? typeOf(value) : `${text}…`;
  }
  return writer.text();
}

/** Text for an error message, cut after `max` characters: a name a template made can be megabytes long. */
export function clipText(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A primitive as JavaScript's Number() reads it (numbers, booleans, text that spells a number, None as 0), and NaN
 * for a list, a dict or anything else, which Number() would first turn into text: a list of large lists is never
 * joined into one string to be read as a number. The callers refuse NaN, or a non-integer, with their own message.
 */
export function plainNumber(value: unknown): number {
  switch (typeof value) {
    case "number":
      return value;
    case "string":
      return Number(value);
    case "boolean":
      return value ? 1 : 0;
    case "bigint":
      return Number(value);
  }
  if (value === null) return 0;
  if (value instanceof SafeString) return Number(value.val);
  return Number.NaN;
}

/** Thrown by a clipping PythonText once it has written as much as it may: `shown` catches it. */
const CLIPPED = Symbol("clipped");

/**
 * Writes Python's str() of a value part by part, counting what it has written against `room` and charging the
 * budget one operation per item, so that a huge or deeply shared list is refused while it is being written. A
 * clipping writer (for messages) stops at `room` instead, and charges nothing.
 */
class PythonText {
  private readonly parts: string[] = [];
  private length = 0;
  /** Lists, dicts and namespaces being written: one met again is a cycle, which Python writes as `[...]`. */
  private readonly open = new Set<object>();

  private readonly room: number;
  private readonly line: number | undefined;
  private readonly clip: boolean;

  constructor(room: number, line: number | undefined, clip = false) {
    this.room = room;
    this.line = line;
    this.clip = clip;
  }

  text(): string {
    return this.parts.join("");
  }

  private add(part: string): void {
    this.length += part.length;
    if (this.length > this.room) {
      if (!this.clip) throw activeBudget().fault("maxOutputLength", `a value's text would be over the ${this.room} characters left`, this.line);
      this.parts.push(part.slice(0, part.length - (this.length - this.room)));
      throw CLIPPED;
    }
    this.parts.push(part);
  }

  /** One operation per `count` items of a list or dict, unless clipping. */
  private charge(count: number): void {
    if (!this.clip) activeBudget().charge(1 + count, this.line);
  }

  /** str(): a string as itself, anything else as its repr. */
  str(value: unknown): void {
    if (typeof value === "string") this.add(value);
    else if (value instanceof SafeString) this.add(value.val);
    else this.repr(value);
  }

  repr(value: unknown): void {
    // A clipping writer escapes only what it can show.
    const cut = (text: string) => (this.clip && text.length > this.room ? text.slice(0, this.room) : text);
    if (typeof value === "string") return this.add(pythonStringRepr(cut(value)));
    if (value instanceof SafeString) return this.add(`Markup(${pythonStringRepr(cut(value.val))})`);
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
      this.charge(value.length);
      this.add("[");
      value.forEach((item: unknown, i) => {
        if (i > 0) this.add(", ");
        this.repr(item);
      });
      this.add("]");
    } else {
      const keys = Object.keys(value);
      this.charge(keys.length);
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
