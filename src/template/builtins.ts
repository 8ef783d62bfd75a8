import nunjucks from "nunjucks";
import { activeBudget } from "./budget.ts";
import { renderFailure, typeOf, unsafe } from "./fault.ts";
import { jinjaFilters } from "./filters.ts";
import { BoundMethod } from "./bound-method.ts";
import { listFilters } from "./list-filters.ts";
import { SafeString } from "./safe-string.ts";
import { clipText } from "./text.ts";

/**
 * The filters and tests templates may use, each wrapped so that it is counted against the render budget, never
 * receives a function, and never returns a string over the budget's length. Looked up as own properties only:
 * nunjucks' environment looks names up on plain objects, where `|constructor` finds Object.
 */

type TemplateFunction = (this: unknown, ...args: unknown[]) => unknown;

const stock = new nunjucks.Environment([], { autoescape: false }) as unknown as {
  filters: Record<string, TemplateFunction>;
  tests: Record<string, TemplateFunction>;
};

function guardFilter(name: string, filter: TemplateFunction): TemplateFunction {
  return function (this: unknown, ...args: unknown[]) {
    const budget = activeBudget();
    budget.chargeSize(args[0]);
    for (const arg of args) {
      if (typeof arg === "function" || BoundMethod.is(arg)) throw unsafe(`a function cannot be passed to the ${name} filter`, budget.line);
    }
    const result = filter.apply(this, args);
    budget.chargeSize(result);
    budget.checkValue(result, `the result of the ${name} filter`);
    return result;
  };
}

/** Tests that compare or do arithmetic: JavaScript would turn a list into text for them. */
const NUMERIC_TESTS = new Set(["divisibleby", "even", "odd", "ge", "gt", "greaterthan", "le", "lt", "lessthan"]);

function guardTest(name: string, test: TemplateFunction): TemplateFunction {
  return function (this: unknown, ...args: unknown[]) {
    activeBudget().charge(1);
    if (NUMERIC_TESTS.has(name) && args.some((arg) => (arg !== null && typeof arg === "object") || typeof arg === "function")) return false;
    return test.apply(this, args);
  };
}

function table(entries: [string, TemplateFunction][]): Readonly<Record<string, TemplateFunction>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, TemplateFunction>, Object.fromEntries(entries)));
}

const filters = table(
  Object.entries({ ...stock.filters, ...(jinjaFilters as Record<string, TemplateFunction>), ...(listFilters as Record<string, TemplateFunction>) }).map(
    ([name, filter]) => [name, guardFilter(name, filter)],
  ),
);

const tests = table(Object.entries(stock.tests).map(([name, test]) => [name, guardTest(name, test)]));

export const filterNames: ReadonlySet<string> = new Set(Object.keys(filters));
export const testNames: ReadonlySet<string> = new Set(Object.keys(tests));

export function filterNamed(name: string, line?: number): TemplateFunction {
  const filter = filters[name];
  if (!filter) throw unsafe(`unknown filter "${clipText(name)}"`, line);
  return filter;
}

export function testNamed(name: string, line?: number): TemplateFunction {
  const test = tests[name];
  if (!test) throw unsafe(`unknown test "${clipText(name)}"`, line);
  return test;
}

/**
 * A filter or test named by a template value (`select(name)`, `map(name)`): text only. Anything else would be
 * turned into a string to be looked up, a list of large lists joined whole.
 */
function nameOf(name: unknown, what: string): string {
  const text = name instanceof SafeString ? name.val : name;
  if (typeof text !== "string") throw renderFailure(`a ${what} is named by a string, not ${typeOf(name)}`, activeBudget().line);
  return text;
}

/** What filters see as `this.env`: the same guarded tables. */
export const templateEnvironment = Object.freeze({
  opts: Object.freeze({ autoescape: false }),
  getFilter: (name: unknown) => filterNamed(nameOf(name, "filter")),
  getTest: (name: unknown) => testNamed(nameOf(name, "test")),
});
