/**
 * Jinja2 filters that nunjucks lacks, and replacements for nunjucks filters whose output differs from Jinja2's,
 * all with Jinja2 3.1's output. `attr` is left out on purpose: it would reach object internals that the safety
 * check forbids.
 */

type KeywordArgs = { __keywords?: boolean } & Record<string, unknown>;

function keywords(args: unknown[]): { positional: unknown[]; kw: KeywordArgs } {
  const last = args.at(-1) as KeywordArgs | undefined;
  if (last && typeof last === "object" && last.__keywords) return { positional: args.slice(0, -1), kw: last };
  return { positional: args, kw: {} };
}

/** Binds positional and keyword arguments to parameter names, as Python does. */
function bind(args: unknown[], names: string[]): Record<string, unknown> {
  const { positional, kw } = keywords(args);
  return Object.fromEntries(names.map((name, i) => [name, name in kw ? kw[name] : positional[i]]));
}

/** Python's json.dumps(sort_keys=True) with ensure_ascii, then Jinja's HTML-safe escaping. */
export function tojson(value: unknown, ...args: unknown[]): string {
  const { indent } = bind(args, ["indent"]);
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
  if (indent === undefined) return open + items.join(", ") + close;
  const inner = "\n" + " ".repeat(indent * (level + 1));
  return open + inner + items.join("," + inner) + "\n" + " ".repeat(indent * level) + close;
}

function items(value: unknown): [string, unknown][] {
  if (value === null || value === undefined) return [];
  if (value instanceof Map) return [...value.entries()];
  return Object.entries(value as object);
}

/** Jinja's make_attrgetter: a dotted attribute path, strings lowercased unless case_sensitive. */
function attrGetter(attribute: unknown, caseSensitive = true): (item: unknown) => unknown {
  const path = typeof attribute === "string" ? attribute.split(".") : [];
  return (item) => {
    const value = path.reduce<unknown>((v, key) => (v == null ? undefined : (v as Record<string, unknown>)[key]), item);
    return !caseSensitive && typeof value === "string" ? value.toLowerCase() : value;
  };
}

function unique(value: unknown, ...args: unknown[]): unknown[] {
  const { case_sensitive, attribute } = bind(args, ["case_sensitive", "attribute"]);
  const key = attrGetter(attribute, Boolean(case_sensitive));
  const seen = new Set<unknown>();
  const result: unknown[] = [];
  for (const item of Array.isArray(value) ? value : [...String(value)]) {
    if (seen.has(key(item))) continue;
    seen.add(key(item));
    result.push(item);
  }
  return result;
}

function extreme(pick: (a: number) => boolean) {
  return (value: unknown, ...args: unknown[]): unknown => {
    const { case_sensitive, attribute } = bind(args, ["case_sensitive", "attribute"]);
    const key = attrGetter(attribute, Boolean(case_sensitive));
    const list = Array.isArray(value) ? value : [];
    let best: unknown;
    for (const item of list) {
      if (best === undefined || pick(compare(key(item), key(best)))) best = item;
    }
    return best;
  };
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return Number(a) - Number(b);
}

/** `map(attribute="name")`, or `map("upper")` with the name of a filter. */
function map(this: { env: { getFilter(name: string): (...v: unknown[]) => unknown } }, value: unknown, ...args: unknown[]) {
  const { positional, kw } = keywords(args);
  const list = Array.isArray(value) ? value : [];
  if (typeof kw.attribute === "string") {
    const get = attrGetter(kw.attribute);
    return list.map((item) => get(item) ?? kw.default);
  }
  const filterName = positional[0];
  if (typeof filterName !== "string") return list;
  const filter = this.env.getFilter(filterName);
  return list.map((item) => filter.call(this, item, ...positional.slice(1)));
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
  const indention = typeof width === "string" ? width : " ".repeat(Number(width));
  // Python's splitlines() after appending "\n": a trailing line break yields no extra empty line.
  const lines = `${String(value ?? "")}\n`.split(LINE_BREAK).slice(0, -1);
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

/** markupsafe's escape: five characters, `"` as &#34;; strings already marked safe are left alone. */
function escape(value: unknown): unknown {
  if (value instanceof String) return value;
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };
  return String(value ?? "").replace(/[&<>"']/g, (ch) => entities[ch] ?? ch);
}

export const jinjaFilters: Record<string, (...args: never[]) => unknown> = {
  tojson,
  items,
  unique,
  min: extreme((c) => c < 0),
  max: extreme((c) => c > 0),
  map,
  length,
  count: length,
  default: defaultValue,
  d: defaultValue,
  round,
  truncate,
  indent,
  title,
  wordcount,
  escape,
  e: escape,
};
