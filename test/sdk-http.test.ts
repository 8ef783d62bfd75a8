import { join } from "node:path";
import nunjucks from "nunjucks";
import { afterEach, describe, expect, it } from "vitest";
import { PromptManager, PromptUnavailableError } from "../sdk/index.ts";
import { cliJson } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { serveFolder, type StaticServer } from "./helpers/static-server.ts";

let server: StaticServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function published(): Promise<{ dir: string; server: StaticServer }> {
  const dir = await gitRepo({
    "promptsync.config.yaml": "project: web\n",
    "prompts/customer_support.yaml":
      "content: |\n  Hello {{ customer_name }}\nvariants:\n  - tags: {locale: zh}\n    content: |\n    \u00a0\u00a0你好{{ customer_name }}\n".replace(/\u00a0/g, " "),
  });
  await cliJson(dir, ["push", "--alias", "production"]);
  server = await serveFolder(join(dir, ".promptsync/registry"));
  return { dir, server };
}

describe("SDK over HTTP (a real loopback server standing in for the bucket or CDN)", () => {
  it("reads the layout with fetch: a cold getPrompt is the alias pointer, then the content", async () => {
    const { server } = await published();
    const pm = new PromptManager({ registry: server.url, project: "web" });
    const prompt = await pm.getPrompt("customer_support", { tags: { locale: "zh-CN" } });
    expect(prompt).toMatchObject({ version: "v0.1.0", alias: "production", variant: "zh", source: "network" });
    expect(prompt.format({ customer_name: "张伟" })).toBe("你好张伟");
    // Two sequential round trips: the pointer, then the release manifest and the content side by side.
    expect(server.requests[0]).toBe("/prompts/web/aliases/production.json");
    expect(server.requests.slice(1).sort()).toEqual(["/prompts/web/_releases/v0.1.0.json", "/prompts/web/customer_support/v0.1.0/default.yaml"]);
    const again = await pm.getPrompt("customer_support", { tags: { locale: "zh-CN" } });
    expect(again.source).toBe("memory");
    expect(server.requests).toHaveLength(3);
  });

  it("compiles a version's templates once: rendering never parses again", async () => {
    const { server } = await published();
    const parser = (nunjucks as unknown as { parser: { parse: (...a: unknown[]) => unknown } }).parser;
    const original = parser.parse;
    let parses = 0;
    parser.parse = (...args: unknown[]) => {
      parses++;
      return original.apply(parser, args);
    };
    try {
      const pm = new PromptManager({ registry: server.url, project: "web" });
      for (let i = 0; i < 50; i++) {
        (await pm.getPrompt("customer_support", { tags: i % 2 ? { locale: "zh" } : undefined })).format({ customer_name: `c${i}` });
      }
      const afterFirstLoad = parses;
      for (let i = 0; i < 50; i++) (await pm.getPrompt("customer_support")).format({ customer_name: `d${i}` });
      expect(parses).toBe(afterFirstLoad);
      expect(afterFirstLoad).toBeLessThanOrEqual(4);
    } finally {
      parser.parse = original;
    }
  });

  it("re-reads an alias after refreshInterval and serves the new version", async () => {
    const { dir, server } = await published();
    let now = 1_000_000;
    const pm = new PromptManager({ registry: server.url, project: "web", refreshInterval: 60, now: () => now, cacheStrategy: { refreshStrategy: "on-demand" } });
    expect((await pm.getPrompt("customer_support")).version).toBe("v0.1.0");
    await writeFiles(dir, { "prompts/customer_support.yaml": "content: Hi {{ customer_name }}\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    now += 59_000;
    expect((await pm.getPrompt("customer_support")).version).toBe("v0.1.0");
    now += 2_000;
    const fresh = await pm.getPrompt("customer_support");
    expect(fresh.version).toBe("v0.1.1");
    expect(fresh.format({ customer_name: "Ann" })).toBe("Hi Ann");
  });

  it("an unreachable registry is a PromptUnavailableError listing what was tried, or the local file with fallbackToLocal", async () => {
    const { dir, server } = await published();
    await server.close();
    const pm = new PromptManager({ registry: server.url, project: "web", cwd: dir, timeoutMs: 2000 });
    const error = await pm.getPrompt("customer_support").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptUnavailableError);
    expect((error as PromptUnavailableError).attempts).toEqual([{ source: "network", error: expect.stringContaining("Cannot reach the registry") }]);
    const local = await pm.getPrompt("customer_support", { fallbackToLocal: true });
    expect(local).toMatchObject({ version: "local", source: "local" });
    expect(local.format({ customer_name: "Ann" })).toBe("Hello Ann");
  });

  it("a 5xx after retries is PROMPT_UNAVAILABLE naming the status; a missing alias is ALIAS_NOT_FOUND", async () => {
    const { server } = await published();
    const pm = new PromptManager({ registry: server.url, project: "web" });
    await expect(pm.getPrompt("customer_support", { versionOrAlias: "staging" })).rejects.toMatchObject({ code: "ALIAS_NOT_FOUND" });
    await expect(pm.getPrompt("nope", { versionOrAlias: "v0.1.0" })).rejects.toMatchObject({ code: "PROMPT_NOT_FOUND" });
    await expect(pm.getPrompt("customer_support", { versionOrAlias: "v9.0.0" })).rejects.toMatchObject({ code: "VERSION_NOT_FOUND" });
    server.failWith = 502;
    const before = server.requests.length;
    const error = (await pm.getPrompt("customer_support").catch((e: unknown) => e)) as PromptUnavailableError;
    expect(error.code).toBe("PROMPT_UNAVAILABLE");
    expect(error.attempts[0]!.error).toContain("502");
    // The default: two retries with backoff.
    expect(server.requests.length - before).toBe(3);
  });

  it("keeps fetched versions in cacheDir across restarts", async () => {
    const { dir, server } = await published();
    const options = { registry: server.url, project: "web", cacheDir: join(dir, "cache") };
    await new PromptManager(options).getPrompt("customer_support", { versionOrAlias: "v0.1.0" });
    const before = server.requests.length;
    const restarted = await new PromptManager(options).getPrompt("customer_support", { versionOrAlias: "v0.1.0" });
    expect(restarted.source).toBe("disk");
    // The version's manifest and content are both on disk: no request at all.
    expect(server.requests.slice(before)).toEqual([]);
  });
});
