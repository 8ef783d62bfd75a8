import type { VariableInfo } from "../formats/types.ts";
import { analyzeTemplate, type TemplateProblem } from "./analyze.ts";
import { DEFAULT_RENDER_LIMITS, RenderBudget, withBudget, type ResolvedRenderLimits } from "./budget.ts";
import { filterNames, templateEnvironment, testNames } from "./builtins.ts";
import { compileTree, type RootRender } from "./compiler.ts";
import { composeTemplate, partialLine, usesPartials, type CompositionProblem, type PartialLookup } from "./compose.ts";
import { RenderFault } from "./fault.ts";
import { toTemplateData } from "./guard.ts";
import { nunjucks, parseTemplate, templateErrorPosition } from "./nunjucks.ts";
import { guardedRuntime, type RenderContext } from "./runtime.ts";

interface TemplateCheck {
  /** What the template reads, through its partials too. */
  variables: VariableInfo[];
  /** Syntax errors and safety violations, 1-based positions relative to the template. */
  problems: (TemplateProblem | SyntaxProblem)[];
  /** Partials that are missing, in a cycle or misused, each with the template or partial whose tag it is. */
  composition: CompositionProblem[];
  /** Every partial the template reaches, sorted. */
  partials: string[];
}

const NO_PARTIALS: PartialLookup = () => undefined;

interface SyntaxProblem {
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

export type Parsed = { root: ReturnType<typeof parseTemplate>; problem?: undefined } | { root?: undefined; problem: SyntaxProblem };

function parse(jinja: string): Parsed {
  try {
    return { root: parseTemplate(jinja) };
  } catch (error) {
    const { line, column, message } = templateErrorPosition(error);
    if (/end of file/.test(message) && line === 1 && column === 1) {
      // nunjucks has no position at the end of input: point at the end, where the closing tag is missing.
      const lines = jinja.split("\n");
      const end = { line: lines.length, column: (lines.at(-1) ?? "").length + 1 };
      return { problem: { code: "TEMPLATE_SYNTAX", ...end, message: `${message} (a block is not closed)` } };
    }
    return { problem: { code: "TEMPLATE_SYNTAX", line, column, message } };
  }
}

/** Parses a partial's text (Jinja's newline rules apply to it as to a prompt). */
export function parsePartial(source: string): Parsed {
  return parse(toJinjaSource(source));
}

/**
 * The static check of a template as written, then of the template composed with its partials: its variables
 * (through the partials), its own problems, and the composition's. Returns the composed tree when all is well.
 * `self`: the partial's name when the template is one (its own tags are then reported as that partial's).
 */
function checkParsed(root: NonNullable<Parsed["root"]>, partials: PartialLookup, self?: string): TemplateCheck & { composed?: ReturnType<typeof composeTemplate> } {
  const own = analyzeTemplate(root, filterNames, testNames);
  // A template that names no partial and has no block composes to itself.
  const composition = usesPartials(root) ? composeTemplate(root, partials, self) : { root, partials: [], lineNames: [], problems: [] };
  const whole = composition.root === root ? own : analyzeTemplate(composition.root, filterNames, testNames);
  // The partials' own problems are their files' (compile-prompts.ts) or the loader's (partial-loader.ts).
  const result = { variables: whole.variables, problems: own.problems, composition: composition.problems, partials: composition.partials };
  return own.problems.length === 0 && composition.problems.length === 0 ? { ...result, composed: composition } : result;
}

/**
 * Parses a template and checks it statically: its variables, and the early, friendly errors (unknown filters
 * and tests, names that reach JavaScript internals, partials missing or misused). Rendering is guarded whatever
 * this misses.
 */
export function checkTemplate(source: string, partials: PartialLookup = NO_PARTIALS, self?: string): TemplateCheck {
  const { root, problem } = parse(toJinjaSource(source));
  if (problem) return { variables: [], problems: [problem], composition: [], partials: [] };
  const { composed: _, ...check } = checkParsed(root, partials, self);
  return check;
}

/** The static check of a parsed template on its own, without its partials (a partial the SDK loaded). */
export function staticProblems(root: NonNullable<Parsed["root"]>): TemplateProblem[] {
  return analyzeTemplate(root, filterNames, testNames).problems;
}

interface RenderOptions {
  /** Throw when the template outputs an undefined value (Jinja's StrictUndefined). @default true */
  strict?: boolean;
  /** What one render may spend. @default DEFAULT_RENDER_LIMITS */
  limits?: ResolvedRenderLimits;
  /** The partials the template may include, import or extend: a prompt's own frozen ones. @default none */
  partials?: PartialLookup;
}

/** A template compiled once to a render function; rendering never parses again. */
export interface CompiledTemplate {
  /** Throws RenderFault when the guard refuses something, the budget runs out, or the template fails. */
  render(variables: Record<string, unknown>): string;
}

class TemplateContext implements RenderContext {
  readonly env = templateEnvironment;
  readonly ctx: Record<string, unknown>;

