import { describe, expect, it } from "vitest";
import { RegistryClient } from "../src/registry/read.ts";
import { S3Store } from "../src/storage/s3.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";
import { awsEnv, ensureBucket, freshRegistry, publicUrl, requireS3 } from "./helpers/s3.ts";

const s3 = requireS3();
const PROJECT = "race";

if (s3) {
  const env = awsEnv(s3);

  describe("concurrent CLI processes against one bucket and project", () => {
    it("10 pushes, 20 aliases, 20 writers of one alias: nothing lost, nothing overwritten", { timeout: 180_000 }, async () => {
      await ensureBucket(s3);
      const registry = freshRegistry(s3);
      const args = ["--registry", registry, "--project", PROJECT];

      const repos = await Promise.all(Array.from({ length: 10 }, (_, i) => gitRepo({ "prompts/p.txt": `content ${i} {{ x }}\n` })));
      const pushes = await Promise.all(repos.map((dir) => cliJson<{ version: string; status: string }>(dir, ["push", ...args], env)));
      const versions = pushes.map((p) => p.version);
      expect(pushes.every((p) => p.status === "created")).toBe(true);
      expect(new Set(versions).size).toBe(10);

      Object.assign(process.env, env);
      const client = new RegistryClient(new S3Store({ url: registry }), PROJECT);
      expect((await client.index())?.versions.map((v) => v.version).sort()).toEqual([...versions].sort());
      const pm = new PromptManager({ registry: publicUrl(s3, registry), project: PROJECT });
      for (const [i, version] of versions.entries()) {
        expect((await pm.getPrompt("p", { versionOrAlias: version })).format({ x: "!" }), version).toBe(`content ${i} !`);
      }

      const dir = repos[0]!;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => cliJson(dir, ["alias", "set", `a${i}`, versions[i % 10]!, ...args], env)),
      );
      const listed = await cliJson<{ alias: string; version: string }[]>(dir, ["alias", "list", ...args], env);
      const expected = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, versions[i % 10]]));
      expect(Object.fromEntries(listed.map((a) => [a.alias, a.version]))).toEqual(expected);
      const indexAliases = (await client.index())!.aliases;
      expect(Object.fromEntries(Object.entries(indexAliases).map(([a, p]) => [a, p.version]))).toEqual(expected);

      const writes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => cliJson<{ version: string; revision: number }>(dir, ["alias", "set", "shared", versions[i % 10]!, ...args], env)),
      );
      const pointer = (await client.alias("shared"))!;
      expect(new Set(writes.map((w) => w.revision)).size).toBe(20);
      expect(pointer.revision).toBe(20);
      expect(versions).toContain(pointer.version);
      expect(writes.find((w) => w.revision === 20)?.version).toBe(pointer.version);
      expect((await client.index())!.aliases.shared).toEqual({ version: pointer.version, revision: 20 });
    });
  });
}
