// Writes src/generated/types.ts: a TypeScript type for each format in schemas/, which src/formats re-exports, so the
// code's types are the schemas' and cannot drift from them. It reads the part of JSON Schema the schemas use: type,
// enum, const, properties, required, additionalProperties, items, $ref, oneOf, anyOf, allOf and definitions.
// Keywords that only bound values (pattern, minimum, maxItems, propertyNames…) have no TypeScript type, and
// properties a schema allows without describing them (no additionalProperties) are left out of the type.
// test/generated-types.test.ts checks the file is up to date.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

type Schema = boolean | SchemaObject;

interface SchemaObject {
  $ref?: string;
  title?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
}

/**
 * The named types: each schema, and the parts of them the code names (`file#/json/pointer`). Every other part is
 * written out where it is used.
 */
export const TYPE_NAMES: Record<string, string> = {
  "alias.schema.json": "AliasPointer",
  "alias.schema.json#/properties/canary": "CanaryState",
  "alias.schema.json#/properties/history/items": "AliasHistoryEntry",
  "alias.schema.json#/properties/history/items/properties/action": "AliasAction",
  "analytics-state.schema.json": "AnalyticsState",
  "analytics-summary.schema.json": "AnalyticsSummary",
  "analytics-summary.schema.json#/properties/rows/items": "AnalyticsSummaryRow",
  "analytics-summary.schema.json#/definitions/metricSum": "AnalyticsMetricSum",
  "commit-interface.schema.json": "CommitInterface",
  "compiled-prompt.schema.json": "CompiledPrompt",
  "compiled-prompt.schema.json#/properties/kind": "PromptKind",
  "compiled-prompt.schema.json#/definitions/messageTemplate": "MessageTemplate",
  "compiled-prompt.schema.json#/definitions/message": "ChatMessage",
  "compiled-prompt.schema.json#/definitions/message/properties/role": "MessageRole",
  "compiled-prompt.schema.json#/definitions/placeholder": "MessagePlaceholder",
  "compiled-prompt.schema.json#/definitions/contentPart": "ContentPart",
  "compiled-prompt.schema.json#/definitions/tool": "ToolDefinition",
  "compiled-prompt.schema.json#/definitions/output": "OutputSchema",
  "compiled-prompt.schema.json#/definitions/partials": "CompiledPartials",
  "compiled-prompt.schema.json#/definitions/variables/items": "VariableInfo",
  "compiled-prompt.schema.json#/definitions/variant": "CompiledVariant",
  "compiled-prompt.schema.json#/definitions/variant/properties/tags": "Tags",
  "compiled-variant.schema.json": "CompiledVariantFile",
  "config.schema.json": "ConfigFile",
  "git-info.schema.json": "GitInfo",
  "project-index.schema.json": "ProjectIndex",
  "project-index.schema.json#/properties/versions/items": "ProjectIndexVersion",
  "prompt-metadata.schema.json": "PromptMetadata",
  "prompt-metadata.schema.json#/properties/versions/items": "PromptHistoryEntry",
  "prompt-source.schema.json": "PromptSourceDocument",
  "release-bundle.schema.json": "ReleaseBundle",
  "release-claim.schema.json": "ReleaseClaim",
  "release-manifest.schema.json": "ReleaseManifest",
  "release-manifest.schema.json#/properties/prompts/additionalProperties": "ReleaseManifestEntry",
  "release-signature.schema.json": "ReleaseSignature",
  "signature.schema.json": "Signatures",
  "signature.schema.json#/items": "Signature",
  "telemetry-event.schema.json": "TelemetryEvent",
  "telemetry-event.schema.json#/definitions/common": "TelemetryEventBase",
  "telemetry-event.schema.json#/definitions/served": "ServedPrompt",
  "telemetry-event.schema.json#/definitions/usage": "UsageEvent",
  "telemetry-event.schema.json#/definitions/metrics": "MetricsEvent",
  "telemetry-event.schema.json#/definitions/metrics/properties/metrics": "EventMetrics",
  "telemetry-event.schema.json#/definitions/heartbeat": "HeartbeatEvent",
};

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where a schema is: its file, and a JSON pointer in it ("" for the whole file). */
interface Location {
  file: string;
  pointer: string;
}

