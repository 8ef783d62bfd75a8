import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import type { CompiledPrompt } from "../src/formats/types.ts";
import { listAliases, setAlias } from "../src/registry/aliases.ts";
import { pushRelease } from "../src/registry/push.ts";
import { RegistryClient } from "../src/registry/read.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { tempDir } from "./helpers/fs.ts";

function compile(files: Record<string, string>): CompiledPrompt[] {
  const result = compilePrompts(Object.entries(files).map(([path, text]) => ({ path, text })));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.prompts;
}

describe("concurrent writers on one folder registry", () => {
  it("10 concurrent pushes without a version get 10 distinct, complete versions", async () => {
    const store = new FolderStore(await tempDir());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => pushRelease(store, { project: "p", prompts: compile({ "a.txt": `writer ${i}\n`, "b.md": "same\n" }) })),
    );
    const versions = results.map((r) => r.version);
    expect(new Set(versions).size).toBe(10);
    const client = new RegistryClient(store, "p");
    for (const [i, r] of results.entries()) {
      expect((await client.manifest(r.version))?.releaseHash).toBe(r.releaseHash);
      expect((await client.prompt(r.version, "a")).content).toBe(`writer ${i}\n`);
    }
    expect((await client.index())?.versions.map((v) => v.version).sort()).toEqual([...versions].sort());
  });

  it("20 concurrent alias sets for 20 aliases all land in the pointers and the index", async () => {
    const store = new FolderStore(await tempDir());
    const { version } = await pushRelease(store, { project: "p", prompts: compile({ "a.txt": "a\n" }) });
    await Promise.all(Array.from({ length: 20 }, (_, i) => setAlias(store, { project: "p", alias: `env-${i}`, ref: version })));
    expect((await listAliases(store, "p")).map((a) => a.alias)).toHaveLength(20);
    expect(Object.keys((await new RegistryClient(store, "p").index())!.aliases)).toHaveLength(20);
  });

  it("20 concurrent writers of one alias leave it pointing at one of their versions, with the index agreeing", async () => {
    const store = new FolderStore(await tempDir());
    const versions: string[] = [];
    for (let i = 0; i < 5; i++) versions.push((await pushRelease(store, { project: "p", prompts: compile({ "a.txt": `${i}\n` }) })).version);
    await Promise.all(Array.from({ length: 20 }, (_, i) => setAlias(store, { project: "p", alias: "prod", ref: versions[i % 5]! })));
    const client = new RegistryClient(store, "p");
    const pointer = await client.alias("prod");
    expect(versions).toContain(pointer!.version);
    expect(pointer!.revision).toBe(20);
    expect((await client.index())!.aliases.prod).toEqual({ version: pointer!.version, revision: 20 });
  });
});
