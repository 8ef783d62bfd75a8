import type { RegistryStore, StoredObject, SwapResult, WriteOptions } from "./types.ts";

/**
 * A store that answers every read of a key from its first read, until the key is written through it: for one
 * command that checks pointers and then changes them by compare-and-swap (alias set reads the alias and the index
 * for its checks, then again to change them; issue 15). A swap from a read that is no longer current fails as any
 * stale compare-and-swap does, and forgets the key, so the retry reads the store again. Not for anything that
 * waits for another writer's change (a poll): it would never see it.
 */
export function rememberReads(store: RegistryStore): RegistryStore {
  const reads = new Map<string, Promise<StoredObject | undefined>>();
  const forget = <T>(key: string, write: () => Promise<T>): Promise<T> => {
    reads.delete(key);
    return write();
  };
  return {
    url: store.url,
    get: (key) => {
      let read = reads.get(key);
      if (!read) {
        read = store.get(key);
        reads.set(key, read);
        read.catch(() => reads.delete(key));
      }
      return read;
    },
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
    create: (key: string, body: Uint8Array, options: WriteOptions): Promise<boolean> => forget(key, () => store.create(key, body, options)),
    swap: (key: string, body: Uint8Array, expectedEtag: string | null, options: WriteOptions): Promise<SwapResult> =>
      forget(key, () => store.swap(key, body, expectedEtag, options)),
    ...(store.swapRead && {
      swapRead: (key: string, body: Uint8Array, read: StoredObject | null, options: WriteOptions): Promise<SwapResult> =>
        forget(key, () => store.swapRead!(key, body, read, options)),
    }),
    delete: (key) => forget(key, () => store.delete(key)),
  };
}
