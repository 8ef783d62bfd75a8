import { PromptSyncError } from "../errors.ts";

/**
 * The TypeScript type of a JSON Schema (an `inputs` property or an `output` schema) for `promptsync types`. The
 * schema comes from prompt files or from a registry, so it is read defensively: only local `$ref`s (`#/…`), a
 * `$ref` met again inside itself becomes `unknown`, and depth and output size are bounded. Keywords that only
 * narrow values (pattern, minimum, not, if/then/else, patternProperties…) have no TypeScript form: the type is
 * the wider one. `readonly` types arrays as readonly, for values the app passes in; `root` is the document that
 * `$ref`s point into, when `schema` is a part of it; `indent` is that of the line the type starts on.
 */
export function jsonSchemaType(schema: unknown, options: { readonly: boolean; where: string; root?: unknown; indent?: string }): string {
  const state = { expanding: new Set<unknown>(), size: 0, readonly: options.readonly, where: options.where, root: options.root ?? schema };
  return typeOf(schema, state, 0, options.indent ?? "");
}

/** A JSON value, the type of a variable whose prompt declares no `inputs` schema for it. */
export const JSON_VALUE = "JsonValue";

const MAX_DEPTH = 32;
const MAX_SIZE = 256 * 1024;

interface State {
  root: unknown;
  expanding: Set<unknown>;
  size: number;
  readonly: boolean;
  where: string;
}

type SchemaObject = Record<string, unknown>;

const isObject = (value: unknown): value is SchemaObject => typeof value === "object" && value !== null && !Array.isArray(value);
const own = (schema: SchemaObject, key: string): unknown => (Object.hasOwn(schema, key) ? schema[key] : undefined);

function typeOf(schema: unknown, state: State, depth: number, indent: string): string {
  if (depth > MAX_DEPTH) throw tooComplex(state, `nested more than ${MAX_DEPTH} levels deep`);
  const type = expand(schema, state, depth, indent);
  state.size += type.length;
  if (state.size > MAX_SIZE) throw tooComplex(state, `its type would exceed ${MAX_SIZE / 1024} KB`);
  return type;
}

function expand(schema: unknown, state: State, depth: number, indent: string): string {
  if (schema === true || (isObject(schema) && Object.keys(schema).length === 0)) return "unknown";
  if (schema === false) return "never";
  if (!isObject(schema)) return "unknown";
  const ref = own(schema, "$ref");
  if (typeof ref === "string") return refType(ref, state, depth, indent);
  if (own(schema, "const") !== undefined) return literal(own(schema, "const"));
  const values = own(schema, "enum");
  if (Array.isArray(values)) return union(values.map(literal));
  for (const keyword of ["anyOf", "oneOf"]) {
    const options = own(schema, keyword);
    if (Array.isArray(options) && options.length > 0) return union(options.map((s) => typeOf(s, state, depth + 1, indent)));
  }
  const all = own(schema, "allOf");
  const parts = Array.isArray(all) ? all.map((s) => typeOf(s, state, depth + 1, indent)) : [];
  const base = typesOf(schema, state, depth, indent);
  if (parts.length === 0) return base;
  return [...parts, ...(base === "unknown" ? [] : [base])].map((p) => (p.includes("|") ? `(${p})` : p)).join(" & ");
}

function typesOf(schema: SchemaObject, state: State, depth: number, indent: string): string {
  const declared = own(schema, "type");
  const names = Array.isArray(declared) ? declared : typeof declared === "string" ? [declared] : isObject(own(schema, "properties")) ? ["object"] : [];
  if (names.length === 0) return "unknown";
  return union(
    names.map((name) => {
      switch (name) {
        case "string":
        case "number":
        case "boolean":
        case "null":
          return name as string;
        case "integer":
          return "number";
        case "array":
          return arrayType(schema, state, depth, indent);
        case "object":
          return objectType(schema, state, depth, indent);
        default:
          return "unknown";
      }
    }),
  );
}

