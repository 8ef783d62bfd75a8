/** A problem found in a prompt source file. Compilation collects all of them instead of stopping at the first. */
export interface Diagnostic {
  /** Path relative to the prompts folder, with `/` separators. */
  file: string;
  line: number;
  column: number;
  code: DiagnosticCode;
  message: string;
  suggestion?: string;
}

type DiagnosticCode =
  | "INVALID_NAME"
  | "DUPLICATE_NAME"
  | "INVALID_YAML"
  | "SCHEMA_VIOLATION"
  | "INVALID_INPUTS"
  | "TEMPLATE_SYNTAX"
  | "UNSAFE_TEMPLATE"
  | "UNSUPPORTED_TAG"
  | "MISSING_PARTIAL"
  | "PARTIAL_CYCLE"
  | "INVALID_PARTIAL"
  | "DUPLICATE_VARIANT"
  | "DUPLICATE_TOOL"
  | "DUPLICATE_PLACEHOLDER"
  | "INVALID_CONTENT_PART"
  | "INVALID_SCHEMA"
  | "STRICT_SCHEMA"
  | "EMPTY_FOLDER"
  | "READ_FAILED";

export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.column}: ${d.code}: ${d.message}`;
  return d.suggestion ? `${head}\n  hint: ${d.suggestion}` : head;
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}
