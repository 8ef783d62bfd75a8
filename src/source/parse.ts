import type { Diagnostic } from "../diagnostics.ts";
import type { PromptSourceDocument } from "../formats/types.ts";
import { validatePromptSource, type SchemaIssue } from "../formats/validate.ts";
import { editDistance } from "../formats/nearest-name.ts";
import type { ParsedSource, SourceFile, SourceFormat, TemplateOrigin } from "./types.ts";
import { parseLocatedYaml } from "./yaml-document.ts";

const EXTENSIONS: Record<string, SourceFormat> = { ".txt": "text", ".md": "markdown", ".yaml": "yaml", ".yml": "yaml" };

export function sourceFormat(path: string): SourceFormat | undefined {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? undefined : EXTENSIONS[path.slice(dot).toLowerCase()];
}

/** `support/refund.yaml` → `support/refund`. */
export function promptNameOf(path: string): string {
  return path.slice(0, path.lastIndexOf("."));
}

type ParseResult = { ok: true; source: ParsedSource } | { ok: false; diagnostics: Diagnostic[] };

const wholeFile = (line: number): TemplateOrigin => ({ line, indent: 0, firstColumn: 1 });

/** Parses one prompt file into its source document, or every problem found in it. */
export function parseSource(file: SourceFile): ParseResult {
  const format = sourceFormat(file.path);
  const text = file.text.replace(/^\uFEFF/, "");
  if (format === "text") return plain(file.path, format, { content: text }, 1);
  if (format === "markdown") return parseMarkdown(file.path, text);
  if (format === "yaml") return parseYamlSource(file.path, text);
  return {
    ok: false,
    diagnostics: [{ file: file.path, line: 1, column: 1, code: "READ_FAILED", message: "not a .txt, .md, .yaml or .yml file" }],
  };
}

function plain(file: string, format: SourceFormat, document: PromptSourceDocument, bodyLine: number): ParseResult {
  return {
    ok: true,
    source: { file, format, document, positionOf: () => ({ line: 1, column: 1 }), originOf: () => wholeFile(bodyLine) },
  };
}

/** The closing `---` (or `...`) must start a line: `title: a---` inside the header does not close it. */
const FRONT_MATTER = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

function parseMarkdown(file: string, text: string): ParseResult {
  const match = FRONT_MATTER.exec(text);
  if (!match) return plain(file, "markdown", { content: text }, 1);
  const header = match[1] ?? "";
  const body = text.slice(match[0].length);
  const bodyLine = match[0].split("\n").length;
  const parsed = parseLocatedYaml(file, header, 1);
  if (!parsed.ok) return parsed;
  const value = parsed.yaml.value ?? {};
  const diagnostics = schemaDiagnostics(file, value, parsed.yaml.positionOf);
  for (const key of ["content", "messages"]) {
    if (value && typeof value === "object" && key in value) {
      diagnostics.push({
        file,
        ...parsed.yaml.positionOf([], key),
        code: "SCHEMA_VIOLATION",
        message: `front matter cannot set "${key}": the Markdown body is the content`,
        suggestion: "Move the prompt to a .yaml file to write chat messages, or remove the key.",
      });
    }
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  const document = { ...(value as PromptSourceDocument), content: body };
  return {
    ok: true,
    source: {
      file,
      format: "markdown",
      document,
      positionOf: parsed.yaml.positionOf,
      originOf: (path) => (path.length === 1 && path[0] === "content" ? wholeFile(bodyLine) : parsed.yaml.originOf(path)),
    },
  };
}

function parseYamlSource(file: string, text: string): ParseResult {
  const parsed = parseLocatedYaml(file, text, 0);
  if (!parsed.ok) return parsed;
  const value = parsed.yaml.value;
  const diagnostics = schemaDiagnostics(file, value, parsed.yaml.positionOf);
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  const document = value as PromptSourceDocument;
  if ((document.content === undefined) === (document.messages === undefined)) {
    return {
      ok: false,
      diagnostics: [{
        file,
        line: 1,
        column: 1,
        code: "SCHEMA_VIOLATION",
        message: document.content === undefined ? "the prompt has neither `content` nor `messages`" : "the prompt has both `content` and `messages`",
        suggestion: "Give a text prompt `content: |` or a chat prompt a `messages:` list of {role, content}, not both.",
      }],
    };
  }
  return { ok: true, source: { file, format: "yaml", document, ...parsed.yaml } };
}

function schemaDiagnostics(
  file: string,
  value: unknown,
  positionOf: ParsedSource["positionOf"],
): Diagnostic[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return [{
      file, line: 1, column: 1, code: "SCHEMA_VIOLATION",
      message: "a prompt file must be a YAML mapping (key: value pairs)",
      suggestion: "Start with `content: |` followed by the indented template.",
    }];
  }
  const result = validatePromptSource(value);
  if (result.ok) return [];
  return result.issues.map((issue) => schemaDiagnostic(file, issue, positionOf));
}

const KNOWN_KEYS = ["name", "description", "version", "git_commit", "template", "content", "messages", "model", "config", "inputs", "tools", "output", "variants"];

function schemaDiagnostic(file: string, issue: SchemaIssue, positionOf: ParsedSource["positionOf"]): Diagnostic {
  const path = issue.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const where = path.length ? path.join(".") : "the document";
  const params = issue.params as Record<string, unknown>;
  if (issue.keyword === "additionalProperty" || issue.keyword === "additionalProperties") {
    const key = String(params.additionalProperty);
    const near = path.length === 0 ? closest(key, KNOWN_KEYS) : undefined;
    return {
      file, ...positionOf(path, key), code: "SCHEMA_VIOLATION",
      message: `unknown key "${key}" in ${where}`,
      suggestion: near ? `Did you mean "${near}"?` : "Remove it; see schemas/prompt-source.schema.json for the keys a prompt file takes.",
    };
  }
  if (issue.keyword === "required") {
    return {
      file, ...positionOf(path), code: "SCHEMA_VIOLATION",
      message: `${where} is missing "${String(params.missingProperty)}"`,
      suggestion: `Add \`${String(params.missingProperty)}:\`.`,
    };
  }
  if (issue.keyword === "pattern" && path.at(-1) === "name" && (path.at(-3) === "tools" || path.at(-2) === "output")) {
    return {
      file, ...positionOf(path), code: "SCHEMA_VIOLATION",
      message: `${where} must be 1 to 64 letters, digits, _ or - (the providers' limit for tool and schema names)`,
      suggestion: "Rename it, e.g. lookup_order.",
    };
  }
  if (issue.keyword === "enum") {
    return {
      file, ...positionOf(path), code: "SCHEMA_VIOLATION",
      message: `${where} must be one of ${(params.allowedValues as unknown[]).join(", ")}`,
    };
  }
  return {
    file, ...positionOf(path), code: "SCHEMA_VIOLATION",
    message: `${where} ${issue.message ?? "is invalid"}`,
    suggestion: "See schemas/prompt-source.schema.json for the format.",
  };
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}
