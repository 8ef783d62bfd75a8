import { InvalidBundleError, MissingVariableError, PromptSyncError, RenderError, RenderLimitError, UnsafeTemplateError } from "../errors.ts";
import type { Rendered } from "../formats/rendered.ts";
import type { CompiledPrompt, CompiledVariant, MessageTemplate, VariableInfo } from "../formats/types.ts";
import { inputsCheck } from "../json-schema/enforce-inputs.ts";
import { compileMessages } from "../structured/render-messages.ts";
import { DEFAULT_RENDER_LIMITS } from "./render-limits.ts";
import type { ResolvedRenderLimits } from "./budget.ts";
import { checkAndCompile, literalTemplate, type CompiledTemplate } from "./compile-template.ts";
import { RenderFault } from "./fault.ts";
import type { PartialLookup } from "./compose.ts";
import { frozenPartials } from "./partial-loader.ts";

export type { Rendered } from "../formats/rendered.ts";

/** One renderable body of a prompt (the default, or a variant), with its templates compiled once. */
export interface RenderableBody {
  variant: CompiledVariant | undefined;
  variables: readonly VariableInfo[];
  render(values: Record<string, unknown>): Rendered;
}

/** How a prompt's templates render: the SDK resolves these once per manager, the CLI once per command. */
export interface RenderSettings {
  /** Missing variables and undefined output throw. @default true */
  strict?: boolean;
  /** What one render may spend. @default DEFAULT_RENDER_LIMITS */
  limits?: ResolvedRenderLimits;
}

interface MaterializeOptions extends RenderSettings {
  /** Where the prompt came from, for error messages. */
  origin: string;
  /** The prompt's own frozen partials, checked once for all its bodies. */
  partials?: PartialLookup;
  /** The prompt's `inputs` check, compiled once for all its bodies. */
  checkInputs?: (values: Record<string, unknown>) => void;
}

/** A guard or budget fault as the PromptSync error of its kind, naming the prompt and the template line. */
function renderErrorOf(prompt: string, fault: RenderFault, origin?: string): PromptSyncError {
  const where = fault.line === undefined ? "" : ` line ${fault.line}`;
  if (fault.kind === "unsafe") return new UnsafeTemplateError(`${origin ? `${origin}: ` : ""}prompt "${prompt}"${where}: ${fault.message}`);
  if (fault.kind === "limit") return new RenderLimitError(fault.limit ?? "maxOperations", `prompt "${prompt}"${where}: ${fault.message}`, fault.line);
  return new RenderError(prompt, `${fault.line === undefined ? "" : `line ${fault.line}: `}${fault.message}`, fault);
}

/**
 * Checks every template of a compiled prompt (a registry may have been tampered with) and compiles it once.
 * Returns the default body and one per variant id.
 */
export function materializePrompt(prompt: CompiledPrompt, options: MaterializeOptions): Map<string | undefined, RenderableBody> {
  const bodies = new Map<string | undefined, RenderableBody>();
  const checked = { ...options, checkInputs: inputsCheck(prompt, options.origin), partials: frozenPartials(prompt, options.origin) };
  bodies.set(undefined, materializeBody(prompt, prompt, undefined, checked));
  for (const variant of prompt.variants) bodies.set(variant.id, materializeBody(prompt, variant, variant, checked));
  return bodies;
}

function materializeBody(
  prompt: CompiledPrompt,
  body: { content?: string; messages?: MessageTemplate[]; variables: VariableInfo[] },
  variant: CompiledVariant | undefined,
  options: MaterializeOptions,
): RenderableBody {
  const strict = options.strict ?? true;
  /** A template compiled once, with the names of the variables it reads. */
  const compileReading = (text: string): { template: CompiledTemplate; reads: readonly string[] } => {
    if (!prompt.template) return { template: literalTemplate(text), reads: [] };
    let checked;
    try {
      checked = checkAndCompile(text, { strict, limits: options.limits, partials: options.partials });
    } catch (error) {
      if (error instanceof RenderFault) throw renderErrorOf(prompt.name, error, options.origin);
      throw error;
    }
    const problem = checked.problems[0] ?? checked.composition[0];
    if (problem?.code === "UNSAFE_TEMPLATE") {
      throw new UnsafeTemplateError(`${options.origin}: prompt "${prompt.name}" line ${problem.line}: ${problem.message}`);
    }
    if (problem) throw new InvalidBundleError(options.origin, `prompt "${prompt.name}": ${problem.message}`);
    // checkAndCompile compiles whenever the check found nothing.
    return { template: checked.template!, reads: checked.variables.map((v) => v.name) };
  };
  const compile = (text: string): CompiledTemplate => compileReading(text).template;
  const required = body.variables.filter((v) => v.required).map((v) => v.name);
  const checkValues = (values: Record<string, unknown>) => {
    if (!strict) return;
    options.checkInputs?.(values);
    // Own properties only: a variable named toString is missing, not Object.prototype's function.
    const missing = required.filter((name) => !Object.hasOwn(values, name) || values[name] === undefined);
    if (missing.length > 0) throw new MissingVariableError(prompt.name, missing);
  };
  const run = (template: CompiledTemplate, values: Record<string, unknown>): string => {
    try {
      return template.render(values);
    } catch (error) {
      if (error instanceof RenderFault) throw renderErrorOf(prompt.name, error);
      if (error instanceof PromptSyncError) throw error;
      throw new RenderError(prompt.name, (error as Error).message, error);
    }
  };
  if (body.messages) {
    // push refuses this (DUPLICATE_PLACEHOLDER); from a registry it would insert one history once per slot.
    const seen = new Set<string>();
    for (const message of body.messages) {
      if (!("placeholder" in message)) continue;
      if (seen.has(message.placeholder)) throw new InvalidBundleError(options.origin, `prompt "${prompt.name}": placeholder "${message.placeholder}" appears twice: its messages would be inserted twice`);
      seen.add(message.placeholder);
    }
    const renderMessages = compileMessages(body.messages, {
      prompt: prompt.name, strict, limits: options.limits ?? DEFAULT_RENDER_LIMITS, compile: compileReading, run,
    });
    return {
      variant,
      variables: body.variables,
      render(values) {
        checkValues(values);
        return renderMessages(values);
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
