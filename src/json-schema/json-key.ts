import type { CheckBudget } from "./check-budget.ts";
import { jsonValue, kindOf, membersOf } from "./json-view.ts";

/** The deepest value enum, const and uniqueItems compare (a deeper one is reported: it may be a cycle). */
export const MAX_VALUE_DEPTH = 100;

export class ValueTooDeep extends Error {}

/**
 * A string that is equal for two values exactly when JSON Schema calls them equal: object keys in any order,
 * 1 and 1.0 the same number. enum, const and uniqueItems compare these, so a check is linear in the values' size.
 */
export function jsonKey(raw: unknown, budget: CheckBudget, depth = 0): string {
  if (depth > MAX_VALUE_DEPTH) throw new ValueTooDeep();
  const value = jsonValue(raw);
  budget.charge(1);
  switch (kindOf(value)) {
    case "null":
      return "n";
    case "boolean":
      return value ? "t" : "f";
    case "number":
      return `d${String(value)}`;
    case "string":
      budget.charge((value as string).length >> 6);
      return JSON.stringify(value);
    case "array":
      return `[${Array.from(value as unknown[], (item) => jsonKey(item, budget, depth + 1)).join(",")}]`;
    case "object": {
      const members = membersOf(value as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${members.map(([key, item]) => `${JSON.stringify(key)}:${jsonKey(item, budget, depth + 1)}`).join(",")}}`;
    }
  }
}
