import type { SchemaProblem } from "./schema-problems.ts";

/**
 * The JSON Schema keywords OpenAI's strict mode (structured outputs, strict function calling) accepts; a schema
 * marked `strict: true` may use only these. docs/prompt-format.md#tools lists them with the rules below.
 */
export const STRICT_KEYWORDS: ReadonlySet<string> = new Set([
  "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "$ref", "$defs",
  "definitions", "description", "title", "pattern", "format", "multipleOf", "minimum", "maximum", "exclusiveMinimum",
  "exclusiveMaximum", "minItems", "maxItems",
]);
export const STRICT_FORMATS: ReadonlySet<string> = new Set(["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"]);
const STRICT_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
/** OpenAI's limits for one strict schema. */
export const STRICT_LIMITS = { objectNesting: 10, properties: 5000, enumValues: 1000 } as const;
/** Deepest nesting walked at all (beyond it the schema is refused rather than walked). */
const MAX_DEPTH = 64;

type Path = (string | number)[];

/**
 * Everything in a `strict: true` schema that OpenAI's strict mode would refuse, with where it is. The caller has
 * checked that the schema is an object schema (`type: object` at the top, as strict mode needs).
 */
export function strictSubsetProblems(schema: Record<string, unknown>): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const totals = { properties: 0, enumValues: 0 };
  const walk = (node: unknown, path: Path, depth: number, objectDepth: number): void => {
    if (depth > MAX_DEPTH) {
      problems.push({ path, message: `is nested deeper than ${MAX_DEPTH} levels` });
      return;
    }
    if (!isRecord(node)) {
      problems.push({ path, message: "strict mode needs every subschema to be an object (not true/false)" });
      return;
    }
    for (const key of Object.keys(node)) {
      if (!STRICT_KEYWORDS.has(key)) problems.push({ path: [...path, key], message: `"${key}" is not supported in strict mode` });
    }
    const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
    for (const type of types) {
      if (typeof type !== "string" || !STRICT_TYPES.has(type)) problems.push({ path: [...path, "type"], message: `type ${JSON.stringify(type)} is not supported in strict mode` });
    }
    if (typeof node.format === "string" && !STRICT_FORMATS.has(node.format)) {
      problems.push({ path: [...path, "format"], message: `format "${node.format}" is not supported in strict mode (${[...STRICT_FORMATS].join(", ")})` });
    }
    if (Array.isArray(node.enum)) totals.enumValues += node.enum.length;
    const isObject = types.includes("object") || node.properties !== undefined;
    let nextObjectDepth = objectDepth;
    if (isObject) {
      nextObjectDepth = objectDepth + 1;
      if (nextObjectDepth === STRICT_LIMITS.objectNesting + 1) {
        problems.push({ path, message: `objects are nested more than ${STRICT_LIMITS.objectNesting} levels deep (strict mode's limit)` });
      }
      if (node.additionalProperties !== false) problems.push({ path, message: "strict mode needs `additionalProperties: false` on every object" });
      const properties = isRecord(node.properties) ? Object.keys(node.properties) : [];
      totals.properties += properties.length;
      const required = new Set(Array.isArray(node.required) ? node.required : []);
      const optional = properties.filter((name) => !required.has(name));
      if (optional.length > 0) {
        problems.push({ path, message: `strict mode needs every property in \`required\`; missing: ${optional.join(", ")} (make a field optional with type: [<type>, "null"])` });
      }
    }
    for (const key of ["properties", "$defs", "definitions"]) {
      const map = node[key];
      if (isRecord(map)) for (const [name, sub] of Object.entries(map)) walk(sub, [...path, key, name], depth + 1, nextObjectDepth);
    }
    if (node.items !== undefined) walk(node.items, [...path, "items"], depth + 1, nextObjectDepth);
    if (Array.isArray(node.anyOf)) node.anyOf.forEach((sub, i) => walk(sub, [...path, "anyOf", i], depth + 1, nextObjectDepth));
  };
  walk(schema, [], 0, 0);
  if (totals.properties > STRICT_LIMITS.properties) problems.push({ path: [], message: `has ${totals.properties} properties; strict mode allows ${STRICT_LIMITS.properties}` });
  if (totals.enumValues > STRICT_LIMITS.enumValues) problems.push({ path: [], message: `has ${totals.enumValues} enum values; strict mode allows ${STRICT_LIMITS.enumValues}` });
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
