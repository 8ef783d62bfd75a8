/**
 * The Python methods templates may call on values (Jinja2 renders Python objects; PromptSync renders JSON-like
 * data and gives it the methods prompts use). Methods that change a list or dict are refused, as in Jinja2's
 * ImmutableSandboxedEnvironment. JavaScript's own methods are never reachable.
 */
import { bind, keywords } from "./arguments.ts";
import type { Method } from "./bound-method.ts";
import type { RenderBudget } from "./budget.ts";
import { renderFailure, unsafe } from "./fault.ts";
import { Cycler, LoopContext } from "./loop.ts";
import { SafeString } from "./safe-string.ts";
import { countMatches, plainNumber, shown } from "./text.ts";

const WHITESPACE = /\s/u;
// eslint-disable-next-line no-control-regex -- Python's splitlines() also breaks at \x1c-\x1e
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

function text(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (value instanceof SafeString) return value.val;
  throw renderFailure(`${what} must be a string`);
}

function stripChars(self: string, chars: unknown, fromStart: boolean, fromEnd: boolean): string {
  const set = chars === undefined || chars === null ? undefined : new Set(text(chars, "strip's argument"));
  const strip = set ? (ch: string) => set.has(ch) : (ch: string) => WHITESPACE.test(ch);
  let start = 0;
  let end = self.length;
  if (fromStart) while (start < end && strip(self[start]!)) start++;
  if (fromEnd) while (end > start && strip(self[end - 1]!)) end--;
  return self.slice(start, end);
}

function affixes(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => text(v, "a prefix")) : [text(value, "a prefix")];
}

/** Occurrences of `sub`, without overlaps; Python counts len + 1 for the empty string. */
function occurrences(self: string, sub: string): number {
  if (sub === "") return self.length + 1;
  let count = 0;
  for (let at = self.indexOf(sub); at !== -1; at = self.indexOf(sub, at + sub.length)) count++;
  return count;
}

/**
 * `count` of replace() or `maxsplit` of split(): an integer, negative for no limit (Infinity). Read from a primitive
 * only: Number() would join a list into text first, and NaN would reach the budget as a cost.
 */
function countArgument(value: unknown, what: string): number {
  const n = plainNumber(value);
  if (!Number.isInteger(n)) throw renderFailure(`${what} must be an integer, not ${shown(value)}`);
  return n < 0 ? Infinity : n;
}

/** Python's str.replace(old, new[, count]), its result's length checked before it is made. */
export function pythonReplace(self: string, args: unknown[], budget: RenderBudget): string {
  const { old, new: replacement, count } = bind(args, ["old", "new", "count"]);
  const from = text(old, "replace's first argument");
  const to = text(replacement, "replace's second argument");
  const max = count === undefined || count === null ? Infinity : countArgument(count, "replace()'s count");
  const times = Math.min(occurrences(self, from), max);
  budget.checkLength(self.length + times * (to.length - from.length), "replace()'s result");
  if (from === "") {
    const chars = [...self];
    const head = chars.slice(0, times).map((ch) => to + ch).join("");
    return times > chars.length ? head + to : head + chars.slice(times).join("");
  }
  let result = "";
  let at = 0;
  for (let done = 0; done < times; done++) {
    const found = self.indexOf(from, at);
    result += self.slice(at, found) + to;
    at = found + from.length;
  }
  return result + self.slice(at);
}

/** Python's str.split; the pieces are counted against the budget before the list is made. */
function split(self: string, args: unknown[], budget: RenderBudget): string[] {
  const { sep, maxsplit } = bind(args, ["sep", "maxsplit"]);
  const limit = maxsplit === undefined || maxsplit === null ? Infinity : countArgument(maxsplit, "split()'s maxsplit");
  const pieces = sep === undefined || sep === null ? countMatches(self, /\s+/u) + 1 : occurrences(self, text(sep, "split's separator")) + 1;
  budget.charge(Math.min(pieces, limit + 1));
  if (sep === undefined || sep === null) {
    const words = self.trim() === "" ? [] : self.trim().split(/\s+/u);
    return words.length - 1 <= limit ? words : [...words.slice(0, limit), self.trim().split(/\s+/u).slice(limit).join(" ")];
  }
  const separator = text(sep, "split's separator");
  if (separator === "") throw renderFailure("split(): empty separator");
  const parts = self.split(separator);
  return parts.length - 1 <= limit ? parts : [...parts.slice(0, limit), parts.slice(limit).join(separator)];
}

function join(self: string, args: unknown[], budget: RenderBudget): string {
  const [items] = keywords(args).positional;
  const list = typeof items === "string" ? [...items] : Array.isArray(items) ? items : undefined;
  if (!list) throw renderFailure("join() takes a list of strings");
  const parts = list.map((item) => text(item, "each item joined"));
  budget.charge(parts.length);
  budget.checkLength(parts.reduce((sum, part) => sum + part.length, 0) + self.length * Math.max(0, parts.length - 1), "join()'s result");
  return parts.join(self);
}

