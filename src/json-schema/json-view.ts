/**
 * The app's variables as JSON Schema sees them: the data JSON.stringify would see, read the way the template's
 * copy reads it (src/template/guard.ts): own enumerable properties, Date as its ISO string, Map as an object,
 * Set as an array, boxed primitives as primitives. A property that is undefined, a function or a symbol is absent;
 * such an item of an array is null.
 */
export type JsonKind = "null" | "boolean" | "number" | "string" | "array" | "object";

export function jsonValue(value: unknown): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return value;
    case "bigint":
      return Number(value);
    case "object":
      break;
    default:
      return null;
  }
  if (value === null || Array.isArray(value) || value instanceof Map) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof String || value instanceof Number || value instanceof Boolean) return value.valueOf();
  if (value instanceof Set) return Array.from(value);
  return value;
}

/** The kind of a value jsonValue returned. */
export function kindOf(value: unknown): JsonKind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  const type = typeof value;
  return type === "object" ? "object" : (type as JsonKind);
}

export function isAbsent(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}

/** The present members of an object (or Map) jsonValue returned, in order. */
export function membersOf(value: object): [string, unknown][] {
  const members: [string, unknown][] = [];
  if (value instanceof Map) {
    for (const [key, item] of value) {
      if ((typeof key === "string" || typeof key === "number") && !isAbsent(item)) members.push([String(key), item]);
    }
    return members;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (!isAbsent(item)) members.push([key, item]);
  }
  return members;
}
