/**
 * What one check of a value against a schema may spend: one unit per value visited and per subschema applied, and
 * one per thread per character in a pattern search. Bounds the time of a check whatever the schema (a `$ref` graph
 * that fans out, a pattern run on a long string, `uniqueItems` on a long list).
 */
export const CHECK_BUDGET = 5_000_000;

export class BudgetExhausted extends Error {}

export class CheckBudget {
  private remaining: number;

  constructor(units = CHECK_BUDGET) {
    this.remaining = units;
  }

  charge(units: number): void {
    this.remaining -= units;
    if (this.remaining < 0) throw new BudgetExhausted();
  }
}