const test = (pattern: RegExp) => (self: string) => self.length > 0 && pattern.test(self);

const STRING_METHODS: Record<string, (self: string, args: unknown[], budget: RenderBudget) => unknown> = {
  upper: (self) => self.toUpperCase(),
  lower: (self) => self.toLowerCase(),
  strip: (self, [chars]) => stripChars(self, chars, true, true),
  lstrip: (self, [chars]) => stripChars(self, chars, true, false),
  rstrip: (self, [chars]) => stripChars(self, chars, false, true),
  capitalize: (self) => self.charAt(0).toUpperCase() + self.slice(1).toLowerCase(),
  title: (self) => self.toLowerCase().replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase()),
  startswith: (self, [prefix]) => affixes(prefix).some((p) => self.startsWith(p)),
  endswith: (self, [suffix]) => affixes(suffix).some((s) => self.endsWith(s)),
  split,
  splitlines: (self, _args, budget) => {
    budget.charge(countMatches(self, LINE_BREAK));
    return self.split(LINE_BREAK).filter((line, i, all) => i < all.length - 1 || line !== "");
  },
  replace: pythonReplace,
  join,
  count: (self, [sub]) => occurrences(self, text(sub, "count's argument")),
  find: (self, [sub]) => self.indexOf(text(sub, "find's argument")),
  isdigit: test(/^\p{Nd}+$/u),
  isalpha: test(/^\p{L}+$/u),
  isalnum: test(/^[\p{L}\p{N}]+$/u),
  isspace: test(/^\s+$/u),
  islower: (self) => /\p{Ll}/u.test(self) && !/\p{Lu}|\p{Lt}/u.test(self),
  isupper: (self) => /\p{Lu}/u.test(self) && !/\p{Ll}|\p{Lt}/u.test(self),
};

const LIST_METHODS: Record<string, (self: unknown[], args: unknown[]) => unknown> = {
  count: (self, [item]) => self.filter((x) => x === item).length,
  index: (self, [item]) => {
    const at = self.indexOf(item);
    if (at === -1) throw renderFailure(`${shown(item)} is not in the list`);
    return at;
  },
};

/** Own enumerable keys: a template's dicts and the copies of the app's objects have nothing else. */
const DICT_METHODS: Record<string, (self: Record<string, unknown>, args: unknown[]) => unknown> = {
  items: (self) => Object.entries(self),
  keys: (self) => Object.keys(self),
  values: (self) => Object.values(self),
  get: (self, [key, fallback = null]) => {
    const name = typeof key === "number" ? String(key) : key instanceof SafeString ? key.val : key;
    return typeof name === "string" && Object.hasOwn(self, name) ? self[name] : fallback;
  },
  has_key: (self, [key]) => typeof key === "string" && Object.hasOwn(self, key),
};

const CYCLER_METHODS: Record<string, (self: Cycler) => unknown> = {
  next: (self) => self.next(),
  reset: (self) => self.reset(),
};

const LOOP_METHODS: Record<string, (self: LoopContext, args: unknown[]) => unknown> = {
  cycle: (self, args) => self.cycle(keywords(args).positional),
};

export const MUTATING_METHODS: ReadonlySet<string> = new Set(["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear", "popitem", "setdefault", "update"]);

function isDict(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !Array.isArray(value);
}

function from<S>(table: Record<string, (self: S, args: unknown[], budget: RenderBudget) => unknown>, name: string): Method | undefined {
  return Object.hasOwn(table, name) ? (table[name] as Method) : undefined;
}

/** The method `name` of `value`, when templates may call it. */
export function methodOf(value: unknown, name: string, line?: number): Method | undefined {
  if (typeof value === "string") return from(STRING_METHODS, name);
  if (value === null || typeof value !== "object") return undefined;
  if (Cycler.is(value)) return from(CYCLER_METHODS, name);
  if (LoopContext.is(value)) return from(LOOP_METHODS, name);
  const method = Array.isArray(value) ? from(LIST_METHODS, name) : isDict(value) ? from(DICT_METHODS, name) : undefined;
  if (!method && MUTATING_METHODS.has(name) && (Array.isArray(value) || isDict(value))) {
    throw unsafe(`${name}() would change a ${Array.isArray(value) ? "list" : "dict"}: template values cannot be modified`, line);
  }
  return method;
}



/** Every method name templates may call on some value, for the static check. */
export const methodNames: ReadonlySet<string> = new Set([
  ...Object.keys(STRING_METHODS), ...Object.keys(LIST_METHODS), ...Object.keys(DICT_METHODS), ...Object.keys(CYCLER_METHODS), ...Object.keys(LOOP_METHODS),
]);
