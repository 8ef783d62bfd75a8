import type { RegistryReader, Revalidation } from "./types.ts";

export type { Revalidation } from "./types.ts";

/**
 * Re-reads a pointer the caller holds with `etag`: with the reader's getIfChanged when it declares one (over
 * HTTP a conditional GET, and a 304 has no body); other readers compare ETags after a plain read.
 */
export async function revalidate(reader: RegistryReader, key: string, etag: string | undefined): Promise<Revalidation> {
  if (etag && reader.getIfChanged) return reader.getIfChanged(key, etag);
  const object = await reader.get(key);
  if (!object) return { status: "missing" };
  return etag && object.etag === etag ? { status: "unchanged" } : { status: "changed", object };
}
