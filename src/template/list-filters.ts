import { bind, keywords } from "./arguments.ts";
import { activeBudget } from "./budget.ts";
import { renderFailure, typeOf, wrongType } from "./fault.ts";
import { attributeGetter } from "./guard.ts";
import { add } from "./partial-runtime.ts";
import { SafeString } from "./safe-string.ts";
import { plainNumber, textOf } from "./text.ts";
import { isTruthy } from "./truthiness.ts";

/**
 * Jinja2's filters over lists, with every `attribute=` read through the guard (nunjucks' versions read any
 * property by name) and every size checked before the result is made.
 */

interface FilterContext {
  env: {
    getFilter(name: string): (...args: unknown[]) => unknown;
    getTest(name: string): (...args: unknown[]) => unknown;
  };
}

/**
 * A list, or a string's characters, or a dict's keys: what Python iterates. A string's characters are paid for
 * before they are made. `filter` names the filter in the message for anything else.
 */
function iterate(value: unknown, filter: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === null || value === undefined) return [];
  if (typeof value === "string" || value instanceof SafeString) {
    const text = String(value);
    activeBudget().charge(text.length);
    return Array.from(text);
  }
  if (typeof value === "object") return Object.keys(value);
  throw wrongType(filter, "a list, a string or a dict", value);
}

function keyOf(attribute: unknown, caseSensitive: boolean): (item: unknown) => unknown {
  const get = attribute === undefined || attribute === null ? (item: unknown) => item : attributeGetter(attribute);
  return (item) => {
    const value = get(item);
    return !caseSensitive && typeof value === "string" ? value.toLowerCase() : value;
  };
}

/** Orders strings with strings and numbers with numbers; a list or dict is never turned into text to be ordered. */
function compare(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  const isPlain = (v: unknown) => v === null || v === undefined || (typeof v !== "object" && typeof v !== "function");
  if (!isPlain(a) || !isPlain(b)) throw renderFailure("only strings and numbers can be ordered (give attribute= to sort lists or dicts)");
  return Number(a) - Number(b);
}

function unique(value: unknown, ...args: unknown[]): unknown[] {
  const { case_sensitive, attribute } = bind(args, ["case_sensitive", "attribute"]);
  const key = keyOf(attribute, Boolean(case_sensitive));
  const seen = new Set<unknown>();
  const result: unknown[] = [];
  for (const item of iterate(value, "unique")) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    result.push(item);
  }
  return result;
}

function extreme(name: string, pick: (a: number) => boolean) {
  return (value: unknown, ...args: unknown[]): unknown => {
    const { case_sensitive, attribute } = bind(args, ["case_sensitive", "attribute"]);
    const key = keyOf(attribute, Boolean(case_sensitive));
    let best: unknown;
    for (const item of iterate(value, name)) {
      if (best === undefined || pick(compare(key(item), key(best)))) best = item;
    }
    return best;
  };
}

function sort(value: unknown, ...args: unknown[]): unknown[] {
  const { reverse, case_sensitive, attribute } = bind(args, ["reverse", "case_sensitive", "attribute"]);
  const key = keyOf(attribute, Boolean(case_sensitive));
  const keyed = iterate(value, "sort").map((item) => ({ item, key: key(item) }));
  keyed.sort((a, b) => (reverse ? -compare(a.key, b.key) : compare(a.key, b.key)));
  return keyed.map((entry) => entry.item);
}

/** `map(attribute="name", default=…)`, or `map("upper")` with the name of a filter. */
function map(this: FilterContext, value: unknown, ...args: unknown[]): unknown[] {
  const { positional, kw } = keywords(args);
  const list = iterate(value, "map");
  if (kw.attribute !== undefined) {
    const get = attributeGetter(kw.attribute);
    return list.map((item) => get(item) ?? kw.default);
  }
  const filterName = positional[0];
  if (typeof filterName !== "string") throw renderFailure("map needs a filter name or attribute=");
  const filter = this.env.getFilter(filterName);
  return list.map((item) => filter.call(this, item, ...positional.slice(1)));
}

function join(value: unknown, ...args: unknown[]): string {
  const { d = "", attribute } = bind(args, ["d", "attribute"]);
  const get = attribute === undefined || attribute === null ? undefined : attributeGetter(attribute);
  const separator = textOf(d);
  const room = activeBudget().limits.maxOutputLength;
  let total = 0;
  const parts = iterate(value, "join").map((item, i) => {
    const part = textOf(get ? get(item) : item, room - total);
    total += part.length + (i > 0 ? separator.length : 0);
    activeBudget().checkLength(total, "join's result");
    return part;
  });
  return parts.join(separator);
}

/**
 * Adds as the template's `+` does (partial-runtime.ts): numbers add, lists concatenate, and text joins text as
 * nunjucks' `+` did, through the checked conversion; JavaScript's `+` would turn a list into text unbounded.
 */
