import type { RegistryStore } from "../../src/storage/types.ts";

/** The store, noting the size of every object written through it: a floor then writes the same bytes. */
export function recordingSizes(store: RegistryStore, sizes: number[]): RegistryStore {
  return Object.assign(Object.create(store) as RegistryStore, {
    create: (key: string, body: Uint8Array, options: Parameters<RegistryStore["create"]>[2]) => {
      sizes.push(body.byteLength);
      return store.create(key, body, options);
    },
    swap: (key: string, body: Uint8Array, etag: string | null, options: Parameters<RegistryStore["swap"]>[3]) => {
      sizes.push(body.byteLength);
      return store.swap(key, body, etag, options);
    },
  });
}
