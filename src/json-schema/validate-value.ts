import { BudgetExhausted, CheckBudget } from "./check-budget.ts";
import { jsonKey, MAX_VALUE_DEPTH, ValueTooDeep } from "./json-key.ts";
import { jsonValue, kindOf, membersOf, type JsonKind } from "./json-view.ts";
import { patternMatches } from "./pattern.ts";
import type { SchemaNode, SchemaType } from "./schema-node.ts";

/** One way a value breaks its schema: where (variable, then keys and indexes), the keyword, and what it needs. */
export interface Violation {
  path: readonly (string | number)[];
  rule: string;
  message: string;
}

export interface ValidationResult {
  violations: Violation[];
  /** More violations were found than are listed. */
  truncated: boolean;
}

export const MAX_VIOLATIONS = 20;
/** Nested subschema applications (in place and into values): the JavaScript stack stays small. */
const MAX_CHECK_DEPTH = 500;

/** A place inside the variables: the chain of keys and indexes from the variable, and how deep it is. */
type PathLink = { parent: PathLink; key: string | number; depth: number } | undefined;

function child(at: PathLink, key: string | number): PathLink {
  return { parent: at, key, depth: (at?.depth ?? 0) + 1 };
}

function pathOf(link: PathLink): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at = link; at; at = at.parent) path.push(at.key);
  return path.reverse();
}

class StopChecking extends Error {}

class SchemaTooDeep extends Error {}

/**
 * Checks a value against a compiled schema: the variables passed to format() against `inputs`, or a parsed response
 * against the output schema (`schemaName`, for messages). Every violation is listed, up to MAX_VIOLATIONS; the whole
 * check is bounded by a CheckBudget.
 */
export function validateValue(root: SchemaNode, value: unknown, schemaName: "inputs schema" | "output schema"): ValidationResult {
  const checker = new Checker(new CheckBudget());
  try {
    checker.check(root, value, undefined, true, 0);
  } catch (error) {
    if (error instanceof StopChecking) return { violations: checker.violations, truncated: true };
    if (error instanceof BudgetExhausted) checker.add(checker.current, "budget", `is too large to check against the ${schemaName} (the check went over its budget)`);
    else if (error instanceof ValueTooDeep) checker.add(checker.current, "depth", `is nested deeper than ${MAX_VALUE_DEPTH} levels (a cycle?)`);
    else if (error instanceof SchemaTooDeep) checker.add(checker.current, "depth", `needs more than ${MAX_CHECK_DEPTH} nested schema checks`);
    else throw error;
  }
  return { violations: checker.violations, truncated: false };
}

/** What a value is called in messages: integer when it is a whole number, for `must be integer, got number`. */
function kindName(value: unknown, kind: JsonKind): string {
  return kind === "number" && Number.isInteger(value) ? "integer" : kind;
}

