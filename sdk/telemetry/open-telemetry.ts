// Span attributes for the OpenTelemetry GenAI semantic conventions (docs/telemetry.md#opentelemetry). The API is an
// optional peer dependency: the manager starts loading it when it is created, so that getPrompt (which waits for
// that load) and every format() after it are covered; when it is not installed nothing is loaded, and nothing is
// set. Only the API's structural types are used here, so the SDK's declarations never name the package.
import type { Prompt } from "../prompt.ts";

/** The part of an OpenTelemetry span the SDK writes to. */
export interface SpanLike {
  setAttributes(attributes: Record<string, string | boolean>): unknown;
}

interface TraceApi {
  trace: { getActiveSpan(): SpanLike | undefined };
}

/**
 * `gen_ai.prompt.name` is the convention's (open-telemetry/semantic-conventions-genai, development status;
 * ATTR_GEN_AI_PROMPT_NAME in @opentelemetry/semantic-conventions/incubating). The rest are PromptSync's, with the
 * values createTrackingMetadata gives, plus the content hash.
 */
export const SPAN_ATTRIBUTES = {
  promptName: "gen_ai.prompt.name",
  project: "promptsync.project",
  version: "promptsync.prompt.version",
  alias: "promptsync.prompt.alias",
  variant: "promptsync.prompt.variant",
  canary: "promptsync.canary",
  hash: "promptsync.prompt.hash",
} as const;

let api: TraceApi | undefined;
let loading: Promise<void> | undefined;

/** Starts loading @opentelemetry/api once per process; resolves when it is loaded or known to be absent. */
export function loadOpenTelemetry(): Promise<void> {
  loading ??= import("@opentelemetry/api").then(
    (module) => {
      api = module as unknown as TraceApi;
    },
    () => undefined,
  );
  return loading;
}

const attributesOf = new WeakMap<Prompt, Record<string, string | boolean>>();

/** The attributes of what `prompt` serves: computed once per Prompt, which is immutable. */
export function spanAttributes(prompt: Prompt): Record<string, string | boolean> {
  let attributes = attributesOf.get(prompt);
  if (!attributes) {
    attributes = {
      [SPAN_ATTRIBUTES.promptName]: prompt.name,
      [SPAN_ATTRIBUTES.version]: prompt.version,
      [SPAN_ATTRIBUTES.hash]: prompt.hash,
      ...(prompt.project !== undefined && { [SPAN_ATTRIBUTES.project]: prompt.project }),
      ...(prompt.variant !== undefined && { [SPAN_ATTRIBUTES.variant]: prompt.variant }),
      ...(prompt.alias !== undefined && { [SPAN_ATTRIBUTES.alias]: prompt.alias, [SPAN_ATTRIBUTES.canary]: prompt.canary }),
    };
    attributesOf.set(prompt, attributes);
  }
  return attributes;
}

/** Sets the prompt's attributes on `span`, else on the active span, when OpenTelemetry is loaded. */
export function annotateSpan(prompt: Prompt, span?: SpanLike): void {
  const target = span ?? api?.trace.getActiveSpan();
  if (target) target.setAttributes(spanAttributes(prompt));
}
