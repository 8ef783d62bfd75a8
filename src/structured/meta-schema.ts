import { createRequire } from "node:module";
import type { ErrorObject } from "ajv";
import type * as Ajv2020Module from "ajv/dist/2020.js";
import type { Ajv2020 } from "ajv/dist/2020.js";
import type { SchemaCheck, SchemaProblem } from "./schema-problems.ts";

const DRAFT_2020_12 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

/**
 * Checks schemas against the JSON Schema 2020-12 meta-schema and compiles them (which finds a `$ref` that points
 * nowhere). ajv loads on the first schema checked, so commands on prompts without tools or output never load it.
 */
export function metaSchemaCheck(): SchemaCheck {
  let ajv: Ajv2020 | undefined;
  return (schema) => {
    if (schema.$schema !== undefined && (typeof schema.$schema !== "string" || !DRAFT_2020_12.test(schema.$schema))) {
      return [{ path: ["$schema"], message: "must be https://json-schema.org/draft/2020-12/schema, or left out (schemas are checked as JSON Schema 2020-12)" }];
    }
    ajv ??= newAjv();
    if (!ajv.validateSchema(schema)) return problemsOf(ajv.errors ?? []);
    try {
      ajv.compile(schema);
      return [];
    } catch (error) {
      return [{ path: [], message: `does not compile: ${(error as Error).message}` }];
    } finally {
      ajv.removeSchema(schema);
    }
  };
}

function newAjv(): Ajv2020 {
  // Lazily, and synchronously: the compiler is synchronous and ajv is CommonJS.
  const { Ajv2020 } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof Ajv2020Module;
  return new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
}

/** One problem per place: a bad `type` makes ajv report the enum, the array form and the anyOf around them. */
function problemsOf(errors: readonly ErrorObject[]): SchemaProblem[] {
  const byPath = new Map<string, SchemaProblem>();
  for (const error of errors) {
    if (byPath.has(error.instancePath)) continue;
    const path = error.instancePath.split("/").slice(1).map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
    const message = `${error.message ?? "is invalid"}${allowed ? ` (${allowed.join(", ")})` : ""}`;
    byPath.set(error.instancePath, { path: path.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), message });
  }
  return [...byPath.values()];
}