const key = ({ file, pointer }: Location) => (pointer ? `${file}#${pointer}` : file);
const at = (location: Location, ...path: string[]): Location => ({ file: location.file, pointer: `${location.pointer}/${path.join("/")}` });

/** The source of src/generated/types.ts for the schemas in `schemaDir`. */
export function generateTypes(schemaDir = join(ROOT, "schemas")): string {
  const files = readdirSync(schemaDir).filter((f) => f.endsWith(".schema.json")).sort();
  const schemas = new Map(files.map((file) => [file, JSON.parse(readFileSync(join(schemaDir, file), "utf8")) as Schema]));
  for (const file of files) if (!TYPE_NAMES[file]) throw new Error(`schemas/${file} has no type name in scripts/generate-types.ts`);

  const resolve = (location: Location): Schema => {
    let schema: unknown = schemas.get(location.file);
    if (schema === undefined) throw new Error(`No schema ${location.file}`);
    for (const part of location.pointer.split("/").slice(1)) schema = (schema as Record<string, unknown>)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
    if (schema === undefined) throw new Error(`Nothing at ${key(location)}`);
    return schema as Schema;
  };
  for (const name of Object.keys(TYPE_NAMES)) resolve(parseKey(name));

  /** The type of the schema at `location`: its name when it has one (unless it is the one being declared). */
  const typeOf = (location: Location, indent: string, declaring = false): string => {
    const name = TYPE_NAMES[key(location)];
    if (name && !declaring) return name;
    const schema = resolve(location);
    if (schema === true) return "unknown";
    if (schema === false) return "never";
    if (schema.$ref) return typeOf(refTarget(location, schema.$ref), indent);
    if (schema.const !== undefined) return literal(schema.const);
    if (schema.enum) return union(schema.enum.map(literal));
    const alternatives = schema.oneOf ? "oneOf" : schema.anyOf ? "anyOf" : undefined;
    if (alternatives) return union(schema[alternatives]!.map((_, i) => typeOf(at(location, alternatives, String(i)), indent)));
    if (schema.allOf) {
      const parts = schema.allOf.map((_, i) => typeOf(at(location, "allOf", String(i)), indent));
      return [...parts, objectType(location, schema, indent)].join(" & ");
    }
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties ? ["object"] : [];
    if (types.length === 0) return "unknown";
    return union(
      types.map((type) => {
        switch (type) {
          case "string":
          case "number":
          case "boolean":
          case "null":
            return type;
          case "integer":
            return "number";
          case "array":
            return schema.items === undefined ? "unknown[]" : arrayOf(typeOf(at(location, "items"), indent));
          case "object":
            return objectType(location, schema, indent);
          default:
            throw new Error(`${key(location)}: type ${type} is not handled`);
        }
      }),
    );
  };

  /** An object's members, one per line; properties that are `true` beside allOf are the allOf's. */
  const members = (location: Location, schema: SchemaObject, indent: string): string[] => {
    const required = new Set(schema.required ?? []);
    const lines: string[] = [];
    for (const [property, value] of Object.entries(schema.properties ?? {})) {
      if (value === true && schema.allOf) continue;
      // A property's own description, else that of the unnamed definition it refers to.
      const target = refTarget(at(location, "properties", property), undefined);
      const definition = TYPE_NAMES[key(target)] ? undefined : resolve(target);
      const description = (typeof value === "object" && value.description) || (typeof definition === "object" ? definition.description : undefined);
      if (description) lines.push(`${indent}${doc(description, indent)}`);
      const optional = required.has(property) ? "" : "?";
      lines.push(`${indent}${propertyName(property)}${optional}: ${typeOf(at(location, "properties", property), indent)};`);
    }
    return lines;
  };

  const objectType = (location: Location, schema: SchemaObject, indent: string): string => {
    if (!schema.properties) {
      const extra = schema.additionalProperties;
      if (extra === false) return "Record<string, never>";
      return `Record<string, ${extra === undefined || extra === true ? "unknown" : typeOf(at(location, "additionalProperties"), indent)}>`;
    }
    const lines = members(location, schema, `${indent}  `);
    const known = lines.length ? `{\n${lines.join("\n")}\n${indent}}` : "{}";
    // Other properties beside the known ones: an intersection, since an index signature would have to admit
    // undefined for each optional property.
    return describesOthers(schema) ? `${known} & Record<string, ${typeOf(at(location, "additionalProperties"), indent)}>` : known;
  };

  const declaration = (name: string, location: Location): string => {
    const schema = resolve(location);
    const about = typeof schema === "object" ? (schema.description ?? schema.title) : undefined;
    const head = about ? `${doc(about, "")}\n` : "";
    const bases = typeof schema === "object" ? (schema.allOf ?? []).map((_, i) => TYPE_NAMES[key(refTarget(at(location, "allOf", String(i)), undefined))]) : [];
    const isInterface =
      typeof schema === "object" && schema.properties && !describesOthers(schema) && !schema.oneOf && !schema.anyOf && bases.every((b) => b !== undefined);
    if (!isInterface) return `${head}export type ${name} = ${typeOf(location, "", true)};`;
    const extendsClause = bases.length ? ` extends ${bases.join(", ")}` : "";
    return `${head}export interface ${name}${extendsClause} {\n${members(location, schema, "  ").join("\n")}\n}`;
  };

  /** Where a $ref points; with `ref` undefined, where the schema at `location` points, or `location` itself. */
  const refTarget = (location: Location, ref: string | undefined): Location => {
    if (ref === undefined) {
      const schema = resolve(location);
      return typeof schema === "object" && schema.$ref ? refTarget(location, schema.$ref) : location;
    }
    const [file, pointer = ""] = ref.split("#");
    return { file: file || location.file, pointer };
  };

  const declarations = Object.entries(TYPE_NAMES).map(([where, name]) => declaration(name, parseKey(where)));
  return `// Generated by scripts/generate-types.ts from schemas/. Do not edit: run npm run generate.\n\n${declarations.join("\n\n")}\n`;
}

