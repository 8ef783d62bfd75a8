import { SafeString } from "./safe-string.ts";

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
  /**
   * For a value of the wrong type (wrongType): what was needed and the value received, so that the runtime can
   * name the variable it came from when the value is a filter's input (runtime.ts, `filter`).
   */
  mismatch: { readonly needs: string; readonly received: unknown } | undefined;

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

/** A value's type in Python's words, for messages: never the value itself, which may be private. */
export function typeOf(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "None";
  if (typeof value === "string" || value instanceof SafeString) return "a string";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "number" || typeof value === "bigint") return "a number";
  if (typeof value === "boolean") return "a boolean";
  if (typeof value === "function") return "a function";
  return "a dict";
}

/** `what` (a filter, or one of its arguments) was given a value of the wrong type: "join needs a list, not a number". */
export function wrongType(what: string, needs: string, received: unknown, line?: number): RenderFault {
  const fault = renderFailure(`${what} needs ${needs}, not ${typeOf(received)}`, line);
  fault.mismatch = { needs, received };
  return fault;
}
