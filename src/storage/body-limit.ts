import { InvalidBundleError } from "../errors.ts";
import { bodyLimitOf, formatBytes, type BodyLimit } from "../formats/layout.ts";

/**
 * An object over its kind's limit (layout.ts, BODY_LIMITS). INVALID_BUNDLE: the object is what is wrong, not the
 * network, so the SDK keeps its last good pointer or falls back as it does for any invalid object.
 */
export function tooLarge(key: string, limit: BodyLimit = bodyLimitOf(key)): InvalidBundleError {
  return new InvalidBundleError(key, `larger than ${formatBytes(limit.bytes)}, the limit for its kind (${limit.kind}); it was not read further`);
}

/**
 * Reads a body while counting it: past the limit it stops and cancels the stream (leaving the loop early calls
 * its iterator's `return`, which aborts a fetch body and destroys a Node stream), so memory stays at the limit.
 */
export async function readBounded(key: string, chunks: AsyncIterable<Uint8Array>, limit: BodyLimit = bodyLimitOf(key)): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > limit.bytes) throw tooLarge(key, limit);
    parts.push(chunk);
  }
  if (parts.length === 1) return parts[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return body;
}
