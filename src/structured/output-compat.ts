import { canonicalJson } from "../formats/canonical.ts";

/** Deepest nesting of required object fields compared; deeper changes are not judged. */
const MAX_DEPTH = 32;
/** Schema nodes compared and problems listed at most: a registry's schema is hostile input, and each problem repeats its path. */
const MAX_STEPS = 10_000;
const MAX_PROBLEMS = 50;

/**
 * What in a new output schema breaks code that parses responses by the old one: a field the old schema required
 * that the new one no longer requires (or no longer has), or whose type changes. Followed into required object
 * fields and array items. Added fields, required or not, break nothing: the code ignores them.
 */
export function outputSchemaBreaks(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const problems: string[] = [];
  let steps = 0;
  let stopped = false;
  const report = (problem: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
    else stopped = true;
  };
  const walk = (was: unknown, now: unknown, path: string, depth: number): void => {
    if (!isRecord(was) || !isRecord(now) || depth > MAX_DEPTH || stopped) return;
    if (++steps > MAX_STEPS) {
      stopped = true;
      return;
    }
    if (was.type !== undefined && now.type !== undefined && canonicalJson(was.type) !== canonicalJson(now.type)) {
      report(`output field ${path || "(the response)"} changes type from ${canonicalJson(was.type)} to ${canonicalJson(now.type)}`);
      return;
    }
    if (was.items !== undefined) walk(was.items, now.items, `${path}[]`, depth + 1);
    // A name listed twice is walked once: duplicates at every level made the walk exponential.
    const required = new Set(Array.isArray(was.required) ? was.required.filter((n): n is string => typeof n === "string") : []);
    const stillRequired = new Set(Array.isArray(now.required) ? now.required : []);
    const wasProperties = isRecord(was.properties) ? was.properties : {};
    const nowProperties = isRecord(now.properties) ? now.properties : {};
    for (const name of required) {
      const field = path ? `${path}.${name}` : name;
      if (!Object.hasOwn(nowProperties, name) && !stillRequired.has(name)) report(`output field ${field} is removed`);
      else if (!stillRequired.has(name)) report(`output field ${field} is no longer required`);
      else if (Object.hasOwn(wasProperties, name)) walk(wasProperties[name], nowProperties[name], field, depth + 1);
    }
  };
  walk(before, after, "", 0);
  if (stopped) problems.push(`output schemas compared only in part (past ${MAX_PROBLEMS} problems or ${MAX_STEPS} fields): check the rest by hand`);
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
