// The render limits and their defaults, apart from the budget that enforces them (budget.ts): reading a config
// checks them without loading the template runtime.

/** What one render may spend. Every template shares one budget per `format()` call. */
export interface RenderLimits {
  /**
   * Work units: one per loop iteration, filter or method call, two per macro call, plus one per item or 64
   * characters that a filter, method, slice, `in`, `range()` or a value turned into text goes through. Also the
   * limit of the steps counted apart: one per output, statement and piece of literal text of every body a render
   * runs (a loop iteration's, a macro's, a branch's), plus one per 16 expression nodes or 64 characters of text.
   * @default 1000000
   */
  maxOperations?: number;
  /** Longest string a render may make, its output included, in UTF-16 code units. @default 4194304 */
  maxOutputLength?: number;
  /** Most items `range()` may return, and most rows `batch` and `slice` may make (Jinja2's MAX_RANGE). @default 100000 */
  maxRange?: number;
  /** Deepest nesting of macro calls, and of the variables passed in. @default 100 */
  maxDepth?: number;
  /** Wall-clock backstop for one render, in milliseconds. @default 1000 */
  timeoutMs?: number;
}

export type ResolvedRenderLimits = Readonly<Required<RenderLimits>>;

export const DEFAULT_RENDER_LIMITS: ResolvedRenderLimits = Object.freeze({
  maxOperations: 1_000_000,
  maxOutputLength: 4 * 1024 * 1024,
  maxRange: 100_000,
  maxDepth: 100,
  timeoutMs: 1_000,
});

const LIMIT_NAMES = Object.keys(DEFAULT_RENDER_LIMITS) as (keyof RenderLimits)[];

/**
 * Fills in the defaults. Returns the problem with the first bad field instead of throwing, so the SDK and the
 * CLI can each report it in their own terms.
 */
export function resolveRenderLimits(limits: RenderLimits | undefined): ResolvedRenderLimits | string {
  if (limits === undefined) return DEFAULT_RENDER_LIMITS;
  if (limits === null || typeof limits !== "object" || Array.isArray(limits)) return "must be an object";
  for (const key of Object.keys(limits)) {
    if (!(LIMIT_NAMES as string[]).includes(key)) return `unknown field "${key}" (known: ${LIMIT_NAMES.join(", ")})`;
  }
  const resolved = { ...DEFAULT_RENDER_LIMITS };
  for (const name of LIMIT_NAMES) {
    const value = limits[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) return `${name} must be a positive integer`;
    resolved[name] = value;
  }
  return Object.freeze(resolved);
}
