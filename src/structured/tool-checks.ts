import type { Diagnostic } from "../diagnostics.ts";
import type { OutputSchema, ToolDefinition } from "../formats/types.ts";
import type { ParsedSource } from "../source/types.ts";
import type { SchemaCheck, SchemaProblem } from "./schema-problems.ts";
import { strictSubsetProblems } from "./strict-subset.ts";

interface ToolBody {
  tools?: ToolDefinition[];
  output?: OutputSchema;
}

type Path = (string | number)[];

/**
 * The build checks of a body's tools and output schema (the prompt's, or a variant's at `at`): unique tool names,
 * object schemas, the meta-schema when `checkSchema` is given, and OpenAI's strict subset for `strict: true`.
 * Names are checked by the source schema's pattern.
 */
export function toolDiagnostics(body: ToolBody, at: Path, source: ParsedSource, checkSchema: SchemaCheck | undefined): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (path: Path, code: Diagnostic["code"], message: string, suggestion: string, key?: string) => {
    diagnostics.push({ file: source.file, ...source.positionOf(path, key), code, message, suggestion });
  };
  const checkObjectSchema = (schema: Record<string, unknown>, path: Path, what: string, strict: boolean | undefined) => {
    const problems: SchemaProblem[] = checkSchema ? checkSchema(schema) : [];
    for (const p of problems) {
      report([...path, ...p.path], "INVALID_SCHEMA", `${what}${where(p.path)}: ${p.message}`, "Fix the JSON Schema (2020-12): https://json-schema.org/understanding-json-schema/");
    }
    if (problems.length > 0) return;
    if (schema.type !== "object") {
      report(path, "INVALID_SCHEMA", `${what} must be an object schema (type: object), as providers take named arguments and JSON objects`, "Write `type: object` with `properties:` for the fields.", "type");
      return;
    }
    if (strict !== true) return;
    for (const p of strictSubsetProblems(schema)) {
      report([...path, ...p.path], "STRICT_SCHEMA", `${what}${where(p.path)}: ${p.message}`, "Fix the schema, or set `strict: false` (docs/prompt-format.md#tools lists what strict mode accepts).");
    }
  };
  const seen = new Map<string, number>();
  (body.tools ?? []).forEach((tool, index) => {
    const path = [...at, "tools", index];
    const first = seen.get(tool.name);
    if (first !== undefined) {
      report([...path, "name"], "DUPLICATE_TOOL", `tool "${tool.name}" is defined twice (tools ${first + 1} and ${index + 1})`, "Give each tool of a prompt a different name.");
    } else seen.set(tool.name, index);
    checkObjectSchema(tool.parameters, [...path, "parameters"], `tool "${tool.name}" parameters`, tool.strict);
  });
  if (body.output) checkObjectSchema(body.output.schema, [...at, "output", "schema"], `output "${body.output.name}" schema`, body.output.strict);
  return diagnostics;
}

/** ` at properties.id.type`, or nothing for the schema itself. */
function where(path: Path): string {
  return path.length === 0 ? "" : ` at ${path.join(".")}`;
}
