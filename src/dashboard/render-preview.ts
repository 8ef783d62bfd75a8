import { PromptSyncError } from "../errors.ts";
import type { RenderedMessage } from "../formats/rendered.ts";
import type { CompiledPrompt, Tags } from "../formats/types.ts";
import { materializePrompt, type RenderableBody } from "../template/render-prompt.ts";
import { selectVariant } from "../template/variants.ts";

/** What the dashboard's render preview asks its worker (render-worker.ts) for. */
export interface PreviewRequest {
  /** Echoed in the reply, so that the page keeps only the answer to its latest request. */
  id: number;
  prompt: CompiledPrompt;
  /** The registry version the prompt is from, for error messages. */
  version: string;
  tags: Tags;
  values: Record<string, unknown>;
}

/** A chat prompt's output in the order of its message templates: each message, and each placeholder with what filled it. */
export type PreviewSegment = { message: RenderedMessage } | { placeholder: string; messages: RenderedMessage[] };

export type PreviewReply =
  | { id: number; ok: true; variant: string | undefined; text: string }
  | { id: number; ok: true; variant: string | undefined; segments: PreviewSegment[] }
  | { id: number; ok: false; code: string; message: string };

/** The prompt last loaded, compiled once for every render of it. */
let loaded: { hash: string; bodies: Map<string | undefined, RenderableBody> } | undefined;

/**
 * Renders as the SDK's `getPrompt(name, { tags }).format(values)` does (sdk/loaded-prompt.ts): the same template
 * check and compile of every body (materializePrompt), the same variant selection, the same `inputs` check,
 * required variables, guard and budget, strict mode. Errors come back as the SDK's code and message.
 */
export function renderPreview(request: PreviewRequest): PreviewReply {
  const { id, prompt, version, tags, values } = request;
  try {
    if (loaded?.hash !== prompt.hash) loaded = { hash: prompt.hash, bodies: materializePrompt(prompt, { origin: `${prompt.name}@${version}` }) };
    const variant = selectVariant(prompt.variants, tags);
    const body = loaded.bodies.get(variant?.id)!;
    const rendered = body.render(values);
    if (typeof rendered === "string") return { id, ok: true, variant: variant?.id, text: rendered };
    const templates = (variant ? variant.messages : prompt.messages) ?? [];
    return { id, ok: true, variant: variant?.id, segments: segmentsOf(templates, rendered, values) };
  } catch (error) {
    if (error instanceof PromptSyncError) return { id, ok: false, code: error.code, message: error.message };
    return { id, ok: false, code: "RENDER_FAILED", message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The rendered messages grouped by the template each came from: a message template gives one message, a
 * placeholder as many as the list it was given (the SDK checked it and inserted each), or none.
 */
function segmentsOf(templates: readonly ({ placeholder: string } | object)[], rendered: RenderedMessage[], values: Record<string, unknown>): PreviewSegment[] {
  const segments: PreviewSegment[] = [];
  let at = 0;
  for (const template of templates) {
    if ("placeholder" in template) {
      const given = Object.hasOwn(values, template.placeholder) ? values[template.placeholder] : undefined;
      const count = Array.isArray(given) ? given.length : 0;
      segments.push({ placeholder: template.placeholder, messages: rendered.slice(at, at + count) });
      at += count;
    } else {
      segments.push({ message: rendered[at++]! });
    }
  }
  return segments;
}
