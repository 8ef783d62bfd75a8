import { UsageError } from "../errors.ts";
import type { ServedPrompt } from "../formats/telemetry-events.ts";

/** OpenAI's `metadata` limits, which most LLM APIs and tracing tools share. */
const METADATA_LIMITS = { keys: 16, keyLength: 64, valueLength: 512 } as const;

/**
 * A flat string map naming the prompt a call used, plus the caller's context, that fits the `metadata`
 * parameter of the OpenAI API: at most 16 keys, keys up to 64 characters, values up to 512. Context values that
 * are not strings are JSON-encoded. A map that would break a limit is an error naming the key, never truncated
 * silently.
 */
export function trackingMetadata(
  project: string | undefined,
  served: ServedPrompt,
  context: Readonly<Record<string, unknown>> = {},
): Record<string, string> {
  const metadata: Record<string, string> = {
    promptsync_prompt: served.prompt,
    promptsync_version: served.version,
    ...(project !== undefined && { promptsync_project: project }),
    ...(served.variant !== null && { promptsync_variant: served.variant }),
    ...(served.alias !== null && { promptsync_alias: served.alias }),
    ...(served.alias !== null && { promptsync_canary: String(served.canary) }),
  };
  for (const [key, value] of Object.entries(context)) {
    if (key.startsWith("promptsync_")) throw limitError(`context key "${key}" uses the reserved promptsync_ prefix`, "Rename the key.");
    if (value === undefined) continue;
    metadata[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const keys = Object.keys(metadata);
  if (keys.length > METADATA_LIMITS.keys) {
    throw limitError(`the metadata would have ${keys.length} keys; the limit is ${METADATA_LIMITS.keys}`, `Pass at most ${METADATA_LIMITS.keys - (keys.length - Object.keys(context).length)} context keys.`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (key.length > METADATA_LIMITS.keyLength) throw limitError(`metadata key "${key.slice(0, 20)}…" is longer than ${METADATA_LIMITS.keyLength} characters`, "Shorten the key.");
    if (value.length > METADATA_LIMITS.valueLength) throw limitError(`metadata value of "${key}" is longer than ${METADATA_LIMITS.valueLength} characters`, "Pass an ID rather than the content.");
  }
  return metadata;
}

function limitError(message: string, suggestion: string): UsageError {
  return new UsageError(message, suggestion);
}
