import nunjucks from "nunjucks";
import { activeBudget } from "./budget.ts";
import { renderFailure, typeOf } from "./fault.ts";
import { SafeString } from "./safe-string.ts";
import { textOf } from "./text.ts";

/**
 * What compiled partials need at run time (compiler.ts's compilePartialScope and compilePartialImport): the
 * context a partial runs in, a module's exports; and Python's `*` repetition and `+`, and `~`, which the `sum`
 * filter shares with compiled templates.
 */

/** runtime.ts's RenderContext (declared here too: runtime.ts imports this module). */
interface RenderContext {
  readonly env: unknown;
  readonly ctx: Record<string, unknown>;
  setVariable(name: string, value: unknown): void;
  addExport(name: string): void;
}

interface Frame {
  variables: Record<string, unknown>;
  parent: Frame | undefined;
  topLevel: boolean;
}

const Frame = (nunjucks as unknown as { runtime: { Frame: new () => Frame } }).runtime.Frame;

/** The context of a partial run as a module or without context: its own variables, and the names it exports. */
class PartialContext implements RenderContext {
  readonly env: unknown;
  readonly ctx: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  readonly exported = new Set<string>();

  constructor(env: unknown) {
    this.env = env;
  }

  setVariable(name: string, value: unknown): void {
    this.ctx[name] = value;
  }

  addExport(name: string): void {
    this.exported.add(name);
  }
}

/**
 * A new context for a partial: empty (Jinja's `without context`: the partial sees the globals only), or a copy of
 * the variables the tag sees, the app's and the template's own (`with context`), so the partial's `set`s stay its own.
 */
export function partialContext(context: RenderContext, frame: Frame | undefined, withContext: boolean): PartialContext {
  const made = new PartialContext(context.env);
  if (!withContext) return made;
  const budget = activeBudget();
  const frames: Frame[] = [];
  for (let f = frame; f; f = f.parent) frames.unshift(f);
  for (const source of [context.ctx, ...frames.map((f) => f.variables)]) {
    const keys = Object.keys(source);
    budget.charge(1 + (keys.length >>> 6));
    for (const key of keys) if (source[key] !== undefined) made.ctx[key] = source[key];
  }
  return made;
}

/** The frame a module's body runs in: its top level, so its macros and sets are exported. */
export function moduleFrame(): Frame {
  const frame = new Frame();
  frame.topLevel = true;
  return frame;
}

/** An imported partial as a value: its exported macros and variables, as a dict. */
export function exportsOf(context: PartialContext): Record<string, unknown> {
  const module: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const name of context.exported) module[name] = context.ctx[name];
  return module;
}

/** `{% from "x" import name %}`: the export, or an error naming it. */
export function imported(module: Record<string, unknown>, name: string, line: number): unknown {
  if (!Object.hasOwn(module, name)) throw renderFailure(`the partial does not export "${name}"`, line);
  return module[name];
}

/** Python's `+`: lists concatenate; numbers add; JavaScript joins anything else with a string, as nunjucks did. */
export function add(left: unknown, right: unknown, line?: number): unknown {
  if (typeof left === "number" && typeof right === "number") return left + right;
  if (Array.isArray(left) && Array.isArray(right)) {
    activeBudget().checkRange(left.length + right.length, "a list made with +", line);
    activeBudget().charge(left.length + right.length, line);
    return [...left, ...right];
  }
  if (typeof left === "string" || typeof right === "string" || (left !== null && typeof left === "object") || (right !== null && typeof right === "object")) {
    return concat(left, right, line);
  }
  if (typeof left === "function" || typeof right === "function") throw renderFailure("a function cannot be added", line);
  return (left as number) + (right as number);
}

/** `~`: both sides as text; the longer the new text, the more it costs. */
export function concat(left: unknown, right: unknown, line?: number): string {
  const head = textOf(left, undefined, line);
  const tail = textOf(right, activeBudget().limits.maxOutputLength - head.length, line);
  activeBudget().charge(1 + (tail.length >>> 6), line);
  return head + tail;
}

/** Python's `*`: numbers multiply; a string or list times an integer repeats it (nothing when it is below 1). */
export function mul(left: unknown, right: unknown, line: number): unknown {
  const a = left instanceof SafeString ? left.val : left;
  const b = right instanceof SafeString ? right.val : right;
  if (isNumeric(a) && isNumeric(b)) return Number(a) * Number(b);
  const [sequence, times] = typeof a === "string" || Array.isArray(a) ? [a, b] : [b, a];
  if ((typeof sequence !== "string" && !Array.isArray(sequence)) || !isNumeric(times)) {
    throw renderFailure(`"*" cannot multiply ${typeOf(a)} by ${typeOf(b)}`, line);
  }
  if (!Number.isInteger(Number(times))) throw renderFailure(`a ${typeOf(sequence)} can only be repeated a whole number of times, not ${typeOf(times)}`, line);
  const count = Math.max(0, Number(times));
  const budget = activeBudget();
  if (typeof sequence === "string") {
    budget.checkLength(sequence.length * count, "a string made with *", line);
    budget.charge(1 + ((sequence.length * count) >>> 6), line);
    return sequence.repeat(count);
  }
  budget.checkRange(sequence.length * count, "a list made with *", line);
  budget.charge(1 + sequence.length * count, line);
  return Array.from({ length: count }, () => sequence).flat();
}

function isNumeric(value: unknown): value is number | boolean {
  return typeof value === "number" || typeof value === "boolean";
}
