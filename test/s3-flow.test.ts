import { randomUUID } from "node:crypto";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { ListObjectsV2Command, GetObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { encodeYaml } from "../src/formats/codec.ts";
import { headersFor } from "../src/formats/layout.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { expectExamplePrompts } from "./helpers/examples.ts";
import { gitRepo } from "./helpers/git.ts";
import { awsEnv, ensureBucket, freshRegistry, publicUrl, rawClient, requireS3, type TestS3 } from "./helpers/s3.ts";

const s3 = requireS3();
const EXAMPLES = new URL("../examples/prompts", import.meta.url).pathname;

/** Every key and ETag under a registry, read with a client of the test's own. */
async function snapshot(server: TestS3, registry: string): Promise<Record<string, string>> {
  const prefix = `${registry.slice(`s3://${server.bucket}/`.length)}/`;
  const page = await rawClient(server).send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }));
  return Object.fromEntries((page.Contents ?? []).map((o) => [o.Key!.slice(prefix.length), o.ETag!]));
}

if (s3) {
  const env = awsEnv(s3);

  describe("the foundation flow against an s3:// registry", () => {
    it("init --public-read, push, alias, version get; the SDK reads the bucket anonymously over HTTP", async () => {
      const dir = await gitRepo({ "README.md": "# shop\n" }, "Initial commit", "shop");
      await cp(EXAMPLES, join(dir, "prompts"), { recursive: true });
      const bucket = `ps-flow-${randomUUID().slice(0, 8)}`;
      const registry = `s3://${bucket}/registry`;
      const cli = (args: string[]) => runCli(dir, [...args, "--registry", registry], env);

      const init = JSON.parse((await cli(["init", "--public-read", "--json"])).stdout) as { bucket: unknown };
      expect(init.bucket).toEqual({ bucket, created: true, publicRead: { resource: `arn:aws:s3:::${bucket}/registry/prompts/*` } });
      const push = await cliJson<{ version: string; registry: string }>(dir, ["push", "--alias", "dev", "--registry", registry], env);
      expect(push).toMatchObject({ version: "v0.1.0", registry });
      const dev = await cli(["version", "get", "dev"]);
      expect(dev).toMatchObject({ code: 0, stdout: "v0.1.0\n" });
      expect((await cli(["alias", "set", "production", "--version", dev.stdout.trim()])).code).toBe(0);
      expect((await cli(["alias", "set", "stable", "v0.1.0"])).code).toBe(0);
      const aliases = await cliJson<{ alias: string; version: string }[]>(dir, ["alias", "list", "--registry", registry], env);
      expect(aliases.map((a) => `${a.alias}=${a.version}`)).toEqual(["dev=v0.1.0", "production=v0.1.0", "stable=v0.1.0"]);

      // No credentials: plain HTTP GETs that the bucket policy allows.
      const http = publicUrl(s3, registry);
      const anonymous = await fetch(`${http}/prompts/shop/greeting/v0.1.0/default.yaml`);
      expect(anonymous.status).toBe(200);
      expect({ contentType: anonymous.headers.get("content-type"), cacheControl: anonymous.headers.get("cache-control") }).toEqual(
        headersFor("prompts/shop/greeting/v0.1.0/default.yaml"),
      );
      expect((await fetch(`${s3.endpoint}/${bucket}?list-type=2`)).status).toBe(403);
      await expectExamplePrompts(new PromptManager({ registry: http, project: "shop", cwd: dir }), { project: "shop", version: "v0.1.0" });
    });
  });

  describe("bytes and immutability on s3", () => {
    const chinese = "你好，{{ name }}！请用简体中文回答关于“{{ topic }}”的问题。\n— 客服团队 🚀\n";
    const large = `# Large prompt {{ name }}\n${"Lorem ipsum dolor sit amet, 中文 ✓ consectetur adipiscing elit.\n".repeat(16_000)}`;

    it("round-trips UTF-8 and a 1 MB prompt byte for byte", async () => {
      await ensureBucket(s3);
      expect(Buffer.byteLength(large)).toBeGreaterThan(1_000_000);
      const files = { "prompts/zh.md": chinese, "prompts/large.txt": large };
      const dir = await gitRepo(files);
      const registry = freshRegistry(s3);
      await cliJson(dir, ["push", "--registry", registry, "--project", "bytes"], env);

      const compiled = compilePrompts(Object.entries(files).map(([path, text]) => ({ path: path.slice("prompts/".length), text })));
      if (!compiled.ok) throw new Error("compile failed");
      const prefix = registry.slice(`s3://${s3.bucket}/`.length);
      for (const prompt of compiled.prompts) {
        const stored = await rawClient(s3).send(
          new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/prompts/bytes/${prompt.name}/v0.1.0/default.yaml` }),
        );
        expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(Buffer.from(encodeYaml(prompt))), prompt.name).toBe(true);
      }
      const pm = new PromptManager({ registry: publicUrl(s3, registry), project: "bytes", cwd: dir });
      const vars = { name: "王小明", topic: "退款" };
      // One trailing newline is dropped, as Jinja does.
      expect((await pm.getPrompt("zh", { versionOrAlias: "v0.1.0" })).format(vars)).toBe(chinese.replace("{{ name }}", "王小明").replace("{{ topic }}", "退款").slice(0, -1));
      expect((await pm.getPrompt("large", { versionOrAlias: "v0.1.0" })).format(vars)).toBe(large.replace("{{ name }}", "王小明").slice(0, -1));
    });

    it("re-pushing a version with other content fails and leaves every object byte-identical", async () => {
      await ensureBucket(s3);
      const dir = await gitRepo({ "prompts/a.txt": "first {{ x }}\n" });
      const registry = freshRegistry(s3);
      await cliJson(dir, ["push", "--registry", registry, "--project", "imm", "--version", "v1.0.0", "--alias", "prod"], env);
      const before = await snapshot(s3, registry);

      const other = await gitRepo({ "prompts/a.txt": "second {{ x }}\n", "prompts/b.txt": "new\n" });
      const result = await runCli(other, ["push", "--registry", registry, "--project", "imm", "--version", "v1.0.0", "--json"], env);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).error.code).toBe("VERSION_IMMUTABLE");
      expect(await snapshot(s3, registry)).toEqual(before);
    });
  });
}
