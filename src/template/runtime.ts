import nunjucks from "nunjucks";
import { isKeywordArgs, makeKeywordArgs } from "./arguments.ts";
import { activeBudget } from "./budget.ts";
import { filterNamed, testNamed } from "./builtins.ts";
import { RenderFault, renderFailure, typeOf, unsafe } from "./fault.ts";
import { templateGlobals } from "./globals.ts";
import { BoundMethod } from "./bound-method.ts";
import { isTrustedFunction, member, trustFunction } from "./guard.ts";
import { LoopContext } from "./loop.ts";
import { assignAttribute } from "./namespace.ts";
import { add, concat, exportsOf, imported, moduleFrame, mul, partialContext } from "./partial-runtime.ts";
import { SafeString } from "./safe-string.ts";
import { plainNumber, textOf } from "./text.ts";
import { isTruthy } from "./truthiness.ts";

/**
 * The `runtime` compiled templates call (compiler.ts routes every read, call, filter, test, concatenation,
 * output and loop iteration here). It stands in for nunjucks' runtime, whose member lookup returns any function
 * it finds and whose call wrapper calls it.
 */

interface Frame {
  variables: Record<string, unknown>;
  parent: Frame | undefined;
  isolateWrites?: boolean;
}

/** What compiled code and filters see as `context`. */
export interface RenderContext {
  readonly env: unknown;
  readonly ctx: Record<string, unknown>;
  setVariable(name: string, value: unknown): void;
  addExport(name: string): void;
}

const base = (nunjucks as unknown as { runtime: Record<string, unknown> }).runtime;

const PYTHON_CONSTANTS: Record<string, unknown> = Object.assign(Object.create(null), { True: true, False: false, None: null });