function arrayType(schema: SchemaObject, state: State, depth: number, indent: string): string {
  const ro = state.readonly ? "readonly " : "";
  const prefix = own(schema, "prefixItems");
  const items = own(schema, "items");
  if (Array.isArray(prefix)) {
    const head = prefix.map((s) => typeOf(s, state, depth + 1, indent));
    const rest = items === false ? [] : [`...${parenthesize(items === undefined ? "unknown" : typeOf(items, state, depth + 1, indent))}[]`];
    return `${ro}[${[...head, ...rest].join(", ")}]`;
  }
  return `${ro}${parenthesize(items === undefined ? "unknown" : typeOf(items, state, depth + 1, indent))}[]`;
}

function objectType(schema: SchemaObject, state: State, depth: number, indent: string): string {
  const properties = own(schema, "properties");
  const extra = own(schema, "additionalProperties");
  const extraType = isObject(extra) && Object.keys(extra).length > 0 ? typeOf(extra, state, depth + 1, indent) : undefined;
  if (!isObject(properties) || Object.keys(properties).length === 0) {
    return extra === false ? "Record<string, never>" : `Record<string, ${extraType ?? "unknown"}>`;
  }
  const required = new Set(Array.isArray(own(schema, "required")) ? (own(schema, "required") as unknown[]) : []);
  const inner = `${indent}  `;
  const lines = Object.keys(properties)
    .sort()
    .map((name) => `${inner}${propertyKey(name)}${required.has(name) ? "" : "?"}: ${typeOf(properties[name], state, depth + 1, inner)};`);
  const known = `{\n${lines.join("\n")}\n${indent}}`;
  return extraType ? `${known} & Record<string, ${extraType}>` : known;
}

function refType(ref: string, state: State, depth: number, indent: string): string {
  if (!ref.startsWith("#")) throw tooComplex(state, `$ref "${ref}" points outside the schema; only local references (#/$defs/…) are read`);
  let target: unknown = state.root;
  for (const part of ref.slice(1).split("/").slice(1)) {
    const key = pointerSegment(part);
    if (key === undefined) throw tooComplex(state, `$ref "${ref}" is not a valid JSON pointer`);
    target = isObject(target) ? own(target, key) : Array.isArray(target) && /^\d+$/.test(key) ? target[Number(key)] : undefined;
  }
  if (target === undefined) throw tooComplex(state, `$ref "${ref}" points at nothing`);
  if (state.expanding.has(target)) return "unknown";
  state.expanding.add(target);
  try {
    return typeOf(target, state, depth + 1, indent);
  } finally {
    state.expanding.delete(target);
  }
}

/** A JSON pointer segment of a `$ref`, decoded; undefined when its percent-encoding is malformed. */
function pointerSegment(part: string): string | undefined {
  try {
    return decodeURIComponent(part).replaceAll("~1", "/").replaceAll("~0", "~");
  } catch {
    return undefined;
  }
}

function literal(value: unknown): string {
  return value === undefined ? "unknown" : sourceJson(value);
}

/**
 * Characters a string from a registry must not put raw into the generated module: C0 and C1 controls and DEL (the
 * module is printed to terminals), line separators, and the invisible and bidirectional marks that can make
 * source read otherwise than it parses.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_SOURCE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/** Escapes UNSAFE_IN_SOURCE in JavaScript source text (a string or template literal, or JSON) as \uXXXX. */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_IN_SOURCE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A JSON value as TypeScript source: JSON.stringify, with no raw control or bidirectional character. */
export function sourceJson(value: unknown): string {
  return escapeUnsafe(JSON.stringify(value));
}

function union(types: readonly string[]): string {
  const unique = [...new Set(types)];
  if (unique.includes("unknown")) return "unknown";
  return unique.length === 0 ? "never" : unique.join(" | ");
}

function parenthesize(type: string): string {
  return /[|&]/.test(type) ? `(${type})` : type;
}

/** A property name as it may stand in a type: bare when it is an identifier, else quoted. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : sourceJson(name);
}

function tooComplex(state: State, why: string): PromptSyncError {
  return new PromptSyncError("TYPES_UNSUPPORTED", `${state.where}: cannot write a type for this schema: ${why}`, {
    suggestion: "Simplify the schema, or declare that part as an object without properties.",
  });
}