  constructor(ctx: Record<string, unknown>) {
    this.ctx = ctx;
  }

  setVariable(name: string, value: unknown): void {
    this.ctx[name] = value;
  }

  addExport(): void {}
}

const Frame = (nunjucks as unknown as { runtime: { Frame: new () => { topLevel: boolean } } }).runtime.Frame;

function run(root: RootRender, variables: Record<string, unknown>, limits: ResolvedRenderLimits): string {
  const budget = new RenderBudget(limits);
  return withBudget(budget, () => {
    const frame = new Frame();
    frame.topLevel = true;
    let failure: unknown;
    let output = "";
    root(templateEnvironment, new TemplateContext(toTemplateData(variables, budget)), frame, guardedRuntime, (error, result) => {
      failure = error;
      output = result ?? "";
    });
    if (failure) throw failure;
    if (output.length > limits.maxOutputLength) budget.checkLength(output.length, "the output");
    return output;
  });
}

/**
 * Compiles a template for guarded rendering: every member read, call, filter, loop and string it makes is
 * checked while it runs (guard.ts, runtime.ts) against one budget per render (budget.ts). Throws RenderFault
 * when the template cannot be compiled safely.
 */
export function compileTemplate(source: string, options: RenderOptions = {}): CompiledTemplate {
  const { root, problem } = parse(toJinjaSource(source));
  if (problem) throw new RenderFault("render", problem.message, problem.line);
  const composition = usesPartials(root) ? composeTemplate(root, options.partials ?? NO_PARTIALS) : { root, lineNames: [], problems: [] };
  const first = composition.problems[0];
  if (first) throw new RenderFault("render", `${first.partial === undefined ? "" : `partial "${first.partial}": `}${first.message}`, first.line);
  return compiled(composition.root, options, composition.lineNames);
}

/**
 * The static check and, when it finds nothing, the compiled template, from one parse: what loading a prompt
 * from a registry does.
 */
export function checkAndCompile(source: string, options: RenderOptions = {}): TemplateCheck & { template?: CompiledTemplate } {
  const { root, problem } = parse(toJinjaSource(source));
  if (problem) return { variables: [], problems: [problem], composition: [], partials: [] };
  const { composed, ...check } = checkParsed(root, options.partials ?? NO_PARTIALS);
  return composed ? { ...check, template: compiled(composed.root, options, composed.lineNames) } : check;
}

function compiled(root: NonNullable<Parsed["root"]>, options: RenderOptions, lineNames: readonly string[]): CompiledTemplate {
  const render = compileTree(root, options.strict ?? true);
  const limits = options.limits ?? DEFAULT_RENDER_LIMITS;
  if (lineNames.length === 0) return { render: (variables) => run(render, variables, limits) };
  return {
    render(variables) {
      try {
        return run(render, variables, limits);
      } catch (error) {
        throw inPartial(error, lineNames);
      }
    },
  };
}

/** A fault at a line of a partial (compose.ts numbers them apart) says which partial, and the line in it. */
function inPartial(error: unknown, lineNames: readonly string[]): unknown {
  if (!(error instanceof RenderFault) || error.line === undefined) return error;
  const at = partialLine(error.line, lineNames);
  if (at.partial === undefined) return error;
  const located = new RenderFault(error.kind, `partial "${at.partial}" line ${at.line}: ${error.message}`, undefined, error.limit);
  located.mismatch = error.mismatch;
  return located;
}

/** A plain prompt (template: false): its text is returned as it is. */
export function literalTemplate(text: string): CompiledTemplate {
  return { render: () => text };
}
