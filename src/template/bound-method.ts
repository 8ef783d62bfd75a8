import type { RenderBudget } from "./budget.ts";

/** One of the Python methods of methods.ts, called with the value it was read from as `self`. */
export type Method = (self: never, args: unknown[], budget: RenderBudget) => unknown;

/**
 * A Python method read from a value (`name.upper`), called later (`name.upper()`) or passed around. Its fields
 * are private, so a template can neither read them nor make a look-alike.
 */
export class BoundMethod {
  readonly #name: string;
  readonly #self: unknown;
  readonly #method: Method;

  constructor(name: string, self: unknown, method: Method) {
    this.#name = name;
    this.#self = self;
    this.#method = method;
  }

  /** A brand check: true only for objects this class made, whatever their prototype says. */
  static is(value: unknown): value is BoundMethod {
    return typeof value === "object" && value !== null && #method in value;
  }

  invoke(args: unknown[], budget: RenderBudget, line: number | undefined): unknown {
    budget.chargeSize(this.#self, line);
    const result = this.#method(this.#self as never, args, budget);
    budget.chargeSize(result, line);
    budget.checkValue(result, `the result of ${this.#name}()`, line);
    return result;
  }

  toString(): string {
    return `<method ${this.#name}>`;
  }
}
