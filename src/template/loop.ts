import { renderFailure } from "./fault.ts";

/** `loop` inside a for: Jinja2's loop variables, and `loop.cycle(…)`, which nunjucks lacks. */
export class LoopContext {
  index = 1;
  index0 = 0;
  revindex = 0;
  revindex0 = 0;
  first = true;
  last = false;
  length = 0;

  at(index0: number, length: number): this {
    this.index0 = index0;
    this.index = index0 + 1;
    this.revindex = length - index0;
    this.revindex0 = length - index0 - 1;
    this.first = index0 === 0;
    this.last = index0 === length - 1;
    this.length = length;
    return this;
  }

  /** A brand check, so a template dict cannot pass for a loop by its prototype. */
  static is(value: unknown): value is LoopContext {
    return typeof value === "object" && value !== null && #brand in value;
  }

  readonly #brand = true;

  cycle(values: unknown[]): unknown {
    if (values.length === 0) throw renderFailure("loop.cycle() needs at least one value");
    return values[this.index0 % values.length];
  }
}

/** `cycler(…)`: `next()`, `reset()`, and `current`, the item the next call returns (Jinja2's semantics). */
export class Cycler {
  current: unknown;
  // Private fields are not own properties, so templates cannot read them.
  #position = 0;
  readonly #items: readonly unknown[];

  constructor(items: readonly unknown[]) {
    this.#items = items;
    this.current = items[0];
  }

  static is(value: unknown): value is Cycler {
    return typeof value === "object" && value !== null && #items in value;
  }

  next(): unknown {
    const item = this.current;
    this.#position = (this.#position + 1) % Math.max(1, this.#items.length);
    this.current = this.#items[this.#position];
    return item;
  }

  reset(): null {
    this.#position = 0;
    this.current = this.#items[0];
    return null;
  }
}