function typeFits(types: readonly SchemaType[], kind: JsonKind, value: unknown): boolean {
  for (const type of types) {
    if (type === kind || (type === "integer" && kind === "number" && Number.isInteger(value))) return true;
  }
  return false;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

function isMultiple(value: number, divisor: number): boolean {
  const quotient = value / divisor;
  // Decimal divisors are inexact in binary (0.3 / 0.1 is 2.9999999999999996): a relative tolerance, as ajv's multipleOfPrecision.
  return Number.isFinite(quotient) && Math.abs(quotient - Math.round(quotient)) <= 1e-9 * Math.max(1, Math.abs(quotient));
}

class Checker {
  readonly violations: Violation[] = [];
  /** The value being checked, for a budget or depth failure. */
  current: PathLink;
  private readonly budget: CheckBudget;

  constructor(budget: CheckBudget) {
    this.budget = budget;
  }

  add(at: PathLink, rule: string, message: string): void {
    if (this.violations.length >= MAX_VIOLATIONS) throw new StopChecking();
    this.violations.push({ path: pathOf(at), rule, message });
  }

  /** Whether `raw` is valid; when `collect`, every violation is added instead of stopping at the first. */
  check(node: SchemaNode, raw: unknown, at: PathLink, collect: boolean, depth: number): boolean {
    this.budget.charge(1);
    this.current = at;
    if (depth > MAX_CHECK_DEPTH) throw new SchemaTooDeep();
    if (at && at.depth > MAX_VALUE_DEPTH) throw new ValueTooDeep();
    if (node.always !== undefined) {
      if (!node.always && collect) this.add(at, "false", "is not allowed (its schema is false)");
      return node.always;
    }
    let ok = true;
    /** Records a violation; true when the caller should stop (only asking whether the value is valid). */
    const fail = (rule: string, message: string, where: PathLink = at): boolean => {
      ok = false;
      if (collect) this.add(where, rule, message);
      return !collect;
    };
    const value = jsonValue(raw);
    const kind = kindOf(value);
    if (node.types && !typeFits(node.types, kind, value)) {
      fail("type", `must be ${node.types.join(" or ")}, got ${kindName(value, kind)}`);
      return false;
    }
    if (node.enumKeys && !node.enumKeys.has(jsonKey(value, this.budget))) {
      const listed = node.enumValues!.slice(0, 10).map(shown).join(", ");
      if (fail("enum", `must be one of ${listed}${node.enumValues!.length > 10 ? ", ..." : ""}`)) return false;
    }
    if (node.constKey !== undefined && jsonKey(value, this.budget) !== node.constKey) {
      if (fail("const", `must be ${shown(node.constValue)}`)) return false;
    }
    // Each returns false when the value is invalid and the check stops, or when a member is invalid.
    const fits =
      kind === "string" ? this.checkString(node, value as string, fail)
      : kind === "number" ? this.checkNumber(node, value as number, fail)
      : kind === "array" ? this.checkArray(node, value as unknown[], at, collect, depth, fail)
      : kind === "object" ? this.checkObject(node, value as object, at, collect, depth, fail)
      : true;
    if (!fits) {
      ok = false;
      if (!collect) return false;
    }

    const next = depth + 1;
    if (node.ref && !this.check(node.ref, raw, at, collect, next)) {
      ok = false;
      if (!collect) return false;
    }
    for (const sub of node.allOf ?? []) {
      if (!this.check(sub, raw, at, collect, next)) {
        ok = false;
        if (!collect) return false;
      }
    }
    if (node.anyOf && !node.anyOf.some((sub) => this.check(sub, raw, at, false, next))) {
      if (fail("anyOf", "must match at least one of the anyOf schemas")) return false;
    }
    if (node.oneOf) {
      let matched = 0;
      for (const sub of node.oneOf) if (this.check(sub, raw, at, false, next)) matched++;
      if (matched !== 1 && fail("oneOf", `must match exactly one of the oneOf schemas, matches ${matched}`)) return false;
    }
    if (node.not && this.check(node.not, raw, at, false, next)) {
      if (fail("not", "must not match the schema under not")) return false;
    }
    if (node.if) {
      const branch = this.check(node.if, raw, at, false, next) ? node.then : node.else;
      if (branch && !this.check(branch, raw, at, collect, next)) {
        ok = false;
        if (!collect) return false;
      }
    }
    return ok;
  }

  private checkString(node: SchemaNode, text: string, fail: (rule: string, message: string) => boolean): boolean {
    if (node.minLength !== undefined || node.maxLength !== undefined) {
      this.budget.charge(text.length >> 6);
      const length = codePointLength(text);
      if (node.minLength !== undefined && length < node.minLength && fail("minLength", `must be at least ${node.minLength} characters long`)) return false;
      if (node.maxLength !== undefined && length > node.maxLength && fail("maxLength", `must be at most ${node.maxLength} characters long`)) return false;
    }
    if (node.pattern && !patternMatches(node.pattern, text, this.budget)) {
      const source = node.pattern.source;
      if (fail("pattern", `must match the pattern "${source.length > 60 ? `${source.slice(0, 57)}...` : source}"`)) return false;
    }
    return true;
  }

  private checkNumber(node: SchemaNode, n: number, fail: (rule: string, message: string) => boolean): boolean {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = node;
    // `!(n >= minimum)` rather than `n < minimum`: NaN fits no bound.
    if (minimum !== undefined && !(n >= minimum) && fail("minimum", `must be >= ${minimum}`)) return false;
    if (maximum !== undefined && !(n <= maximum) && fail("maximum", `must be <= ${maximum}`)) return false;
    if (exclusiveMinimum !== undefined && !(n > exclusiveMinimum) && fail("exclusiveMinimum", `must be > ${exclusiveMinimum}`)) return false;
    if (exclusiveMaximum !== undefined && !(n < exclusiveMaximum) && fail("exclusiveMaximum", `must be < ${exclusiveMaximum}`)) return false;
    if (multipleOf !== undefined && !isMultiple(n, multipleOf) && fail("multipleOf", `must be a multiple of ${multipleOf}`)) return false;
    return true;
  }

  private checkArray(
    node: SchemaNode,
    items: unknown[],
    at: PathLink,
    collect: boolean,
    depth: number,
    fail: (rule: string, message: string) => boolean,
  ): boolean {
    const count = items.length;
    if (node.minItems !== undefined && count < node.minItems && fail("minItems", `must have at least ${node.minItems} items`)) return false;
    if (node.maxItems !== undefined && count > node.maxItems && fail("maxItems", `must have at most ${node.maxItems} items`)) return false;
    let ok = true;
    const prefix = node.prefixItems ?? [];
    const checkedItems = node.items ? count : Math.min(prefix.length, count);
    for (let i = 0; i < checkedItems; i++) {
      const schema = i < prefix.length ? prefix[i]! : node.items!;
      if (!this.check(schema, items[i], child(at, i), collect, depth + 1)) {
        ok = false;
        if (!collect) return false;
      }
    }
    if (node.contains) {
      let matched = 0;
      for (let i = 0; i < count; i++) if (this.check(node.contains, items[i], child(at, i), false, depth + 1)) matched++;
      const min = node.minContains ?? 1;
      if (matched < min && fail("contains", `must contain at least ${min} item${min === 1 ? "" : "s"} matching the contains schema, has ${matched}`)) return false;
      if (node.maxContains !== undefined && matched > node.maxContains) {
        if (fail("maxContains", `must contain at most ${node.maxContains} items matching the contains schema, has ${matched}`)) return false;
      }
    }
    if (node.uniqueItems) {
      const seen = new Map<string, number>();
      for (let i = 0; i < count; i++) {
        const key = jsonKey(items[i], this.budget);
        const first = seen.get(key);
        if (first !== undefined) {
          if (fail("uniqueItems", `must not have duplicate items (items ${first} and ${i} are equal)`)) return false;
          break;
        }
        seen.set(key, i);
      }
    }
    return ok;
  }

  private checkObject(
    node: SchemaNode,
    object: object,
    at: PathLink,
    collect: boolean,
    depth: number,
    fail: (rule: string, message: string, where?: PathLink) => boolean,
  ): boolean {
    const members = membersOf(object);
    this.budget.charge(members.length);
    const present = node.required || node.dependentRequired ? new Set(members.map(([key]) => key)) : undefined;
    this.budget.charge(node.required?.length ?? 0);
    for (const name of node.required ?? []) {
      if (!present!.has(name) && fail("required", "is required", child(at, name))) return false;
    }
    if (node.minProperties !== undefined && members.length < node.minProperties) {
      if (fail("minProperties", `must have at least ${node.minProperties} properties`)) return false;
    }
    if (node.maxProperties !== undefined && members.length > node.maxProperties) {
      if (fail("maxProperties", `must have at most ${node.maxProperties} properties`)) return false;
    }
    this.budget.charge(node.dependentRequired?.size ?? 0);
    for (const [name, needed] of node.dependentRequired ?? []) {
      if (!present!.has(name)) continue;
      this.budget.charge(needed.length);
      for (const other of needed) {
        if (!present!.has(other) && fail("dependentRequired", `is required when ${shown(name)} is given`, child(at, other))) return false;
      }
    }
    let ok = true;
    /** Checks a member; true when the check stops there. */
    const stops = (schema: SchemaNode, value: unknown, where: PathLink): boolean => {
      if (this.check(schema, value, where, collect, depth + 1)) return false;
      ok = false;
      return !collect;
    };
    for (const [name, value] of members) {
      const where = child(at, name);
      if (node.propertyNames && !this.check(node.propertyNames, name, where, false, depth + 1)) {
        if (fail("propertyNames", "is not an allowed property name", where)) return false;
      }
      let declared = false;
      const property = node.properties?.get(name);
      if (property) {
        declared = true;
        if (stops(property, value, where)) return false;
      }
      for (const { pattern, schema } of node.patternProperties ?? []) {
        if (!patternMatches(pattern, name, this.budget)) continue;
        declared = true;
        if (stops(schema, value, where)) return false;
      }
      if (!declared && node.additionalProperties) {
        if (node.additionalProperties.always === false) {
          if (fail("additionalProperties", "is not allowed: the inputs schema does not declare it", where)) return false;
        } else if (stops(node.additionalProperties, value, where)) {
          return false;
        }
      }
    }
    return ok;
  }
}
