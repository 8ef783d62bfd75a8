import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PromptManager } from "../sdk/index.ts";
import { cliJson } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { countingOrigin, type CountingOrigin } from "./helpers/origin-server.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
});

async function published(): Promise<{ dir: string; origin: CountingOrigin }> {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: app\n", "prompts/greet.txt": "Hello {{ name }}\n" });
  await cliJson(dir, ["push", "--alias", "production"]);
  const origin = await countingOrigin(join(dir, ".promptsync/registry"));
  cleanup.push(() => origin.stop().catch(() => undefined));
  return { dir, origin };
}

async function republish(dir: string, text: string): Promise<string> {
  await writeFiles(dir, { "prompts/greet.txt": text });
  return (await cliJson<{ version: string }>(dir, ["push", "--alias", "production"])).version;
}

/** A registry in front of `upstream` that answers every request `delayMs` late (conditional requests included). */
async function slowProxy(upstream: string): Promise<{ url: string; delayMs: number }> {
  const proxy = { url: "", delayMs: 0 };
  const server: Server = createServer((req, res) => {
    setTimeout(() => {
      const headers: Record<string, string> = {};
      if (typeof req.headers["if-none-match"] === "string") headers["if-none-match"] = req.headers["if-none-match"];
      fetch(`${upstream}${req.url ?? "/"}`, { headers })
        .then(async (answer) => {
          const body = Buffer.from(await answer.arrayBuffer());
          const etag = answer.headers.get("etag");
          res.writeHead(answer.status, { ...(etag ? { etag } : {}), "content-length": body.length }).end(body);
        })
        .catch(() => res.writeHead(502).end());
    }, proxy.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

const POINTER = "/prompts/app/aliases/production.json";

describe("SDK start-up: an alias pointer from cacheDir is revalidated once per process", () => {
  it("a restart right after alias set serves the new version on the first getPrompt", async () => {
    const { dir, origin } = await published();
    const options = { registry: origin.url, project: "app", cacheDir: join(dir, "cache") };
    expect((await new PromptManager(options).getPrompt("greet")).version).toBe("v0.1.0");
    const next = await republish(dir, "Hi {{ name }}\n");

    origin.requests.length = 0;
    const restarted = await new PromptManager(options).getPrompt("greet");
    expect(restarted).toMatchObject({ version: next, stale: false });
    expect(restarted.format({ name: "Ann" })).toBe("Hi Ann");
    // One conditional request for the pointer, answered with the moved pointer.
    expect(origin.requests.filter((r) => r.path === POINTER)).toEqual([expect.objectContaining({ conditional: true, status: 200 })]);

    // The fresh pointer went to disk: the next restart's check is a 304, and everything else comes from disk.
    origin.requests.length = 0;
    const again = await new PromptManager(options).getPrompt("greet");
    expect(again).toMatchObject({ version: next, source: "disk", stale: false });
    expect(origin.requests).toEqual([expect.objectContaining({ path: POINTER, conditional: true, status: 304, bytes: 0 })]);
  });

  it("a registry that is down: the disk pointer is served, unmarked within fileTtl and stale beyond it", async () => {
    const { dir, origin } = await published();
    const cacheDir = join(dir, "cache");
    await new PromptManager({ registry: origin.url, project: "app", cacheDir }).getPrompt("greet");
    await origin.stop();

    const started = Date.now();
    const restarted = await new PromptManager({ registry: origin.url, project: "app", cacheDir }).getPrompt("greet");
    expect(Date.now() - started).toBeLessThan(1000 + 2000);
    expect(restarted).toMatchObject({ version: "v0.1.0", source: "disk", stale: false });

    const expired = await new PromptManager({ registry: origin.url, project: "app", cacheDir, cacheStrategy: { fileTtl: 0 } }).getPrompt("greet");
    expect(expired).toMatchObject({ version: "v0.1.0", source: "disk", stale: true });
  });

  it("a slow registry: the first getPrompt waits at most startupRevalidationTimeout, then switches when the answer comes", async () => {
    const { dir, origin } = await published();
    const cacheDir = join(dir, "cache");
    const slow = await slowProxy(origin.url);
    await new PromptManager({ registry: slow.url, project: "app", cacheDir }).getPrompt("greet");
    const next = await republish(dir, "Hi {{ name }}\n");
    slow.delayMs = 3000;

    const pm = new PromptManager({ registry: slow.url, project: "app", cacheDir, cacheStrategy: { startupRevalidationTimeout: 0.5 } });
    const started = Date.now();
    const first = await pm.getPrompt("greet");
    expect(Date.now() - started).toBeLessThan(500 + 2000);
    expect(first).toMatchObject({ version: "v0.1.0", source: "disk", stale: false });

    const deadline = Date.now() + 15_000;
    let version = first.version;
    while (version !== next && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      version = (await pm.getPrompt("greet")).version;
    }
    expect(version).toBe(next);
  }, 30_000);
});

describe("SDK local mode: no registry configured", () => {
  async function localProject(): Promise<string> {
    return gitRepo({ "promptsync.config.yaml": "project: app\n", "prompts/greet.txt": "Hello {{ name }}\n" });
  }

  function collectWarnings(): Error[] {
    const warnings: Error[] = [];
    const listener = (warning: Error) => {
      if ((warning as Error & { code?: string }).code === "PROMPTSYNC_LOCAL_MODE") warnings.push(warning);
    };
    process.on("warning", listener);
    cleanup.push(async () => void process.off("warning", listener));
    return warnings;
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it("an alias or version asked for is ignored with one warning per manager (PROMPTSYNC_LOCAL_MODE)", async () => {
    const dir = await localProject();
    const warnings = collectWarnings();
    const quiet = new PromptManager({ cwd: dir });
    expect(await quiet.getPrompt("greet")).toMatchObject({ version: "local", source: "local" });
    await settle();
    expect(warnings).toEqual([]);

    const pm = new PromptManager({ cwd: dir });
    expect(await pm.getPrompt("greet", { versionOrAlias: "production" })).toMatchObject({ version: "local", source: "local" });
    expect(await pm.getPrompt("greet", { versionOrAlias: "v1.0.0" })).toMatchObject({ version: "local" });
    await pm.preload({ versionOrAlias: "staging" });
    await settle();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('"production" is ignored');

    // An explicit defaultVersionOrAlias is asked for too.
    await new PromptManager({ cwd: dir, defaultVersionOrAlias: "staging" }).getPrompt("greet");
    await settle();
    expect(warnings).toHaveLength(2);
  });

  it("strictLocalMode throws UsageError instead, and still serves calls that ask for no version", async () => {
    const dir = await localProject();
    const warnings = collectWarnings();
    const pm = new PromptManager({ cwd: dir, strictLocalMode: true });
    await expect(pm.getPrompt("greet", { versionOrAlias: "production" })).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("No registry is configured") });
    await expect(pm.preload({ versionOrAlias: "v1.0.0" })).rejects.toMatchObject({ code: "USAGE" });
    await expect(pm.diff("greet", "local", "production")).rejects.toMatchObject({ code: "USAGE" });
    expect((await pm.getPrompt("greet")).format({ name: "Ann" })).toBe("Hello Ann");
    await settle();
    expect(warnings).toEqual([]);
  });
});
