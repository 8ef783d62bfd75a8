import { isKeywordArgs } from "./arguments.ts";
import { activeBudget } from "./budget.ts";
import { renderFailure, unsafe, typeOf } from "./fault.ts";
import { isForbiddenMember } from "./forbidden-members.ts";

/**
 * Jinja2's `namespace()`: the one value a template may change, so that state can outlive a loop iteration
 * (`{% set ns.count = ns.count + 1 %}`). Plain data: its attributes are own data properties, read like a dict's
 * keys by the guard (no methods), set only by `{% set ns.name = … %}` through `assignAttribute`.
 */
export class Namespace {
  /** A brand check: true only for objects this class made, whatever their prototype says. */
  static is(value: unknown): value is Namespace {
    return typeof value === "object" && value !== null && #brand in value;
  }

  readonly #brand = true;
}

/**
 * Attribute names a namespace refuses: the guard's forbidden names, Object.prototype's (`toString`, `valueOf`, …,
 * which JavaScript would call on its own) and dunder names.
 */
function refusedName(key: string): boolean {
  return isForbiddenMember(key) || key in Object.prototype || key.startsWith("__");
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `namespace(d, key=value, …)` (globals.ts makes it callable): the attributes of the dicts given, then the keywords, as Jinja2's dict() does. */
export function namespace(...args: unknown[]): Namespace {
  const ns = new Namespace();
  const last = args.at(-1);
  const positional = isKeywordArgs(last) ? args.slice(0, -1) : args;
  if (positional.length > 1) throw renderFailure(`namespace() takes at most one positional argument, not ${positional.length}`);
  const sources: object[] = [];
  const [first] = positional;
  if (first !== undefined && first !== null) {
    if (typeof first !== "object" || Array.isArray(first) || Namespace.is(first)) throw renderFailure(`namespace() takes a dict, not ${typeOf(first)}`);
    sources.push(first);
  }
  if (isKeywordArgs(last)) sources.push(last);
  for (const source of sources) {
    const keys = Object.keys(source).filter((key) => key !== "__keywords");
    activeBudget().charge(1 + keys.length);
    for (const key of keys) {
      // A dict's key can be megabytes long: the message shows its start.
      if (refusedName(key)) throw unsafe(`"${key.length > 60 ? `${key.slice(0, 60)}…` : key}" cannot be a namespace attribute`);
      define(ns, key, (source as Record<string, unknown>)[key]);
    }
  }
  return ns;
}

/** `{% set target.key = value %}`: only on a namespace, as in Jinja2. */
export function assignAttribute(target: unknown, key: string, value: unknown, line: number): void {
  if (!Namespace.is(target)) throw renderFailure(`cannot assign attribute on non-namespace object (${typeOf(target)})`, line);
  if (refusedName(key)) throw unsafe(`"${key}" cannot be a namespace attribute`, line);
  activeBudget().charge(1, line);
  define(target, key, value);
}
