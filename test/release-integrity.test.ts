import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { encodeYaml } from "../src/formats/codec.ts";
import type { CompiledPrompt } from "../src/formats/types.ts";
import { pushRelease } from "../src/registry/push.ts";
import { RegistryClient } from "../src/registry/read.ts";
import { FolderStore } from "../src/storage/folder.ts";
import type { RegistryStore } from "../src/storage/types.ts";
import { PromptManager } from "../sdk/index.ts";
import { tempDir } from "./helpers/fs.ts";

function compile(files: Record<string, string>): CompiledPrompt[] {
  const result = compilePrompts(Object.entries(files).map(([path, text]) => ({ path, text })));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.prompts;
}

/** A store that dies when the push reaches the release manifest, like a CI job killed mid-push. */
function crashingBeforeManifest(store: RegistryStore): RegistryStore {
  return {
    ...wrap(store),
    create: (key, body, options) => {
      if (key.includes("/_releases/")) return Promise.reject(new Error("killed"));
      return store.create(key, body, options);
    },
  };
}

/** A store whose pointer writes fail, like a CI job killed right after the release manifest. */
function crashingAtPointers(store: RegistryStore): RegistryStore {
  return { ...wrap(store), swap: () => Promise.reject(new Error("killed")) };
}

function wrap(store: RegistryStore): RegistryStore {
  return {
    url: store.url,
    get: (key) => store.get(key),
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
    swap: (key, body, etag, options) => store.swap(key, body, etag, options),
    create: (key, body, options) => store.create(key, body, options),
    delete: (key) => store.delete(key),
  };
}

describe("no reader ever sees a partial version", () => {
  it("a push that dies before its manifest leaves a version that nobody resolves, and the same push completes it", async () => {
    const root = await tempDir();
    const store = new FolderStore(root);
    await pushRelease(store, { project: "p", prompts: compile({ "a.txt": "first\n" }) });
    const second = compile({ "a.txt": "second\n", "b.txt": "new\n" });
    await expect(pushRelease(crashingBeforeManifest(store), { project: "p", prompts: second, version: "v0.2.0" })).rejects.toThrow("killed");

    const client = new RegistryClient(store, "p");
    await expect(client.resolve("v0.2.0")).rejects.toMatchObject({ code: "VERSION_NOT_FOUND" });
    expect((await client.resolve("latest")).version).toBe("v0.1.0");
    const pm = new PromptManager({ registry: root, project: "p" });
    await expect(pm.getPrompt("a", { versionOrAlias: "v0.2.0" })).rejects.toMatchObject({ code: "VERSION_NOT_FOUND" });

    // Another push with other content cannot take the claimed version; a push without a version skips it.
    await expect(pushRelease(store, { project: "p", prompts: compile({ "a.txt": "other\n" }), version: "v0.2.0" })).rejects.toMatchObject({ code: "VERSION_IMMUTABLE" });
    expect((await pushRelease(store, { project: "p", prompts: compile({ "a.txt": "third\n" }), bump: "minor" })).version).toBe("v0.3.0");

    // Re-running the interrupted push finishes it.
    expect(await pushRelease(store, { project: "p", prompts: second, version: "v0.2.0" })).toMatchObject({ version: "v0.2.0", status: "created" });
    expect((await pm.getPrompt("b", { versionOrAlias: "v0.2.0" })).format()).toBe("new");
  });
});

describe("a push that dies after its manifest", () => {
  it("leaves a readable version, and re-running it writes the history and index it missed", async () => {
    const root = await tempDir();
    const store = new FolderStore(root);
    const prompts = compile({ "a.txt": "hello\n" });
    await expect(pushRelease(crashingAtPointers(store), { project: "p", prompts })).rejects.toThrow("killed");
    const client = new RegistryClient(store, "p");
    expect(await client.index()).toBeUndefined();
    expect((await client.resolve("v0.1.0")).version).toBe("v0.1.0");

    expect(await pushRelease(store, { project: "p", prompts })).toMatchObject({ version: "v0.1.0", status: "unchanged", written: 0 });
    expect((await client.index())?.versions.map((v) => v.version)).toEqual(["v0.1.0"]);
    const history = await store.get("prompts/p/a/metadata.json");
    expect(JSON.parse(Buffer.from(history!.body).toString()).versions).toHaveLength(1);
  });
});

describe("reproducible compilation", () => {
  const files = {
    "support/refund.yaml": "description: Refunds\nmodel: {temperature: 0.2, name: m}\ncontent: |\n  Refund {{ order.id }} for {{ name }}\nvariants:\n  - tags: {tone: friendly, locale: en}\n    content: Hey {{ name }}\n",
    "greeting.txt": "Hello {{ name }}\r\n",
  };

  it("identical sources give byte-identical compiled files and hashes, whatever the file order", () => {
    const a = compile(files);
    const b = compile(Object.fromEntries(Object.entries(files).reverse()));
    expect(a.map((p) => Buffer.from(encodeYaml(p)).toString("base64"))).toEqual(b.map((p) => Buffer.from(encodeYaml(p)).toString("base64")));
  });

  it("hashes are pinned: a change to the compiled format or the hashing shows up here", () => {
    const prompts = compile(files);
    expect(prompts.map((p) => [p.name, p.hash])).toMatchInlineSnapshot(`
      [
        [
          "greeting",
          "sha256:06774116989b97e01bd1f71eaf7055ee7e1c2d876f028e42718e7201c0d905b5",
        ],
        [
          "support/refund",
          "sha256:2c1e1a17a1d018048c85e646d2fb2ec2f6271cbd10e453bf8d5e8f1c3c906380",
        ],
      ]
    `);
  });
});
