import { createHash } from "node:crypto";
import { bodyLimitOf } from "../formats/layout.ts";
import { tooLarge } from "./body-limit.ts";
import { checkRegistryKey, checkRegistryPrefix } from "./key.ts";
import type { RegistryStore, StoredObject, SwapResult } from "./types.ts";

interface MemoryObject {
  body: Uint8Array;
  etag: string;
  modified: Date;
}

/**
 * A registry in memory, for fast unit tests: the same guarantees as the other drivers (create never overwrites,
 * swap by ETag, list sorted, every key checked by key.ts, reads bounded by the key's body limit), run through the
 * same contract suite. Bodies are copied in and out, so a caller changing its bytes changes nothing stored.
 */
export class MemoryStore implements RegistryStore {
  readonly url: string;
  private readonly objects = new Map<string, MemoryObject>();

  constructor(url = "memory://registry") {
    this.url = url;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const object = this.objects.get(checkRegistryKey(key));
    if (!object) return undefined;
    const limit = bodyLimitOf(key);
    if (object.body.byteLength > limit.bytes) throw tooLarge(key, limit);
    return { body: object.body.slice(), etag: object.etag, modified: object.modified };
  }

  async head(key: string): Promise<{ etag: string; size: number } | undefined> {
    const object = this.objects.get(checkRegistryKey(key));
    return object && { etag: object.etag, size: object.body.byteLength };
  }

  async list(prefix: string): Promise<string[]> {
    checkRegistryPrefix(prefix);
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async create(key: string, body: Uint8Array): Promise<boolean> {
    if (this.objects.has(checkRegistryKey(key))) return false;
    this.put(key, body);
    return true;
  }

  async swap(key: string, body: Uint8Array, expectedEtag: string | null): Promise<SwapResult> {
    if ((this.objects.get(checkRegistryKey(key))?.etag ?? null) !== expectedEtag) return { ok: false };
    return { ok: true, etag: this.put(key, body) };
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(checkRegistryKey(key));
  }

  private put(key: string, body: Uint8Array): string {
    const etag = `"${createHash("sha256").update(body).digest("hex")}"`;
    this.objects.set(key, { body: body.slice(), etag, modified: new Date() });
    return etag;
  }
}
