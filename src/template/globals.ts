import { activeBudget } from "./budget.ts";
import { renderFailure } from "./fault.ts";
import { trustFunction } from "./guard.ts";
import { Cycler } from "./loop.ts";
import { namespace } from "./namespace.ts";
import { plainNumber, shown, textOf } from "./text.ts";

/** An argument of range(): a number, or what Number() reads as one from a primitive; never a list read as text. */
function integer(value: unknown, what: string): number {
  const n = plainNumber(value);
  if (!Number.isInteger(n)) throw renderFailure(`range() takes integers; ${what} is ${shown(value)}`);
  return n;
}

/** Python's range(), refused before it is made when it would have more than maxRange items. */
function range(...args: unknown[]): number[] {
  const budget = activeBudget();
  if (args.length === 0 || args.length > 3) throw renderFailure("range() takes 1 to 3 arguments");
  const [start, stop, step] =
    args.length === 1 ? [0, integer(args[0], "stop"), 1] : [integer(args[0], "start"), integer(args[1], "stop"), args.length === 3 ? integer(args[2], "step") : 1];
  if (step === 0) throw renderFailure("range() step must not be zero");
  const count = Math.max(0, Math.ceil((stop - start) / step));
  budget.checkRange(count, `range(${args.length === 1 ? stop : args.length === 2 ? `${start}, ${stop}` : `${start}, ${stop}, ${step}`})`);
  budget.charge(count);
  const items = new Array<number>(count);
  for (let i = 0; i < count; i++) items[i] = start + i * step;
  return items;
}

function cycler(...items: unknown[]): Cycler {
  return new Cycler(items);
}

function joiner(sep: unknown = ", "): () => string {
  let first = true;
  // Python's str(): a list is its repr, written within the budget.
  const separator = textOf(sep);
  return trustFunction(() => {
    if (first) {
      first = false;
      return "";
    }
    return separator;
  });
}

/** The functions every template can call by name (Jinja2's defaults that prompts use). */
export const templateGlobals: Readonly<Record<string, unknown>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, unknown>, {
    range: trustFunction(range),
    cycler: trustFunction(cycler),
    joiner: trustFunction(joiner),
    namespace: trustFunction(namespace),
  }),
);