export const guardedRuntime: Readonly<Record<string, unknown>> = Object.freeze({
  Frame: base.Frame,
  SafeString,
  makeKeywordArgs,
  isArray: Array.isArray,
  /**
   * The keys a `for k, v in value` loop over something other than a list goes through. A string is refused, as
   * Jinja2 refuses to unpack its characters: JavaScript would list and enumerate all its indices before the first
   * iteration is charged.
   */
  keys(value: unknown): string[] {
    if (typeof value === "string") throw renderFailure("a string cannot be unpacked into two loop variables", activeBudget().line);
    return Object.keys(value as object);
  },
  truthy: isTruthy,

  /**
   * A macro or `caller`: callable by templates, each call counted against depth and operations. Arguments bind
   * as in nunjucks (extra positional ones fill the keyword parameters, missing ones come from keywords), but into
   * a fresh object without a prototype: nunjucks' own version reads missing names through Object.prototype and
   * writes into the caller's object.
   */
  makeMacro(argNames: string[], kwargNames: string[], body: (...args: unknown[]) => unknown) {
    return trustFunction(function (this: unknown, ...values: unknown[]) {
      const budget = activeBudget();
      // A call costs about what two loop iterations do.
      budget.charge(2);
      budget.enter();
      try {
        const last = values.at(-1);
        const given = isKeywordArgs(last) ? values.slice(0, -1) : values;
        const kwargs: Record<string, unknown> = Object.create(null);
        if (isKeywordArgs(last)) for (const key of Object.keys(last)) if (key !== "__keywords") kwargs[key] = last[key];
        const args = argNames.map((name, i) => {
          if (i < given.length) return given[i];
          if (!Object.hasOwn(kwargs, name)) return undefined;
          const value = kwargs[name];
          delete kwargs[name];
          return value;
        });
        given.slice(argNames.length, argNames.length + kwargNames.length).forEach((value, i) => {
          kwargs[kwargNames[i]!] = value;
        });
        return body.apply(this, [...args, kwargs]);
      } finally {
        budget.leave();
      }
    });
  },

  /** A name: loop and set variables, then the app's variables, then the globals. Own properties only. */
  lookup(context: RenderContext, frame: Frame | undefined, name: string): unknown {
    for (let f = frame; f; f = f.parent) {
      const value = f.variables[name];
      if (value !== undefined) return value;
    }
    const value = context.ctx[name];
    if (value !== undefined) return value;
    const global = templateGlobals[name];
    return global !== undefined ? global : PYTHON_CONSTANTS[name];
  },

  member,

  /**
   * `value.name` read to be called (`name.upper()`): the member, or, when there is none, a note of what was
   * read, which `call` turns into "name is a number, which has no method upper". The note is only ever passed to
   * `call`: compiler.ts emits this read as `call`'s callee and nowhere else.
   */
  method(obj: unknown, key: unknown, line: number, subject?: string): unknown {
    const value = member(obj, key, line);
    return value === undefined ? new MissingMethod(obj, key, subject) : value;
  },

  /** Python's slice semantics: `items[1:]`, `text[::-1]`. */
  slice(value: unknown, start: unknown, stop: unknown, step: unknown, line: number, subject?: string): unknown {
    const budget = activeBudget();
    const source = value instanceof SafeString ? value.val : value;
    if (typeof source !== "string" && !Array.isArray(source)) {
      throw renderFailure(subject === undefined ? `${typeOf(source)} cannot be sliced` : `${subject} is ${typeOf(source)}, which cannot be sliced`, line);
    }
    const stride = step === null || step === undefined ? 1 : plainNumber(step);
    if (!Number.isInteger(stride) || stride === 0) throw renderFailure("a slice step must be a non-zero integer", line);
    const length = source.length;
    const bound = (index: unknown, fallback: number, low: number, high: number): number => {
      if (index === null || index === undefined) return fallback;
      const n = plainNumber(index);
      if (!Number.isInteger(n)) throw renderFailure("slice indices must be integers", line);
      return Math.min(Math.max(n < 0 ? n + length : n, low), high);
    };
    const forward = stride > 0;
    const from = forward ? bound(start, 0, 0, length) : bound(start, length - 1, -1, length - 1);
    const to = forward ? bound(stop, length, 0, length) : bound(stop, -1, -1, length - 1);
    const picked: unknown[] = [];
    for (let i = from; forward ? i < to : i > to; i += stride) picked.push(source[i]);
    budget.charge(1 + picked.length, line);
    return typeof source === "string" ? picked.join("") : picked;
  },

  /** A call in a template: only functions PromptSync made, and the Python methods of values. */
  call(callee: unknown, name: string, context: RenderContext, args: unknown[], line: number): unknown {
    const budget = activeBudget();
    if (BoundMethod.is(callee)) return callee.invoke(args, budget, line);
    if (callee instanceof MissingMethod) throw renderFailure(callee.describe(), line);
    if (typeof callee !== "function") throw renderFailure(`"${name}" is ${typeOf(callee)}, not something that can be called`, line);
    if (!isTrustedFunction(callee)) {
      throw unsafe(`"${name}" is not a function templates may call: only macros, caller, range, cycler, joiner and the methods of strings, lists and dicts`, line);
    }
    budget.line = line;
    return callee.apply(context, args);
  },

  /**
   * A filter. `subject` is the variable its input is read from (`keywords` in `keywords | join(", ")`), when the
   * input is one: a fault about the input then names it.
   */
  filter(name: string, line: number, subject?: string) {
    activeBudget().line = line;
    const filter = filterNamed(name, line);
    return subject === undefined ? filter : namingInput(filter, name, subject, line);
  },

  test(name: string, line: number) {
    activeBudget().line = line;
    return testNamed(name, line);
  },

  /** `{{ value }}` under StrictUndefined: undefined is an error, naming the expression when compiler.ts could. */
  out(written: number, value: unknown, line: number, expression?: string): string {
    if (value === undefined || value === null) {
      throw renderFailure(`attempted to output null or undefined value${expression === undefined ? "" : `: {{ ${expression} }} is ${typeOf(value)}`}`, line);
    }
    return printable(written, value, line);
  },

  outLenient(written: number, value: unknown, line: number): string {
    return value === undefined || value === null ? "" : printable(written, value, line);
  },

  concat,
  mul,
  assignAttribute,
  partialContext,
  moduleFrame,
  exportsOf,
  imported,

  /** Python's `+`: lists concatenate; numbers add; JavaScript joins anything else with a string, as nunjucks did. */
  add,

  /**
   * Comparisons, chained as in Python (`a < b < c`). A list or dict is never converted to text to be compared:
   * `==` compares it by identity, and ordering it is an error, as in Python.
   */
  compare(line: number, first: unknown, ...rest: unknown[]): boolean {
    let left = first;
    for (let i = 0; i < rest.length; i += 2) {
      const right = rest[i + 1];
      if (!compareTwo(rest[i] as string, left, right, line)) return false;
      left = right;
    }
    return true;
  },

  /** `x in y`: a substring, a list item, or an own key of a dict. */
  contains(item: unknown, container: unknown, line: number): boolean {
    const budget = activeBudget();
    const haystack = container instanceof SafeString ? container.val : container;
    budget.chargeSize(haystack, line);
    if (typeof haystack === "string") {
      const needle = item instanceof SafeString ? item.val : item;
      if (typeof needle !== "string") throw renderFailure(`"in" a string needs a string on its left, not ${typeOf(needle)}`, line);
      return haystack.includes(needle);
    }
    if (Array.isArray(haystack)) return haystack.includes(item);
    if (haystack !== null && typeof haystack === "object" && (typeof item === "string" || typeof item === "number")) return Object.hasOwn(haystack, item);
    throw renderFailure(`"in" needs a string, list or dict on its right, not ${typeOf(haystack)}`, line);
  },

  /**
   * The start of a body a render runs (a loop iteration's, a macro's, a branch's, an included partial's): its
   * statements, outputs and pieces of literal text, counted as steps when it was compiled (compiler.ts).
   */
  step(cost: number, line?: number): void {
    activeBudget().step(cost, line);
  },

  /** Each iteration of a for: one operation, and the `loop` variable. */
  loop(frame: Frame, index0: number, length: number, line: number, written: number, names: readonly string[] = []): void {
    const budget = activeBudget();
    budget.charge(1, line);
    if (written > budget.limits.maxOutputLength) budget.checkLength(written, "the text this loop writes", line);
    // Jinja2's scoping: a `set` in the body binds in this iteration only. Writes stop at the loop's frame, and
    // each iteration starts with only the loop variables there, so the next one sees the names around the loop.
    frame.isolateWrites = true;
    if (index0 > 0) {
      for (const name in frame.variables) if (name !== "loop" && !names.includes(name)) delete frame.variables[name];
    }
    const current = frame.variables.loop;
    const loop = LoopContext.is(current) ? current : new LoopContext();
    frame.variables.loop = loop.at(index0, length);
  },

  fromIterator(value: unknown): unknown {
    return value instanceof SafeString ? value.val : value;
  },

  /** nunjucks' catch-all around a render: keep PromptSync's faults, with the template line. */
  handleError(error: unknown, lineno: number): RenderFault {
    if (error instanceof RenderFault) {
      error.line ??= lineno + 1;
      return error;
    }
    if (error instanceof RangeError) {
      const budget = activeBudget();
      return /call stack/i.test(error.message)
        ? budget.fault("maxDepth", "the template recursed too deeply", lineno + 1)
        : budget.fault("maxOutputLength", `a value grew too large (${error.message})`, lineno + 1);
    }
    const e = error as { message?: string; lineno?: number };
    const message = String(e?.message ?? error).replace(/^\(unknown path\)(?: \[Line \d+, Column \d+\])?\s*/, "").trim();
    return renderFailure(message, e?.lineno ?? lineno + 1);
  },
});

