/**
 * A render stopped by the guard or the budget, or failed inside the template. src/template/render-prompt.ts turns it into the
 * PromptSync error of its kind (UnsafeTemplateError, RenderLimitError, RenderError) with the prompt's name.
 */
export class RenderFault extends Error {
  readonly kind: "unsafe" | "limit" | "render";
  /** 1-based template line, when known. */
  line: number | undefined;
  /** The RenderLimits field, for kind "limit". */
  readonly limit: string | undefined;

  constructor(kind: RenderFault["kind"], message: string, line?: number, limit?: string) {
    super(message);
    this.name = "RenderFault";
    this.kind = kind;
    this.line = line;
    this.limit = limit;
  }
}

export function unsafe(message: string, line?: number): RenderFault {
  return new RenderFault("unsafe", message, line);
}

export function renderFailure(message: string, line?: number): RenderFault {
  return new RenderFault("render", message, line);
}
