import { describe, expect, it } from "vitest";
import { MemoryStore } from "../src/storage/memory.ts";
import { storageContract } from "./helpers/storage-contract.ts";

storageContract("memory", async () => new MemoryStore());

describe("memory store specifics", () => {
  it("keeps its own copy of the bytes: changing the caller's array, or what get returned, changes nothing stored", async () => {
    const store = new MemoryStore();
    const body = new TextEncoder().encode("one");
    await store.create("prompts/p/a.json", body);
    body[0] = 0x58;
    const read = await store.get("prompts/p/a.json");
    read!.body[1] = 0x58;
    expect(new TextDecoder().decode((await store.get("prompts/p/a.json"))!.body)).toBe("one");
    expect(store.url).toBe("memory://registry");
  });
});
