import nunjucks from "nunjucks";
import { activeBudget } from "./budget.ts";
import { filterNamed, testNamed } from "./builtins.ts";
import { RenderFault, renderFailure, unsafe } from "./fault.ts";
import { templateGlobals } from "./globals.ts";
import { BoundMethod, isTrustedFunction, member, trustFunction } from "./guard.ts";
import { LoopContext } from "./loop.ts";
import { SafeString } from "./safe-string.ts";
import { isTruthy } from "./truthiness.ts";

/**
 * The `runtime` compiled templates call (compiler.ts routes every read, call, filter, test, concatenation,
 * output and loop iteration here). It stands in for nunjucks' runtime, whose member lookup returns any function
 * it finds and whose call wrapper calls it.
 */

interface Frame {
  variables: Record<string, unknown>;
  parent: Frame | undefined;
}

/** What compiled code and filters see as `context`. */
export interface RenderContext {
  readonly env: unknown;
  readonly ctx: Record<string, unknown>;
  setVariable(name: string, value: unknown): void;
  addExport(name: string): void;
}

const base = (nunjucks as unknown as { runtime: Record<string, unknown> }).runtime;
const makeMacro = base.makeMacro as (args: string[], kwargs: string[], body: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown;

const PYTHON_CONSTANTS: Record<string, unknown> = Object.assign(Object.create(null), { True: true, False: false, None: null });

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "None";
  return Array.isArray(value) ? "a list" : `a ${typeof value}`;
}

export const guardedRuntime: Readonly<Record<string, unknown>> = Object.freeze({
  Frame: base.Frame,
  SafeString,
  makeKeywordArgs: base.makeKeywordArgs,
  isArray: Array.isArray,
  keys: Object.keys,
  truthy: isTruthy,

  /** A macro or `caller`: callable by templates, and each call counted against depth and operations. */
  makeMacro(args: string[], kwargs: string[], body: (...args: unknown[]) => unknown) {
    const macro = makeMacro(args, kwargs, body);
    return trustFunction(function (this: unknown, ...values: unknown[]) {
      const budget = activeBudget();
      // A call costs about what two loop iterations do.
      budget.charge(2);
      budget.enter();
      try {
        return macro.apply(this, values);
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

  /** Python's slice semantics: `items[1:]`, `text[::-1]`. */
  slice(value: unknown, start: unknown, stop: unknown, step: unknown, line: number): unknown {
    const budget = activeBudget();
    const source = value instanceof SafeString ? value.val : value;
    if (typeof source !== "string" && !Array.isArray(source)) throw renderFailure(`${describe(source)} cannot be sliced`, line);
    const stride = step === null || step === undefined ? 1 : Number(step);
    if (!Number.isInteger(stride) || stride === 0) throw renderFailure("a slice step must be a non-zero integer", line);
    const length = source.length;
    const bound = (index: unknown, fallback: number, low: number, high: number): number => {
      if (index === null || index === undefined) return fallback;
      const n = Number(index);
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
    if (callee instanceof BoundMethod) return callee.invoke(args, budget, line);
    if (typeof callee !== "function") throw renderFailure(`"${name}" is ${describe(callee)}, not something that can be called`, line);
    if (!isTrustedFunction(callee)) {
      throw unsafe(`"${name}" is not a function templates may call: only macros, caller, range, cycler, joiner and the methods of strings, lists and dicts`, line);
    }
    budget.line = line;
    return callee.apply(context, args);
  },

  filter(name: string, line: number) {
    activeBudget().line = line;
    return filterNamed(name, line);
  },

  test(name: string, line: number) {
    activeBudget().line = line;
    return testNamed(name, line);
  },

  /** `{{ value }}` under StrictUndefined: undefined is an error. */
  out(written: number, value: unknown, line: number): string {
    if (value === undefined || value === null) throw renderFailure("attempted to output null or undefined value", line);
    return printable(written, value, line);
  },

  outLenient(written: number, value: unknown, line: number): string {
    return value === undefined || value === null ? "" : printable(written, value, line);
  },

  concat(left: unknown, right: unknown, line: number): string {
    return checked(String(left) + String(right), line);
  },

  /** Python's `+`: lists concatenate; numbers add; JavaScript joins anything else with a string, as nunjucks did. */
  add(left: unknown, right: unknown, line: number): unknown {
    if (typeof left === "number" && typeof right === "number") return left + right;
    if (Array.isArray(left) && Array.isArray(right)) {
      activeBudget().checkRange(left.length + right.length, "a list made with +", line);
      activeBudget().charge(left.length + right.length, line);
      return [...left, ...right];
    }
    if (typeof left === "function" || typeof right === "function") throw renderFailure("a function cannot be added", line);
    const sum = (left as number) + (right as number);
    return typeof sum === "string" ? checked(sum, line) : sum;
  },

  /** `x in y`: a substring, a list item, or an own key of a dict. */
  contains(item: unknown, container: unknown, line: number): boolean {
    const budget = activeBudget();
    const haystack = container instanceof SafeString ? container.val : container;
    budget.chargeSize(haystack, line);
    if (typeof haystack === "string") return haystack.includes(String(item));
    if (Array.isArray(haystack)) return haystack.includes(item);
    if (haystack !== null && typeof haystack === "object" && typeof item === "string") return Object.hasOwn(haystack, item);
    if (haystack !== null && typeof haystack === "object" && typeof item === "number") return Object.hasOwn(haystack, item);
    throw renderFailure(`"in" needs a string, list or dict on its right, not ${describe(haystack)}`, line);
  },

  /** Each iteration of a for: one operation, and the `loop` variable. */
  loop(frame: Frame, index0: number, length: number, line: number): void {
    activeBudget().charge(1, line);
    const current = frame.variables.loop;
    const loop = current instanceof LoopContext ? current : new LoopContext();
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

function printable(written: number, value: unknown, line: number): string {
  if (typeof value === "string") {
    if (written + value.length > activeBudget().limits.maxOutputLength) activeBudget().checkLength(written + value.length, "the output", line);
    return value;
  }
  if (typeof value === "function") throw renderFailure("a macro or function cannot be printed; call it", line);
  const text = String(value);
  activeBudget().checkLength(written + text.length, "the output", line);
  return text;
}

function checked(text: string, line: number): string {
  if (text.length > activeBudget().limits.maxOutputLength) activeBudget().checkLength(text.length, "a string", line);
  return text;
}
