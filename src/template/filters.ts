import nunjucks from "nunjucks";
import { bind } from "./arguments.ts";
import { activeBudget } from "./budget.ts";
import { renderFailure } from "./fault.ts";
import { SafeString } from "./safe-string.ts";
import { pythonReplace } from "./methods.ts";
import { codePointLength, codePointPrefix, countMatches, numberOf, plainNumber, textOf } from "./text.ts";

/**
 * Jinja2 filters that nunjucks lacks, and replacements for nunjucks filters whose output differs from Jinja2's or
 * that could run unbounded, all with Jinja2 3.1's output. Sizes are checked before a large string is made.
 * `attr` is left out: member reads belong to the guard.
 */

/** Python's json.dumps(sort_keys=True) with ensure_ascii, then Jinja's HTML-safe escaping. */
function tojson(value: unknown, ...args: unknown[]): string {
  const { indent } = bind(args, ["indent"]);
  if (indent !== undefined && indent !== null && (typeof indent !== "number" || !Number.isInteger(indent) || indent < 0)) {
    throw renderFailure("tojson's indent must be a non-negative integer");
  }
  return new PythonJson(typeof indent === "number" ? indent : undefined).encode(value, 0);
}

/** Python's float repr where it differs from JavaScript's: exponent below 1e-4, with at least two digits. */
function pythonNumber(value: number): string {
  if (value === 0 || Number.isInteger(value) || Math.abs(value) >= 1e-4) return String(value);
  return value.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
}

const HTML_SAFE: Record<string, string> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027" };

/**
 * Counts what it has written as it goes, so a list of one large string repeated, or a deep indent, is refused
 * before the text is built rather than after.
 */
class PythonJson {
  private written = 0;
  private readonly indent: number | undefined;
  private readonly budget = activeBudget();

  constructor(indent: number | undefined) {
    this.indent = indent;
  }

  private add(text: string): string {
    this.written += text.length;
    this.budget.charge(1 + (text.length >>> 6));
    this.budget.checkLength(this.written, "tojson's result");
    return text;
  }

