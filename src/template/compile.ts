import type { VariableInfo } from "../formats/types.ts";
import { analyzeTemplate, type TemplateProblem } from "./analyze.ts";
import { environment, nunjucks, parseTemplate, templateErrorPosition } from "./nunjucks.ts";

export interface TemplateCheck {
  variables: VariableInfo[];
  /** Syntax errors and safety violations, 1-based positions relative to the template. */
  problems: (TemplateProblem | SyntaxProblem)[];
}

export interface SyntaxProblem {
  code: "TEMPLATE_SYNTAX";
  line: number;
  column: number;
  message: string;
}

/**
 * Jinja2's defaults: newlines normalised to \n and one trailing newline dropped (keep_trailing_newline=False).
 * Applied before parsing so that positions and output match Jinja2.
 */
export function toJinjaSource(source: string): string {
  const normalized = source.replace(/\r\n|\r/g, "\n");
  return normalized.endsWith("\n") ? normalized.slice(0, -1) : normalized;
}

let allowedFilters: ReadonlySet<string> | undefined;
function filters(): ReadonlySet<string> {
  allowedFilters ??= new Set(Object.keys((environment(true) as unknown as { filters: object }).filters));
  return allowedFilters;
}

/** Parses and checks a template without compiling it to code. */
export function checkTemplate(source: string): TemplateCheck {
  const jinja = toJinjaSource(source);
  let root;
  try {
    root = parseTemplate(jinja);
  } catch (error) {
    const { line, column, message } = templateErrorPosition(error);
    if (/end of file/.test(message) && line === 1 && column === 1) {
      // nunjucks has no position at the end of input: point at the end, where the closing tag is missing.
      const lines = jinja.split("\n");
      const end = { line: lines.length, column: (lines.at(-1) ?? "").length + 1 };
      return { variables: [], problems: [{ code: "TEMPLATE_SYNTAX", ...end, message: `${message} (a block is not closed)` }] };
    }
    return { variables: [], problems: [{ code: "TEMPLATE_SYNTAX", line, column, message }] };
  }
  return analyzeTemplate(root, filters());
}

export interface RenderOptions {
  /** Throw when the template outputs an undefined value (Jinja's StrictUndefined). @default true */
  strict?: boolean;
}

/** A template compiled once to a render function; rendering never parses again. */
export interface CompiledTemplate {
  render(variables: Record<string, unknown>): string;
}

/**
 * Compiles a template that `checkTemplate` accepted. Callers must run the check first: nunjucks compiles
 * templates to JavaScript, and only the check stops a template from reaching code.
 */
export function compileCheckedTemplate(source: string, options: RenderOptions = {}): CompiledTemplate {
  const template = new nunjucks.Template(toJinjaSource(source), environment(options.strict ?? true), undefined, true);
  return { render: (variables) => template.render(variables) };
}

/** A plain prompt (template: false): its text is returned as it is. */
export function literalTemplate(text: string): CompiledTemplate {
  return { render: () => text };
}

export { templateErrorPosition };
