import { bind } from "./arguments.ts";
import { activeBudget } from "./budget.ts";
import { renderFailure } from "./fault.ts";

/**
 * Jinja2 filters that nunjucks lacks, and replacements for nunjucks filters whose output differs from Jinja2's or
 * that could run unbounded, all with Jinja2 3.1's output. Sizes are checked before a large string is made.
 * `attr` is left out: member reads belong to the guard.
 */

/** Python's json.dumps(sort_keys=True) with ensure_ascii, then Jinja's HTML-safe escaping. */
export function tojson(value: unknown, ...args: unknown[]): string {
  const { indent } = bind(args, ["indent"]);
  if (indent !== undefined && indent !== null && (typeof indent !== "number" || !Number.isInteger(indent) || indent < 0)) {
    throw renderFailure("tojson's indent must be a non-negative integer");
  }
  return pythonJson(value, typeof indent === "number" ? indent : undefined, 0)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("'", "\\u0027");
}

/** Python's float repr where it differs from JavaScript's: exponent below 1e-4, with at least two digits. */
function pythonNumber(value: number): string {
  if (value === 0 || Number.isInteger(value) || Math.abs(value) >= 1e-4) return String(value);
  return value.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
}

function pythonJson(value: unknown, indent: number | undefined, level: number): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return pythonNumber(value);
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[^\x20-\x7e]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  const open = Array.isArray(value) ? "[" : "{";
  const close = Array.isArray(value) ? "]" : "}";
  const items = Array.isArray(value)
    ? value.map((v) => pythonJson(v, indent, level + 1))
    : Object.keys(value as object)
        .sort()
        .map((k) => `${pythonJson(k, indent, level + 1)}: ${pythonJson((value as Record<string, unknown>)[k], indent, level + 1)}`);
  if (items.length === 0) return open + close;
  const budget = activeBudget();
  budget.charge(items.length);
  const content = items.reduce((sum, item) => sum + item.length, 0);
  if (indent === undefined) {
    budget.checkLength(content + 2 * items.length, "tojson's result");
    return open + items.join(", ") + close;
  }
  budget.checkLength(content + (items.length + 1) * (indent * (level + 1) + 2), "tojson's result");
  const inner = "\n" + " ".repeat(indent * (level + 1));
  return open + inner + items.join("," + inner) + "\n" + " ".repeat(indent * level) + close;
}

function items(value: unknown): [string, unknown][] {
  if (value === null || value === undefined) return [];
  if (value instanceof Map) return [...value.entries()];
  return Object.entries(value as object);
}

/** Python's len(): strings count code points, so an emoji is 1. */
function length(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "string" || value instanceof String) return [...String(value)].length;
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
  const x = Number(value);
  const digits = Number(precision);
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
  const chars = [...String(value ?? "")];
  const n = Number(length);
  const tail = String(end);
  if (chars.length <= n + Number(leeway)) return chars.join("");
  const head = chars.slice(0, n - [...tail].length).join("");
  if (killwords) return head + tail;
  const space = head.lastIndexOf(" ");
  return (space === -1 ? head : head.slice(0, space)) + tail;
}

// eslint-disable-next-line no-control-regex -- Python's splitlines() also breaks at \x1c-\x1e
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

function indent(value: unknown, ...args: unknown[]): string {
  const { width = 4, first, blank } = bind(args, ["width", "first", "blank"]);
  // Python's splitlines() after appending "\n": a trailing line break yields no extra empty line.
  const lines = `${String(value ?? "")}\n`.split(LINE_BREAK).slice(0, -1);
  const size = typeof width === "string" ? width.length : Number(width);
  if (!Number.isInteger(size) || size < 0) throw renderFailure("indent's width must be a non-negative integer or a string");
  const total = lines.reduce((sum, line) => sum + line.length + 1, 0);
  activeBudget().checkLength(total + size * lines.length, "indent's result");
  const indention = typeof width === "string" ? width : " ".repeat(size);
  const rest = lines.slice(1).map((line) => (line || blank ? indention + line : line));
  const text = [lines[0] ?? "", ...rest].join("\n");
  return first ? indention + text : text;
}

function title(value: unknown): string {
  return String(value ?? "")
    .split(/([-\s({[<]+)/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join("");
}

/** Python's \w+ matches letters and digits of any script. */
function wordcount(value: unknown): number {
  return String(value ?? "").match(/[\p{L}\p{N}_]+/gu)?.length ?? 0;
}

function center(value: unknown, ...args: unknown[]): string {
  const { width = 80 } = bind(args, ["width"]);
  const text = String(value ?? "");
  const size = Number(width);
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
  const text = String(value ?? "");
  if (chars === undefined || chars === null) return text.trim();
  const set = String(chars);
  let start = 0;
  let end = text.length;
  while (start < end && set.includes(text[start]!)) start++;
  while (end > start && set.includes(text[end - 1]!)) end--;
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
  const text = removeSpans(removeSpans(String(value ?? ""), "<!--", "-->"), "<", ">");
  return text.split(/\s+/).filter(Boolean).join(" ");
}

/** markupsafe's escape: five characters, `"` as &#34;; strings already marked safe are left alone. */
function escape(value: unknown): unknown {
  if (value instanceof String) return value;
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };
  return String(value ?? "").replace(/[&<>"']/g, (ch) => entities[ch] ?? ch);
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
};
