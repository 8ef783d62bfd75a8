import { RenderFault } from "./fault.ts";
import type { RenderLimits, ResolvedRenderLimits } from "./render-limits.ts";

export { DEFAULT_RENDER_LIMITS, resolveRenderLimits, type RenderLimits, type ResolvedRenderLimits } from "./render-limits.ts";

/** The clock is read once per this many operations and steps, so a loop pays for it rarely. */
const CLOCK_INTERVAL = 256;

export class RenderBudget {
  readonly limits: ResolvedRenderLimits;
  private operations = 0;
  /**
   * Template steps (`step`): the statements, outputs and pieces of literal text a render runs. Counted apart from
   * the operations, against the same limit, so that what a template's own text costs never changes what its loops,
   * calls and filters may spend; both advance the clock.
   */
  private steps = 0;
  /** operations + steps: what the clock and the limits are checked against. */
  private spent = 0;
  private nextCheck: number;
  private depth = 0;
  private readonly deadline: number;
  /** The template line of the latest charged operation, for faults raised where no line is known. */
  line: number | undefined;

  constructor(limits: ResolvedRenderLimits) {
    this.limits = limits;
    this.nextCheck = Math.min(CLOCK_INTERVAL, limits.maxOperations);
    this.deadline = performance.now() + limits.timeoutMs;
  }

  /** Spends `cost` operations; throws once the render is over its operations or its time. */
  charge(cost: number, line?: number): void {
    if (line !== undefined) this.line = line;
    this.operations += cost;
    this.spent += cost;
    // Written so that a NaN cost checks (and fails) instead of disabling every later check.
    if (!(this.spent < this.nextCheck)) this.checkpoint();
  }

  /**
   * Spends `cost` template steps: compiled code calls it once per body it runs (a loop iteration's, a macro's, a
   * branch's), with the statements, outputs and literal text of that body counted when it was compiled.
   */
  step(cost: number, line?: number): void {
    if (line !== undefined) this.line = line;
    this.steps += cost;
    this.spent += cost;
    // Written so that a NaN cost checks (and fails) instead of disabling every later check.
    if (!(this.spent < this.nextCheck)) this.checkpoint();
  }

  /** Charges for going through `size` items or 64 × `size` characters. */
  chargeSize(value: unknown, line?: number): void {
    this.charge(1 + sizeUnits(value), line);
  }

  private checkpoint(): void {
    const max = this.limits.maxOperations;
    if (!(this.operations <= max)) {
      throw this.fault("maxOperations", `the render went over ${max} operations (loop iterations, calls, filtered items)`);
    }
    if (!(this.steps <= max)) {
      throw this.fault("maxOperations", `the render went over ${max} steps (statements, outputs and pieces of text it ran)`);
    }
    if (performance.now() > this.deadline) {
      throw this.fault("timeoutMs", `the render took longer than ${this.limits.timeoutMs} ms`);
    }
    // The next check comes when either count could first go over the limit, or after CLOCK_INTERVAL of both.
    this.nextCheck = this.spent + Math.min(CLOCK_INTERVAL, max + 1 - this.operations, max + 1 - this.steps);
  }

  enter(): void {
    if (++this.depth > this.limits.maxDepth) {
      this.depth--;
      throw this.fault("maxDepth", `macro calls nested deeper than ${this.limits.maxDepth}`);
    }
  }

  leave(): void {
    this.depth--;
  }

  /** Throws unless a string or list of `length` fits; call it before making the value where that is possible. */
  checkLength(length: number, what = "a string", line?: number): void {
    if (length > this.limits.maxOutputLength) {
      throw this.fault("maxOutputLength", `${what} would be ${length} characters long, over ${this.limits.maxOutputLength}`, line);
    }
  }

  /** Checks a value a filter or method made: strings against maxOutputLength. */
  checkValue(value: unknown, what: string, line?: number): void {
    if (typeof value === "string" && value.length > this.limits.maxOutputLength) this.checkLength(value.length, what, line);
  }

  checkRange(count: number, what: string, line?: number): void {
    if (count > this.limits.maxRange) {
      throw this.fault("maxRange", `${what} would have ${count} items, over ${this.limits.maxRange}`, line);
    }
  }

  fault(limit: keyof RenderLimits, message: string, line?: number): RenderFault {
    return new RenderFault("limit", message, line ?? this.line, limit);
  }
}

function sizeUnits(value: unknown): number {
  if (typeof value === "string") return value.length >>> 6;
  if (Array.isArray(value)) return value.length;
  return 0;
}

let active: RenderBudget | undefined;

/** The budget of the render under way; templates render synchronously, so there is one at a time per thread. */
export function activeBudget(): RenderBudget {
  if (!active) throw new RenderFault("render", "a template function was called outside a render");
  return active;
}

/** Runs `render` with `budget` as the active one, restoring the previous (a nested render) afterwards. */
export function withBudget<T>(budget: RenderBudget, render: () => T): T {
  const previous = active;
  active = budget;
  try {
    return render();
  } finally {
    active = previous;
  }
}
