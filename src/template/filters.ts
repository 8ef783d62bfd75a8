/**
 * Jinja2 filters that nunjucks lacks, with Jinja2 3.1's output. `attr` is left out on purpose: it would
 * reach object internals that the safety check forbids.
 */

type KeywordArgs = { __keywords?: boolean } & Record<string, unknown>;

function keywords(args: unknown[]): { positional: unknown[]; kw: KeywordArgs } {
  const last = args.at(-1) as KeywordArgs | undefined;
  if (last && typeof last === "object" && last.__keywords) return { positional: args.slice(0, -1), kw: last };
  return { positional: args, kw: {} };
}

/** Python's json.dumps(sort_keys=True) with ensure_ascii, then Jinja's HTML-safe escaping. */
export function tojson(value: unknown, ...args: unknown[]): string {
  const { positional, kw } = keywords(args);
  const indent = (kw.indent ?? positional[0]) as number | undefined;
  return pythonJson(value, typeof indent === "number" ? indent : undefined, 0)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("'", "\\u0027");
}

function pythonJson(value: unknown, indent: number | undefined, level: number): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return String(value);
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

function unique(value: unknown): unknown[] {
  return [...new Set(Array.isArray(value) ? value : [...String(value)])];
}

function extreme(pick: (a: number) => boolean) {
  return (value: unknown): unknown => {
    const list = Array.isArray(value) ? value : [];
    let best: unknown;
    for (const item of list) {
      if (best === undefined || pick(compare(item, best))) best = item;
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
    const path = kw.attribute.split(".");
    return list.map((item) => path.reduce<unknown>((v, key) => (v == null ? undefined : (v as Record<string, unknown>)[key]), item) ?? kw.default);
  }
  const filterName = positional[0];
  if (typeof filterName !== "string") return list;
  const filter = this.env.getFilter(filterName);
  return list.map((item) => filter.call(this, item, ...positional.slice(1)));
}

function length(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  return Object.keys(value as object).length;
}

function defaultValue(value: unknown, fallback: unknown = "", boolean = false): unknown {
  if (boolean ? !value : value === undefined) return fallback;
  return value;
}

export const jinjaFilters: Record<string, (...args: never[]) => unknown> = {
  tojson,
  items,
  unique,
  min: extreme((c) => c < 0),
  max: extreme((c) => c > 0),
  map,
  count: length,
  d: defaultValue,
};
