import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CACHE_CONTROL } from "../src/layout.ts";
import { PromptManager } from "../sdk/index.ts";
import { CLI, cliJson } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";

/** `promptsync serve --port 0` as a child process; resolves with its URL once it listens. */
async function serve(dir: string): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--json"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  for await (const chunk of child.stdout) {
    output += String(chunk);
    if (output.trimEnd().endsWith("}")) break;
  }
  const { url } = JSON.parse(output) as { url: string };
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}

describe("promptsync serve: a local CDN origin for any registry", () => {
  it("serves objects with their Cache-Control and Content-Type, strong ETags, 304s, HEAD and CORS", async () => {
    const dir = await gitRepo({ "prompts/hello.txt": "Hello {{ name }}\n", "promptsync.config.yaml": "project: web\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    const origin = await serve(dir);
    try {
      const alias = await fetch(`${origin.url}/prompts/web/aliases/production.json`);
      expect(alias.status).toBe(200);
      expect(alias.headers.get("cache-control")).toBe(CACHE_CONTROL.pointer);
      expect(alias.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(alias.headers.get("access-control-allow-origin")).toBe("*");
      const etag = alias.headers.get("etag")!;
      expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
      expect(JSON.parse(await alias.text())).toMatchObject({ alias: "production", version: "v0.1.0" });

      const revalidated = await fetch(`${origin.url}/prompts/web/aliases/production.json`, { headers: { "If-None-Match": etag } });
      expect(revalidated.status).toBe(304);
      expect(await revalidated.text()).toBe("");
      expect((await fetch(`${origin.url}/prompts/web/aliases/production.json`, { headers: { "If-None-Match": '"other"' } })).status).toBe(200);

      const prompt = await fetch(`${origin.url}/prompts/web/hello/v0.1.0/default.yaml`, { method: "HEAD" });
      expect(prompt.status).toBe(200);
      expect(prompt.headers.get("cache-control")).toBe(CACHE_CONTROL.immutable);
      expect(prompt.headers.get("content-type")).toBe("application/yaml; charset=utf-8");
      expect(Number(prompt.headers.get("content-length"))).toBeGreaterThan(0);
      expect(await prompt.text()).toBe("");

      const preflight = await fetch(`${origin.url}/prompts/web/_index.json`, { method: "OPTIONS" });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
      expect((await fetch(`${origin.url}/prompts/web/aliases/missing.json`)).status).toBe(404);
      expect((await fetch(`${origin.url}/prompts/web/%2E%2E/%2E%2E/etc/passwd`)).status).toBe(404);
      expect((await fetch(`${origin.url}/prompts/web/_index.json`, { method: "PUT", body: "{}" })).status).toBe(405);

      const pm = new PromptManager({ registry: origin.url, project: "web", cwd: dir });
      expect((await pm.getPrompt("hello")).format({ name: "Ada" })).toBe("Hello Ada");
    } finally {
      expect(await origin.stop()).toBe(0);
    }
  });
});
