import type { RegistryReader, StoredObject } from "./types.ts";

export type Revalidation = { status: "unchanged" } | { status: "changed"; object: StoredObject } | { status: "missing" };

interface ConditionalReader extends RegistryReader {
  getIfChanged(key: string, etag: string): Promise<Revalidation>;
}

/**
 * Re-reads a pointer the caller holds with `etag`. Over HTTP this is a conditional GET (a 304 has no body);
 * other readers compare ETags after a plain read.
 */
export async function revalidate(reader: RegistryReader, key: string, etag: string | undefined): Promise<Revalidation> {
  if (etag && "getIfChanged" in reader) return (reader as ConditionalReader).getIfChanged(key, etag);
  const object = await reader.get(key);
  if (!object) return { status: "missing" };
  return etag && object.etag === etag ? { status: "unchanged" } : { status: "changed", object };
}
