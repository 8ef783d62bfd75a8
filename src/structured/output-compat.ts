import { canonicalJson } from "../formats/canonical.ts";

/** Deepest nesting of required object fields compared; deeper changes are not judged. */
const MAX_DEPTH = 32;

/**
 * What in a new output schema breaks code that parses responses by the old one: a field the old schema required
 * that the new one no longer requires (or no longer has), or whose type changes. Followed into required object
 * fields and array items. Added fields, required or not, break nothing: the code ignores them.
 */
export function outputSchemaBreaks(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const walk = (was: unknown, now: unknown, path: string, depth: number): void => {
    if (!isRecord(was) || !isRecord(now) || depth > MAX_DEPTH) return;
    if (was.type !== undefined && now.type !== undefined && canonicalJson(was.type) !== canonicalJson(now.type)) {
      problems.push(`output field ${path || "(the response)"} changes type from ${canonicalJson(was.type)} to ${canonicalJson(now.type)}`);
      return;
    }
    if (was.items !== undefined) walk(was.items, now.items, `${path}[]`, depth + 1);
    const required = Array.isArray(was.required) ? was.required.filter((n): n is string => typeof n === "string") : [];
    const stillRequired = new Set(Array.isArray(now.required) ? now.required : []);
    const wasProperties = isRecord(was.properties) ? was.properties : {};
    const nowProperties = isRecord(now.properties) ? now.properties : {};
    for (const name of required) {
      const field = path ? `${path}.${name}` : name;
      if (!Object.hasOwn(nowProperties, name) && !stillRequired.has(name)) problems.push(`output field ${field} is removed`);
      else if (!stillRequired.has(name)) problems.push(`output field ${field} is no longer required`);
      else if (Object.hasOwn(wasProperties, name)) walk(wasProperties[name], nowProperties[name], field, depth + 1);
    }
  };
  walk(before, after, "", 0);
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
