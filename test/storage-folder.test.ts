import { chmod, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { FolderStore } from "../src/storage/folder.ts";
import type { RegistryStore } from "../src/storage/types.ts";
import { runCli, runCliUnprivileged } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { storageContract, swapReadContract } from "./helpers/storage-contract.ts";

const headers = { contentType: "application/json", cacheControl: "no-cache" };
const bytes = (text: string) => new TextEncoder().encode(text);

storageContract("folder", async () => new FolderStore(await tempDir()));
swapReadContract("folder", async () => new FolderStore(await tempDir()));

// Keys that escape the root are refused by every driver: the contract's key tests.
describe("folder store specifics", () => {
  it("leaves no temporary or lock files behind, and refuses the hidden names they use", async () => {
    const root = await tempDir();
    const store: RegistryStore = new FolderStore(root);
    await store.create("prompts/p/a.yaml", bytes("a"), headers);
    await store.swap("prompts/p/aliases/x.json", bytes("x"), null, headers);
    const all = await readdir(root, { recursive: true });
    expect(all.filter((f) => /\.(tmp|lock)$/.test(f))).toEqual([]);
    await expect(store.get("prompts/p/.x.lock")).rejects.toMatchObject({ code: "INVALID_NAME", kind: "key" });
    await expect(store.create("prompts/.p/a.json", bytes("a"), headers)).rejects.toMatchObject({ code: "INVALID_NAME", kind: "key" });
  });
});

describe("folder store: what the file system refuses is an error with a code, the path and a hint", () => {
  /** `promptsync push` of a one-prompt project into `registry`, with --json and without. */
  async function push(registry: string) {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: fs\n", "prompts/greet.txt": "Hello {{ name }}\n" });
    const json = await runCli(dir, ["push", "--registry", registry, "--json"]);
    const text = await runCli(dir, ["push", "--registry", registry]);
    return { json, text, error: (JSON.parse(json.stdout) as { error: { code: string; message: string; suggestion: string } }).error };
  }

  it("a file where the registry folder should be: FOLDER_ERROR naming it, exit 1, no stack trace", async () => {
    const registry = join(await tempDir(), "registry");
    await writeFile(registry, "not a folder\n");
    await expect(new FolderStore(registry).create("prompts/fs/a.json", new Uint8Array(1))).rejects.toMatchObject({
      code: "FOLDER_ERROR",
      message: expect.stringContaining(registry),
    });
    const { json, text, error } = await push(registry);
    expect(json.code).toBe(1);
    expect(error).toMatchObject({ code: "FOLDER_ERROR", message: expect.stringMatching(/^Cannot write .*a file is where the registry needs a folder/) });
    expect(error.message).toContain(registry);
    expect(error.suggestion).toContain(registry);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error: Cannot write /m);
    expect(text.stderr).toMatch(/^hint: /m);
    expect(json.stderr + text.stderr).not.toMatch(/\n\s+at /);
  });

  it("a registry folder this user may not enter (chmod 000): ACCESS_DENIED naming the path, no stack trace", async () => {
    const parent = await tempDir();
    const registry = join(parent, "registry");
    const store = new FolderStore(registry);
    await store.create("prompts/fs/a.json", new Uint8Array(1));
    await chmod(registry, 0o000);
    try {
      const dir = await gitRepo({ "promptsync.config.yaml": "project: fs\n", "prompts/greet.txt": "Hello {{ name }}\n" });
      // Temporary folders are private to their owner: the unprivileged user may enter these, not the registry.
      await Promise.all([chmod(parent, 0o755), chmod(dirname(dir), 0o755), chmod(dir, 0o755)]);
      const json = await runCliUnprivileged(dir, ["push", "--registry", registry, "--json"]);
      const text = await runCliUnprivileged(dir, ["push", "--registry", registry]);
      const error = (JSON.parse(json.stdout) as { error: { code: string; message: string; suggestion: string } }).error;
      expect(json.code).toBe(1);
      expect(error).toMatchObject({ code: "ACCESS_DENIED", message: expect.stringContaining("permission denied") });
      expect(error.message).toContain(registry);
      expect(error.suggestion).toContain(registry);
      expect(text.code).toBe(1);
      expect(text.stderr).toMatch(/^error: .*permission denied/m);
      expect(json.stderr + text.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await chmod(registry, 0o755);
    }
  });
});
