/** A problem inside a JSON Schema: where (a path inside the schema) and what. */
export interface SchemaProblem {
  /** Path inside the schema: `["properties", "id", "type"]`. */
  path: (string | number)[];
  message: string;
}

/**
 * A meta-schema check: the CLI passes one backed by ajv (src/structured/meta-schema.ts); the SDK compiling local
 * files passes none, so importing it never loads ajv.
 */
export type SchemaCheck = (schema: Record<string, unknown>) => SchemaProblem[];
