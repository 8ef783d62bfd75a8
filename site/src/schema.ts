// Readable rows of a JSON Schema and of a model/config object, for the prompt page's tables. Pure functions of the
// data: the pages print what they return through Astro's escaping, never as markup.

export interface SchemaField {
  /** Dotted path: `meta.id`, `items[].name`. */
  path: string;
  type: string;
  required: boolean;
  description: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function typeOf(schema: Json): string {
  const type = Array.isArray(schema.type) ? schema.type.map(String).join(" | ") : typeof schema.type === "string" ? schema.type : "";
  const enumeration = Array.isArray(schema.enum) ? `one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}` : "";
  const items = type === "array" && isObject(schema.items) && typeof schema.items.type === "string" ? `array of ${schema.items.type}` : "";
  const ref = typeof schema.$ref === "string" ? `→ ${schema.$ref}` : "";
  const union = ["anyOf", "oneOf", "allOf"].find((k) => Array.isArray(schema[k]));
  return [items || type, enumeration, ref, union ? `${union} (${(schema[union] as unknown[]).length})` : ""].filter(Boolean).join(", ") || "any";
}

/** Every property of an object schema, nested ones under their parent's path, at most `depth` levels down. */
export function schemaFields(schema: unknown, prefix = "", depth = 6): SchemaField[] {
  if (!isObject(schema) || depth === 0) return [];
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const out: SchemaField[] = [];
  for (const [name, child] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const field = isObject(child) ? child : {};
    out.push({ path, type: typeOf(field), required: required.has(name), description: typeof field.description === "string" ? field.description : "" });
    out.push(...schemaFields(field, path, depth - 1));
    if (isObject(field.items)) out.push(...schemaFields(field.items, `${path}[]`, depth - 1));
  }
  return out;
}

/** A model or config value as key/value rows: nested objects flattened to dotted keys, other values as JSON. */
export function settingRows(value: unknown, prefix = ""): { key: string; value: string }[] {
  if (!isObject(value)) return [{ key: prefix || "name", value: typeof value === "string" ? value : JSON.stringify(value) }];
  const rows: { key: string; value: string }[] = [];
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(v) && Object.keys(v).length > 0) rows.push(...settingRows(v, path));
    else rows.push({ key: path, value: typeof v === "string" ? v : JSON.stringify(v) });
  }
  return rows;
}

export const tagText = (tags: Record<string, string>): string => Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(", ");