/** What `runtime.method` read when the value has no such member: for `call`'s message, never for templates. */
class MissingMethod {
  readonly #obj: unknown;
  readonly #key: unknown;
  readonly #subject: string | undefined;

  constructor(obj: unknown, key: unknown, subject: string | undefined) {
    this.#obj = obj;
    this.#key = key;
    this.#subject = subject;
  }

  describe(): string {
    const type = typeOf(this.#obj);
    const key = String(this.#key);
    return this.#subject === undefined ? `${type} has no method ${key}()` : `${this.#subject} is ${type}, which has no method ${key}()`;
  }
}

type TemplateFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * `filter`, with a fault about its input reworded to name the variable the input came from: "keywords is a
 * number, join needs a list, a string or a dict". Faults about anything else, and the guard's and the budget's,
 * pass unchanged; a JavaScript TypeError from inside a stock filter becomes a render failure that says what the
 * input was, as handleError would have made it one anyway.
 */
function namingInput(filter: TemplateFunction, name: string, subject: string, line: number): TemplateFunction {
  return function (this: unknown, ...args: unknown[]) {
    try {
      return filter.apply(this, args);
    } catch (error) {
      const input = args[0];
      if (error instanceof RenderFault) {
        if (error.kind !== "render" || error.mismatch === undefined || !Object.is(error.mismatch.received, input)) throw error;
        throw renderFailure(`${subject} is ${typeOf(input)}, ${name} needs ${error.mismatch.needs}`, error.line ?? line);
      }
      if (error instanceof TypeError) throw renderFailure(`${subject} is ${typeOf(input)}, which the ${name} filter cannot take (${error.message})`, line);
      throw error;
    }
  };
}

function printable(written: number, value: unknown, line: number): string {
  const budget = activeBudget();
  const text = typeof value === "string" ? value : textOf(value, budget.limits.maxOutputLength - written, line);
  if (written + text.length > budget.limits.maxOutputLength) budget.checkLength(written + text.length, "the output", line);
  budget.charge(text.length >>> 6, line);
  return text;
}

const ORDERING = new Set(["<", ">", "<=", ">="]);

function isObject(value: unknown): boolean {
  return (value !== null && typeof value === "object") || typeof value === "function";
}

function compareTwo(op: string, left: unknown, right: unknown, line: number): boolean {
  const a = left instanceof SafeString ? left.val : left;
  const b = right instanceof SafeString ? right.val : right;
  if (isObject(a) || isObject(b)) {
    if (op === "==" || op === "===") return a === b;
    if (op === "!=" || op === "!==") return a !== b;
    if (ORDERING.has(op)) throw renderFailure(`"${op}" cannot compare ${typeOf(a)} and ${typeOf(b)}`, line);
  }
  switch (op) {
    case "==":
      // nunjucks' == is JavaScript's loose equality on plain values.
      return a == b;
    case "===":
      return a === b;
    case "!=":
      return a != b;
    case "!==":
      return a !== b;
    case "<":
      return (a as number) < (b as number);
    case ">":
      return (a as number) > (b as number);
    case "<=":
      return (a as number) <= (b as number);
    case ">=":
      return (a as number) >= (b as number);
    default:
      throw renderFailure(`unknown comparison ${op}`, line);
  }
}
