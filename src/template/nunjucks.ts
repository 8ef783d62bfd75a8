import nunjucks from "nunjucks";
import { jinjaFilters } from "./filters.ts";
import { installPythonTruthiness } from "./truthiness.ts";

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

// Jinja compatibility (True/False/None, dict.items(), list slices) patches nunjucks' runtime for the whole
// process; PromptSync installs it once, here, because templates are written for Jinja.
nunjucks.installJinjaCompat();
installPythonTruthiness(nunjucks as unknown as Parameters<typeof installPythonTruthiness>[0]);

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

function createEnvironment(throwOnUndefined: boolean): nunjucks.Environment {
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined });
  for (const [name, filter] of Object.entries(jinjaFilters)) env.addFilter(name, filter);
  return env;
}

const environments = new Map<boolean, nunjucks.Environment>();

/** The shared environment: no loader (templates cannot include files), autoescape off. */
export function environment(strict: boolean): nunjucks.Environment {
  let env = environments.get(strict);
  if (!env) {
    env = createEnvironment(strict);
    environments.set(strict, env);
  }
  return env;
}

export { nunjucks };