  encode(value: unknown, level: number): string {
    if (value === null || value === undefined) return this.add("null");
    if (typeof value === "boolean") return this.add(value ? "true" : "false");
    if (typeof value === "number") {
      if (Number.isNaN(value)) return this.add("NaN");
      if (!Number.isFinite(value)) return this.add(value > 0 ? "Infinity" : "-Infinity");
      return this.add(pythonNumber(value));
    }
    if (typeof value === "string") {
      this.budget.checkLength(this.written + value.length + 2, "tojson's result");
      const escaped = JSON.stringify(value).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
      return this.add(escaped.replace(/[<>&']/g, (ch) => HTML_SAFE[ch]!));
    }
    if (typeof value !== "object") throw renderFailure(`tojson cannot encode a ${typeof value}`);
    const open = Array.isArray(value) ? "[" : "{";
    const close = Array.isArray(value) ? "]" : "}";
    const entries = Array.isArray(value)
      ? value.map((v) => () => this.encode(v, level + 1))
      : Object.keys(value)
          .sort()
          .map((k) => () => this.encode(k, level + 1) + this.add(": ") + this.encode((value as Record<string, unknown>)[k], level + 1));
    if (entries.length === 0) return this.add(open + close);
    let inner = "";
    if (this.indent !== undefined) {
      this.budget.checkLength(this.written + this.indent * (level + 1) + 1, "tojson's result");
      inner = "\n" + " ".repeat(this.indent * (level + 1));
    }
    const separator = this.indent === undefined ? ", " : "," + inner;
    const parts = entries.map((encodeItem, i) => {
      this.add(i === 0 ? open + inner : separator);
      return encodeItem();
    });
    const end = this.indent === undefined ? close : "\n" + " ".repeat(this.indent * level) + close;
    this.add(end);
    return open + inner + parts.join(separator) + end;
  }
}

function items(value: unknown): [string, unknown][] {
  if (value === null || value === undefined) return [];
  if (value instanceof Map) return [...value.entries()];
  return Object.entries(value as object);
}

/** Python's len(): strings count code points, so an emoji is 1. */
function length(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "string") return codePointLength(value);
  if (value instanceof SafeString) return codePointLength(value.val);
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  return Object.keys(value as object).length;
}

/** Python's truthiness: empty lists and dicts are false too. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === "object" && !(value instanceof String)) return Object.keys(value).length > 0;
  return Boolean(value);
}

function defaultValue(value: unknown, ...args: unknown[]): unknown {
  const { default_value = "", boolean } = bind(args, ["default_value", "boolean"]);
  if (boolean ? !truthy(value) : value === undefined) return default_value;
  return value;
}

/** Python's round(): the nearest decimal, exact ties to even (1.25 → 1.2, 2.675 → 2.67 as 2.675 is below). */
function round(value: unknown, ...args: unknown[]): number {
  const { precision = 0, method = "common" } = bind(args, ["precision", "method"]);
  const x = numberOf(value, "round");
  const digits = numberOf(precision, "round's precision");
  if (method === "ceil" || method === "floor") return Math[method](x * 10 ** digits) / 10 ** digits;
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21 || !Number.isInteger(digits) || digits < 0 || digits > 20) {
    return Math.round(x * 10 ** digits) / 10 ** digits;
  }
  // toFixed(100) gives the exact decimal expansion; toFixed(digits) rounds exact ties away from zero.
  const [whole = "", fraction = ""] = Math.abs(x).toFixed(100).split(".");
  const kept = (whole + fraction.slice(0, digits)).at(-1) ?? "0";
  const tieToEven = /^50*$/.test(fraction.slice(digits)) && Number(kept) % 2 === 0;
  return Number(tieToEven ? `${x < 0 ? "-" : ""}${whole}.${fraction.slice(0, digits)}` : x.toFixed(digits));
}

function truncate(value: unknown, ...args: unknown[]): string {
  const { length = 255, killwords, end = "...", leeway = 5 } = bind(args, ["length", "killwords", "end", "leeway"]);
  const text = textOf(value ?? "");
  const n = numberOf(length, "truncate's length");
  const tail = textOf(end);
  const slack = numberOf(leeway, "truncate's leeway");
  if (text.length <= n + slack || codePointLength(text) <= n + slack) return text;
  const head = codePointPrefix(text, Math.max(0, n - codePointLength(tail)));
  if (killwords) return head + tail;
  const space = head.lastIndexOf(" ");
  return (space === -1 ? head : head.slice(0, space)) + tail;
}

// eslint-disable-next-line no-control-regex -- Python's splitlines() also breaks at \x1c-\x1e
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

function indent(value: unknown, ...args: unknown[]): string {
  const { width = 4, first, blank } = bind(args, ["width", "first", "blank"]);
  // Python's splitlines() after appending "\n": a trailing line break yields no extra empty line.
  const source = textOf(value ?? "");
  activeBudget().charge(countMatches(source, LINE_BREAK));
  const lines = `${source}\n`.split(LINE_BREAK).slice(0, -1);
  const size = typeof width === "string" ? width.length : plainNumber(width);
  if (!Number.isInteger(size) || size < 0) throw renderFailure("indent's width must be a non-negative integer or a string");
  const total = lines.reduce((sum, line) => sum + line.length + 1, 0);
  activeBudget().checkLength(total + size * lines.length, "indent's result");
  const indention = typeof width === "string" ? width : " ".repeat(size);
  const rest = lines.slice(1).map((line) => (line || blank ? indention + line : line));
  const text = [lines[0] ?? "", ...rest].join("\n");
  return first ? indention + text : text;
}

/** Jinja's title: each run after `-`, a space or an opening bracket starts with a capital, the rest lower case. */
function title(value: unknown): string {
  return textOf(value ?? "").replace(/(^|[-\s({[<]+)([^-\s({[<]*)/g, (_, before: string, word: string) => before + word.charAt(0).toUpperCase() + word.slice(1).toLowerCase());
}

/** Python's \w+ matches letters and digits of any script; counted without an array of the words. */
function wordcount(value: unknown): number {
  const words = /[\p{L}\p{N}_]+/gu;
  const text = textOf(value ?? "");
  let count = 0;
  while (words.exec(text)) count++;
  return count;
}

function center(value: unknown, ...args: unknown[]): string {
  const { width = 80 } = bind(args, ["width"]);
  const text = textOf(value ?? "");
  const size = numberOf(width, "center's width");
  if (!Number.isInteger(size)) throw renderFailure("center's width must be an integer");
  if (text.length >= size) return text;
  activeBudget().checkLength(size, "center's result");
  // Python's str.center: the extra space goes to the right when the text is even-length, left when odd.
  const spaces = size - text.length;
  const left = Math.floor(spaces / 2) + (spaces & size & 1);
  return " ".repeat(left) + text + " ".repeat(spaces - left);
}

function trim(value: unknown, ...args: unknown[]): string {
  const { chars } = bind(args, ["chars"]);
  const text = textOf(value ?? "");
  if (chars === undefined || chars === null) return text.trim();
  const set = new Set(textOf(chars));
  let start = 0;
  let end = text.length;
  while (start < end && set.has(text[start]!)) start++;
  while (end > start && set.has(text[end - 1]!)) end--;
  return text.slice(start, end);
}

/** Removes every `open`…`close` span, as markupsafe does with str.find, in one linear pass. */
function removeSpans(text: string, open: string, close: string): string {
  let result = "";
  let at = 0;
  for (;;) {
    const start = text.indexOf(open, at);
    const end = start === -1 ? -1 : text.indexOf(close, start);
    if (end === -1) return result + text.slice(at);
    result += text.slice(at, start);
    at = end + close.length;
  }
}

/** markupsafe's striptags: comments, then tags, removed; whitespace collapsed. */
function striptags(value: unknown): string {
  const text = removeSpans(removeSpans(textOf(value ?? ""), "<!--", "-->"), "<", ">");
  return text.replace(/\s+/g, " ").trim();
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };

/** markupsafe's escape: five characters, `"` as &#34;, the length checked before the escaped text is made. */
function forceEscape(value: unknown): SafeString {
  const text = textOf(value ?? "");
  let grows = 0;
  for (const ch of text.matchAll(/[&<>"']/g)) grows += ENTITIES[ch[0]]!.length - 1;
  activeBudget().checkLength(text.length + grows, "escape's result");
  return new SafeString(text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!));
}

/** Strings already marked safe are left alone. */
function escape(value: unknown): unknown {
  return value instanceof SafeString ? value : forceEscape(value);
}

function nl2br(value: unknown): unknown {
  const text = textOf(value ?? "");
  const breaks = countMatches(text, /\r\n|\n/);
  activeBudget().checkLength(text.length + breaks * 6, "nl2br's result");
  const result = text.replace(/\r\n|\n/g, "<br />\n");
  return value instanceof SafeString ? new SafeString(result) : result;
}

function safe(value: unknown): SafeString {
  return value instanceof SafeString ? value : new SafeString(textOf(value ?? ""));
}

/** Python's str(): `None`, `True`, a list's repr. */
function string(value: unknown): unknown {
  return value instanceof SafeString ? value : textOf(value);
}

/** Jinja2's int: a number, a numeric string (also "3.7"), or `default` (0). */
function int(value: unknown, ...args: unknown[]): number {
  const { default: fallback = 0, base = 10 } = bind(args, ["default", "base"]);
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : (fallback as number);
  if (typeof value === "boolean") return Number(value);
  if (typeof value !== "string" && !(value instanceof SafeString)) return fallback as number;
  const text = String(value).trim().replaceAll("_", "");
  const radix = numberOf(base, "int's base");
  const whole = radix === 10 ? Number(text) : Number.NaN;
  if (Number.isInteger(whole)) return whole;
  if (radix !== 10 && /^[-+]?[0-9a-z]+$/i.test(text)) {
    const parsed = Number.parseInt(text, radix);
    if (!Number.isNaN(parsed)) return parsed;
  }
  const float = Number(text);
  return text !== "" && Number.isFinite(float) ? Math.trunc(float) : (fallback as number);
}

function float(value: unknown, ...args: unknown[]): number {
  const { default: fallback = 0 } = bind(args, ["default"]);
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return Number(value);
  if (typeof value !== "string" && !(value instanceof SafeString)) return fallback as number;
  const text = String(value).trim();
  const parsed = Number(text);
  return text !== "" && !Number.isNaN(parsed) ? parsed : (fallback as number);
}

function abs(value: unknown): number {
  return Math.abs(numberOf(value, "abs"));
}

/** JSON.stringify, once a walk of the value shows the text fits, the indentation of each line counted. */
function dump(value: unknown, ...args: unknown[]): string {
  const { indent } = bind(args, ["indent"]);
  const budget = activeBudget();
  const space = typeof indent === "number" || typeof indent === "string" ? indent : undefined;
  // What JSON.stringify indents each level with: at most 10 spaces, or the first 10 characters of a string.
  const width = typeof space === "number" ? Math.max(0, Math.min(10, Math.floor(space))) : typeof space === "string" ? Math.min(10, space.length) : 0;
  let size = 0;
  const walk = (v: unknown, depth: number): void => {
    budget.charge(1);
    // An item of a list or dict starts a line indented to its depth.
    if (width > 0 && depth > 0) size += 1 + width * depth;
    if (typeof v === "string") size += v.length + 2;
    else if (Array.isArray(v)) v.forEach((item) => walk(item, depth + 1));
    else if (v !== null && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) {
        size += k.length + 3;
        walk(item, depth + 1);
      }
    } else size += 5;
    budget.checkLength(size, "dump's result");
  };
  walk(value, 0);
  return JSON.stringify(value, null, space) ?? "";
}

/**
 * Each part's text is counted against maxOutputLength, and paid for, before it is encoded (the encoding is at least
 * as long): a list of pairs that share one large string is refused instead of encoding the string once per pair.
 */
function urlencode(value: unknown): string {
  const budget = activeBudget();
  let total = 0;
  const encode = (v: unknown) => {
    const text = typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : textOf(v ?? "", budget.limits.maxOutputLength - total);
    total += text.length;
    budget.checkLength(total, "urlencode's result");
    budget.charge(text.length >>> 6);
    // The "=" or "&" after it.
    total += 1;
    return encodeURIComponent(text);
  };
  if (typeof value === "string" || value instanceof SafeString) return encode(String(value));
  const pairs = Array.isArray(value) ? value : value !== null && typeof value === "object" ? Object.entries(value) : [];
  budget.charge(pairs.length);
  return pairs.map((pair) => (Array.isArray(pair) ? `${encode(pair[0])}=${encode(pair[1])}` : encode(pair))).join("&");
}

function replace(value: unknown, ...args: unknown[]): unknown {
  const { old, new: replacement, count } = bind(args, ["old", "new", "count"]);
  const result = pythonReplace(textOf(value ?? ""), [textOf(old ?? ""), textOf(replacement ?? ""), count ?? undefined], activeBudget());
  return value instanceof SafeString ? new SafeString(result) : result;
}

const stockUrlize = (new nunjucks.Environment([], { autoescape: false }) as unknown as { filters: { urlize(text: string, length: number, nofollow: unknown): string } }).filters.urlize;

/**
 * nunjucks' urlize, given text and a number: its own `isNaN(length)` and `str.split` would turn a list into text
 * (unbounded) or fail on it. A length that is not a number is no limit, as there.
 */
function urlize(value: unknown, ...args: unknown[]): string {
  const [length, nofollow] = args;
  const limit = plainNumber(length);
  return stockUrlize(textOf(value ?? ""), Number.isNaN(limit) ? Infinity : limit, nofollow);
}

export const jinjaFilters: Record<string, (...args: never[]) => unknown> = {
  tojson,
  items,
  length,
  count: length,
  default: defaultValue,
  d: defaultValue,
  round,
  truncate,
  indent,
  center,
  trim,
  striptags,
  title,
  wordcount,
  escape,
  e: escape,
  forceescape: forceEscape,
  nl2br,
  safe,
  string,
  int,
  float,
  abs,
  dump,
  urlencode,
  replace,
  urlize,
};