/** Whether an object schema gives a type to properties it does not list. */
function describesOthers(schema: SchemaObject): boolean {
  return schema.additionalProperties !== undefined && schema.additionalProperties !== false && schema.additionalProperties !== true;
}

function parseKey(where: string): Location {
  const [file, pointer = ""] = where.split("#") as [string, string?];
  return { file, pointer };
}

function literal(value: unknown): string {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return JSON.stringify(value);
  throw new Error(`No literal type for ${JSON.stringify(value)}`);
}

function union(types: string[]): string {
  return [...new Set(types)].join(" | ");
}

/** `T[]`, with parentheses around a union or an intersection. */
function arrayOf(type: string): string {
  let depth = 0;
  for (const char of type) {
    if ("{<([".includes(char)) depth++;
    else if ("}>)]".includes(char)) depth--;
    else if (depth === 0 && (char === "|" || char === "&")) return `(${type})[]`;
  }
  return `${type}[]`;
}

function propertyName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

function doc(text: string, indent: string): string {
  const lines = text.replaceAll("*/", "*\\/").split("\n");
  return lines.length === 1 ? `/** ${lines[0]} */` : `/**\n${lines.map((l) => `${indent} * ${l}`).join("\n")}\n${indent} */`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outFile = join(ROOT, "src", "generated", "types.ts");
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, generateTypes());
}
