import { backoff } from "../concurrency.ts";
import { PromptSyncError } from "../errors.ts";
import { headersFor } from "../formats/layout.ts";
import type { RegistryStore } from "./types.ts";

export interface PointerUpdate<T> {
  /** Parses the stored bytes (throws InvalidBundleError when they are not a valid pointer). */
  decode: (body: Uint8Array, key: string) => T;
  encode: (value: T) => Uint8Array;
  /** Returns the new value, or undefined to leave the pointer as it is. Called again after every conflict. */
  apply: (current: T | undefined) => T | undefined;
  /** @default 30 */
  maxAttempts?: number;
  /**
   * The caller believes the pointer does not exist yet: first try to create it without reading it (a wrong
   * guess costs one refused create, then the usual read-modify-write).
   */
  likelyAbsent?: boolean;
}

/**
 * Read-modify-write of a mutable pointer by compare-and-swap: on a conflict, re-read, re-apply and retry with
 * jittered exponential backoff, so concurrent writers each land their change.
 */
export async function updatePointer<T>(store: RegistryStore, key: string, update: PointerUpdate<T>): Promise<T | undefined> {
  if (update.likelyAbsent) {
    const next = update.apply(undefined);
    if (next !== undefined && (await store.swap(key, update.encode(next), null, headersFor(key))).ok) return next;
  }
  const maxAttempts = update.maxAttempts ?? 30;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const stored = await store.get(key);
    const current = stored ? update.decode(stored.body, key) : undefined;
    const next = update.apply(current);
    if (next === undefined) return current;
    const body = update.encode(next);
    const result = store.swapRead
      ? await store.swapRead(key, body, stored ?? null, headersFor(key))
      : await store.swap(key, body, stored?.etag ?? null, headersFor(key));
    if (result.ok) return next;
    await backoff(attempt, 5, 1000);
  }
  throw new PromptSyncError("POINTER_CONFLICT", `Could not update ${key}: it kept changing under ${maxAttempts} attempts`, {
    suggestion: "Too many writers at once; run the command again.",
  });
}
