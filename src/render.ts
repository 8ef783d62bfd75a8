import { InvalidBundleError, MissingVariableError, PromptSyncError, RenderError, UnsafeTemplateError } from "./errors.ts";
import type { ChatMessage, CompiledPrompt, CompiledVariant, VariableInfo } from "./formats/types.ts";
import { checkTemplate, compileCheckedTemplate, literalTemplate, type CompiledTemplate } from "./template/compile.ts";

export type Rendered = string | ChatMessage[];

/** One renderable body of a prompt (the default, or a variant), with its templates compiled once. */
export interface RenderableBody {
  variant: CompiledVariant | undefined;
  variables: readonly VariableInfo[];
  render(values: Record<string, unknown>): Rendered;
}

export interface MaterializeOptions {
  /** Missing variables and undefined output throw. @default true */
  strict?: boolean;
  /** Where the prompt came from, for error messages. */
  origin: string;
}

/**
 * Checks every template of a compiled prompt (a registry may have been tampered with) and compiles it once.
 * Returns the default body and one per variant id.
 */
export function materializePrompt(prompt: CompiledPrompt, options: MaterializeOptions): Map<string | undefined, RenderableBody> {
  const bodies = new Map<string | undefined, RenderableBody>();
  bodies.set(undefined, materializeBody(prompt, prompt, undefined, options));
  for (const variant of prompt.variants) bodies.set(variant.id, materializeBody(prompt, variant, variant, options));
  return bodies;
}

function materializeBody(
  prompt: CompiledPrompt,
  body: { content?: string; messages?: ChatMessage[]; variables: VariableInfo[] },
  variant: CompiledVariant | undefined,
  options: MaterializeOptions,
): RenderableBody {
  const strict = options.strict ?? true;
  const compile = (text: string): CompiledTemplate => {
    if (!prompt.template) return literalTemplate(text);
    const check = checkTemplate(text);
    const problem = check.problems[0];
    if (problem?.code === "UNSAFE_TEMPLATE") {
      throw new UnsafeTemplateError(`${options.origin}: prompt "${prompt.name}" line ${problem.line}: ${problem.message}`);
    }
    if (problem) throw new InvalidBundleError(options.origin, `prompt "${prompt.name}": ${problem.message}`);
    return compileCheckedTemplate(text, { strict });
  };
  const required = body.variables.filter((v) => v.required).map((v) => v.name);
  const checkValues = (values: Record<string, unknown>) => {
    if (!strict) return;
    const missing = required.filter((name) => values[name] === undefined);
    if (missing.length > 0) throw new MissingVariableError(prompt.name, missing);
  };
  const run = (template: CompiledTemplate, values: Record<string, unknown>): string => {
    try {
      return template.render(values);
    } catch (error) {
      if (error instanceof PromptSyncError) throw error;
      throw new RenderError(prompt.name, (error as Error).message.replace(/^\(unknown path\)\s*/, ""), error);
    }
  };
  if (body.messages) {
    const templates = body.messages.map((m) => ({ role: m.role, template: compile(m.content) }));
    return {
      variant,
      variables: body.variables,
      render(values) {
        checkValues(values);
        return templates.map((m) => ({ role: m.role, content: run(m.template, values) }));
      },
    };
  }
  const template = compile(body.content ?? "");
  return {
    variant,
    variables: body.variables,
    render(values) {
      checkValues(values);
      return run(template, values);
    },
  };
}
