import type { RenderBudget } from "./budget.ts";
import { renderFailure, unsafe } from "./fault.ts";
import { BoundMethod } from "./bound-method.ts";
import { isForbiddenMember } from "./forbidden-members.ts";
import { methodOf } from "./methods.ts";
import { SafeString } from "./safe-string.ts";

/**
 * What a template may read and call, decided while it renders (the model is Jinja2's ImmutableSandboxedEnvironment):
 * - a member read returns an object's own data only, or one of the Python methods in methods.ts; anything found
 *   through a prototype (`constructor`, `__proto__`, String's `repeat`, …) is refused;
 * - only functions PromptSync made can be called: macros, `caller`, the globals, and those methods;
 * - the app's variables are copied into plain data before the template sees them.
 */

const trusted = new WeakSet<object>();

/** Marks a function PromptSync made (a macro, a global, a joiner) as one templates may call. */
export function trustFunction<F extends (...args: never[]) => unknown>(fn: F): F {
  trusted.add(fn);
  return fn;
}

export function isTrustedFunction(value: unknown): value is (...args: unknown[]) => unknown {
  return typeof value === "function" && trusted.has(value);
}

/** `obj.key` and `obj[key]` in a template. */
export function member(obj: unknown, key: unknown, line?: number): unknown {
  if (obj === undefined || obj === null) return undefined;
  if (obj instanceof SafeString) obj = obj.val;
  if (key instanceof SafeString) key = key.val;
  if (typeof obj === "function" || BoundMethod.is(obj)) {
    throw unsafe(`members of a function are not accessible from templates`, line);
  }
  if (typeof key === "number") return indexed(obj, key);
  if (typeof key !== "string") {
    if (typeof key === "boolean" || key === null || key === undefined) return undefined;
    throw renderFailure(`a ${Array.isArray(key) ? "list" : typeof key} cannot be used as a key`, line);
  }
  if (isForbiddenMember(key)) throw unsafe(`"${key}" is not accessible from templates (it would reach JavaScript internals)`, line);
  const method = methodOf(obj, key, line);
  if (method) return new BoundMethod(key, obj, method);
  if (Object.hasOwn(obj as object, key)) return (obj as Record<string, unknown>)[key];
  if (key in Object(obj)) {
    throw unsafe(`"${key}" is not accessible from templates: only a value's own data and the Python methods PromptSync provides are`, line);
  }
  return undefined;
}

/** Python's indexing: negative numbers count from the end of a string or list. */
function indexed(obj: unknown, index: number): unknown {
  if (typeof obj === "string" || Array.isArray(obj)) {
    if (!Number.isInteger(index)) return undefined;
    return obj[index < 0 ? index + obj.length : index];
  }
  return Object.hasOwn(obj as object, index) ? (obj as Record<number, unknown>)[index] : undefined;
}

/** Jinja's `attribute=` argument: a dotted path of members, each read through `member`. */
export function attributeGetter(attribute: unknown, line?: number): (item: unknown) => unknown {
  if (typeof attribute === "number") return (item) => member(item, attribute, line);
  if (typeof attribute !== "string") throw renderFailure(`attribute must be a string, not ${typeof attribute}`, line);
  const path = attribute.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return (item) => path.reduce<unknown>((value, part) => member(value, part, line), item);
}

/**
 * The app's variables as templates see them: the data JSON.stringify would see (own enumerable properties; a
 * getter is read once here, by this copy, never by the template), plus Date → ISO string, Map → object,
 * Set → list, boxed primitives → primitives. Functions and symbols are left out. The copy is what the template
 * reads, so it can neither reach the app's code nor change the app's objects.
 */
export function toTemplateData(values: Record<string, unknown>, budget: RenderBudget): Record<string, unknown> {
  const copy: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(values)) copy[key] = dataOf(values[key], budget, 1);
  return copy;
}

function dataOf(value: unknown, budget: RenderBudget, depth: number): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return value;
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  if (depth > budget.limits.maxDepth) {
    throw budget.fault("maxDepth", `the variables are nested deeper than ${budget.limits.maxDepth} levels (a cycle?)`);
  }
  budget.charge(1);
  const next = depth + 1;
  if (Array.isArray(value)) return Array.from(value, (item) => dataOf(item, budget, next));
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof String || value instanceof Number || value instanceof Boolean) return value.valueOf();
  if (value instanceof Set) return Array.from(value, (item) => dataOf(item, budget, next));
  const copy: Record<string, unknown> = {};
  const entries = value instanceof Map ? [...value].filter(([k]) => typeof k === "string" || typeof k === "number") : Object.entries(value as object);
  for (const [key, item] of entries) {
    const data = dataOf(item, budget, next);
    if (data === undefined && (typeof item === "function" || typeof item === "symbol")) continue;
    Object.defineProperty(copy, key, { value: data, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
