import nunjucks from "nunjucks";

/** nunjucks' parser and AST, which its type definitions leave out. */
export interface TemplateNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: readonly string[];
  value?: unknown;
  children?: TemplateNode[];
  [field: string]: unknown;
}

interface ParserModule {
  parse(source: string, extensions?: unknown[], lexerTags?: unknown): TemplateNode;
}

interface TemplateErrorLike {
  message: string;
  lineno?: number;
  colno?: number;
}

// PromptSync needs the slice syntax (`items[1:]`) of nunjucks' Jinja compatibility, which patches nunjucks'
// parser for the whole process; everything else PromptSync's guarded runtime does itself.
nunjucks.installJinjaCompat();

const parser = (nunjucks as unknown as { parser: ParserModule }).parser;

/** Parses a template into nunjucks' AST; a syntax error throws with 1-based lineno/colno. */
export function parseTemplate(source: string): TemplateNode {
  return parser.parse(source);
}

export function templateErrorPosition(error: unknown): { line: number; column: number; message: string } {
  const e = error as TemplateErrorLike;
  const raw = String(e?.message ?? error);
  // nunjucks prefixes "(unknown path) [Line 3, Column 7]\n  "; keep only the reason.
  const message = raw.replace(/^\(unknown path\)(?: \[Line \d+, Column \d+\])?\s*/, "").trim();
  return { line: e?.lineno ?? 1, column: e?.colno ?? 1, message };
}

export { nunjucks };
