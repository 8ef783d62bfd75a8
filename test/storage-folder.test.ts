import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { FolderStore } from "../src/storage/folder.ts";
import type { RegistryStore } from "../src/storage/types.ts";
import { tempDir } from "./helpers/fs.ts";
import { storageContract } from "./helpers/storage-contract.ts";

const headers = { contentType: "application/json", cacheControl: "no-cache" };
const bytes = (text: string) => new TextEncoder().encode(text);

storageContract("folder", async () => new FolderStore(await tempDir()));

describe("folder store specifics", () => {
  it("leaves no temporary or lock files behind and refuses keys that escape the root", async () => {
    const root = await tempDir();
    const store: RegistryStore = new FolderStore(root);
    await store.create("prompts/p/a.yaml", bytes("a"), headers);
    await store.swap("prompts/p/aliases/x.json", bytes("x"), null, headers);
    const all = await readdir(root, { recursive: true });
    expect(all.filter((f) => /\.(tmp|lock)$/.test(f))).toEqual([]);
    await expect(store.get("prompts/../../etc/passwd")).rejects.toMatchObject({ code: "INVALID_NAME", kind: "key" });
  });
});