function sum(value: unknown, ...args: unknown[]): unknown {
  const { attribute, start = 0 } = bind(args, ["attribute", "start"]);
  const get = attribute === undefined || attribute === null ? (item: unknown) => item : attributeGetter(attribute);
  let total: unknown = start;
  for (const item of iterate(value, "sum")) {
    const next = get(item);
    total = typeof total === "number" && typeof next === "number" ? total + next : add(total, next);
  }
  return total;
}

/** nunjucks' groupby: an object from each group's key to its items, which `for key, items in …` reads. */
function groupby(value: unknown, ...args: unknown[]): Record<string, unknown[]> {
  const { attribute } = bind(args, ["attribute"]);
  const get = attributeGetter(attribute);
  const groups: Record<string, unknown[]> = {};
  for (const item of iterate(value, "groupby")) {
    const key = textOf(get(item));
    if (!Object.hasOwn(groups, key)) Object.defineProperty(groups, key, { value: [], enumerable: true, writable: true, configurable: true });
    groups[key]!.push(item);
  }
  return groups;
}

/** Jinja2's selectattr/rejectattr: the attribute's truthiness, or a named test on it. */
function byAttribute(name: string, keep: boolean) {
  return function (this: FilterContext, value: unknown, ...args: unknown[]): unknown[] {
    const [attribute, named, ...testArgs] = keywords(args).positional;
    const get = attributeGetter(attribute);
    const testName = named instanceof SafeString ? named.val : named;
    // A test is named by text: a list here would be joined into a string to be looked up.
    if (testName !== undefined && typeof testName !== "string") throw renderFailure(`${name}'s test must be named by a string, not ${typeOf(testName)}`);
    const test = testName === undefined ? undefined : this.env.getTest(testName);
    return iterate(value, name).filter((item) => {
      const attributeValue = get(item);
      const passed = test ? test.call(this, attributeValue, ...testArgs) === true : isTruthy(attributeValue);
      return passed === keep;
    });
  };
}

function positiveInteger(value: unknown, what: string): number {
  const n = plainNumber(value);
  if (!Number.isInteger(n) || n < 1) throw renderFailure(`${what} must be a positive integer`);
  return n;
}

function batch(value: unknown, ...args: unknown[]): unknown[][] {
  const { linecount, fill_with } = bind(args, ["linecount", "fill_with"]);
  const size = positiveInteger(linecount, "batch's size");
  const items = iterate(value, "batch");
  if (fill_with !== undefined && fill_with !== null) activeBudget().checkRange(size, `batch(${size})`);
  const rows: unknown[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  const last = rows.at(-1);
  if (last && fill_with !== undefined && fill_with !== null) while (last.length < size) last.push(fill_with);
  return rows;
}

function slice(value: unknown, ...args: unknown[]): unknown[][] {
  const { slices, fill_with } = bind(args, ["slices", "fill_with"]);
  const count = positiveInteger(slices, "slice's count");
  activeBudget().checkRange(count, `slice(${count})`);
  activeBudget().charge(count);
  const items = iterate(value, "slice");
  const perSlice = Math.floor(items.length / count);
  const extra = items.length % count;
  const result: unknown[][] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const start = offset + i * perSlice;
    if (i < extra) offset++;
    const row = items.slice(start, offset + (i + 1) * perSlice);
    if (fill_with !== undefined && fill_with !== null && i >= extra) row.push(fill_with);
    result.push(row);
  }
  return result;
}

/** Jinja2's list: a string's characters, a dict's keys, a list's items. */
function list(value: unknown): unknown[] {
  return [...iterate(value, "list")];
}

function reverse(value: unknown): unknown {
  if (typeof value === "string" || value instanceof SafeString) return iterate(value, "reverse").reverse().join("");
  return [...iterate(value, "reverse")].reverse();
}

/** A dict's own items as (key, value) pairs, sorted by key or value. */
function dictsort(value: unknown, ...args: unknown[]): [string, unknown][] {
  const { case_sensitive, by = "key", reverse: descending } = bind(args, ["case_sensitive", "by", "reverse"]);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw wrongType("dictsort", "a dict", value);
  if (by !== "key" && by !== "value") throw renderFailure('dictsort sorts by "key" or "value"');
  const index = by === "key" ? 0 : 1;
  const fold = (v: unknown) => (!case_sensitive && typeof v === "string" ? v.toLowerCase() : v);
  const entries = Object.entries(value);
  activeBudget().charge(entries.length);
  return entries.sort((a, b) => (descending ? -1 : 1) * compare(fold(a[index]), fold(b[index])));
}

export const listFilters: Record<string, (...args: never[]) => unknown> = {
  unique,
  min: extreme("min", (c) => c < 0),
  max: extreme("max", (c) => c > 0),
  sort,
  map,
  join,
  sum,
  groupby,
  selectattr: byAttribute("selectattr", true),
  rejectattr: byAttribute("rejectattr", false),
  batch,
  slice,
  list,
  reverse,
  dictsort,
};
