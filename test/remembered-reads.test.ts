// rememberReads (src/storage/remembered-reads.ts): alias set's checks and its compare-and-swaps share one read of each
// pointer, and a read that another writer has made stale still never loses that writer's change.
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../src/storage/memory.ts";
import { updatePointer } from "../src/storage/pointer.ts";
import { rememberReads } from "../src/storage/remembered-reads.ts";
import type { RegistryStore } from "../src/storage/types.ts";
import { storageContract, swapReadContract } from "./helpers/storage-contract.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { tempDir } from "./helpers/fs.ts";

const headers = { contentType: "application/json", cacheControl: "no-cache" };
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array | undefined) => (body ? new TextDecoder().decode(body) : undefined);
const KEY = "prompts/p/_index.json";

storageContract("memory, reads remembered", async () => rememberReads(new MemoryStore()));
storageContract("folder, reads remembered", async () => rememberReads(new FolderStore(await tempDir())));
swapReadContract("folder, reads remembered", async () => rememberReads(new FolderStore(await tempDir())));

/** A memory store that counts the reads that reach it. */
function counted(): { store: RegistryStore; reads: () => number } {
  const store: RegistryStore = new MemoryStore();
  let reads = 0;
  const get = store.get.bind(store);
  store.get = (key) => {
    reads++;
    return get(key);
  };
  return { store, reads: () => reads };
}

describe("rememberReads", () => {
  it("reads a key once until it is written through it, then reads it again", async () => {
    const { store, reads } = counted();
    await store.create(KEY, bytes("one"), headers);
    const remembering = rememberReads(store);
    const first = await remembering.get(KEY);
    expect(await remembering.get(KEY)).toBe(first);
    expect(reads()).toBe(1);
    expect((await remembering.swap(KEY, bytes("two"), first!.etag, headers)).ok).toBe(true);
    expect(text((await remembering.get(KEY))?.body)).toBe("two");
    expect(reads()).toBe(2);
  });

  it.each([
    ["memory (swap by ETag)", async (): Promise<RegistryStore> => new MemoryStore()],
    ["folder (swapRead)", async (): Promise<RegistryStore> => new FolderStore(await tempDir())],
  ])("%s: a compare-and-swap from a read another writer made stale fails, and the retry reads the store and keeps that writer's change", async (_, open) => {
    const store = await open();
    await store.create(KEY, bytes("a"), headers);
    const remembering = rememberReads(store);
    expect(text((await remembering.get(KEY))?.body)).toBe("a");
    const current = await store.get(KEY);
    expect((await store.swap(KEY, bytes("ab"), current!.etag, headers)).ok).toBe(true);
    const seen: string[] = [];
    await updatePointer<string>(remembering, KEY, {
      decode: (body) => text(body)!,
      encode: bytes,
      apply: (value) => {
        seen.push(value!);
        return `${value}c`;
      },
    });
    expect(seen).toEqual(["a", "ab"]);
    expect(text((await store.get(KEY))?.body)).toBe("abc");
  });
});
