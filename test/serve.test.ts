import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CACHE_CONTROL } from "../src/formats/layout.ts";
import { PromptManager } from "../sdk/index.ts";
import { CLI, cliJson } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { awsEnv, requireS3 } from "./helpers/s3.ts";
import { serveCli } from "./helpers/serve-cli.ts";
import { serveFolder } from "./helpers/static-server.ts";

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

describe("promptsync serve: keys from URLs stay inside the registry, failures stay in its log", () => {
  async function pushed(): Promise<string> {
    const dir = await gitRepo({ "prompts/hello.txt": "Hello {{ name }}\n", "promptsync.config.yaml": "project: web\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    return dir;
  }

  it("over an HTTP upstream, an encoded slash cannot carry .. out of prompts/: every such key is 404 and never requested", async () => {
    const dir = await pushed();
    const root = join(dir, ".promptsync");
    await writeFiles(root, { "registry/telemetry/web/clients/c.json": '{"secret":"telemetry"}\n', "secret": "s3cr3t\n" });
    const upstream = await serveFolder(root);
    const origin = await serveCli(dir, ["--registry", `${upstream.url}/registry`]);
    try {
      expect((await fetch(`${origin.url}/prompts/web/aliases/production.json`)).status).toBe(200);
      const attacks = [
        "/prompts/x%2f..%2f..%2ftelemetry%2fweb%2fclients%2fc.json",
        "/prompts/x%2F..%2F..%2F..%2Fsecret",
        "/prompts/web%2f..%2f..%2f..%2fsecret",
        "/prompts/web/%2e%2e/%2e%2e/%2e%2e/secret",
        "/prompts/web/aliases%5c..%5c..%5cproduction.json",
        "/prompts/web/aliases/production.json%00",
        "/prompts/web/.%2faliases/production.json",
        "/prompts/web//aliases/production.json",
        "/prompts/web/aliases/",
        "/prompts/%E0%A4%A",
        "/telemetry/web/clients/c.json",
      ];
      for (const path of attacks) {
        const response = await fetch(`${origin.url}${path}`);
        expect(response.status, path).toBe(404);
        expect(await response.text(), path).toBe("Not found\n");
      }
      expect(upstream.requests).toEqual(["/registry/prompts/web/aliases/production.json"]);
    } finally {
      await origin.stop();
      await upstream.close();
    }
  });

  it("over a folder registry, a file or folder linked out of the root is not served: a generic 500, the reason in its log", async () => {
    const dir = await pushed();
    const outside = await tempDir();
    await writeFiles(outside, { "secret.txt": "s3cr3t\n", "other/_index.json": "{}\n" });
    const registry = join(dir, ".promptsync/registry");
    await symlink(join(outside, "secret.txt"), join(registry, "prompts/web/leak.json"));
    await symlink(join(outside, "other"), join(registry, "prompts/other"));
    const origin = await serveCli(dir);
    try {
      for (const path of ["/prompts/web/leak.json", "/prompts/other/_index.json"]) {
        const response = await fetch(`${origin.url}${path}`);
        expect(response.status, path).toBe(500);
        expect(await response.text(), path).toBe("Internal server error\n");
      }
      await expect.poll(() => origin.stderr()).toContain("prompts/other/_index.json");
      expect(origin.stderr()).toMatch(/prompts\/web\/leak\.json.*symbolic link/);
      expect((await fetch(`${origin.url}/prompts/web/aliases/production.json`)).status).toBe(200);
    } finally {
      await origin.stop();
    }
  });

  it("an unreachable upstream is a bare 502: its address goes to the log, not to the client", async () => {
    const dir = await pushed();
    const closed = await serveFolder(dir);
    await closed.close();
    const origin = await serveCli(dir, ["--registry", `${closed.url}/private-base`]);
    try {
      const response = await fetch(`${origin.url}/prompts/web/aliases/production.json`);
      expect(response.status).toBe(502);
      const body = await response.text();
      expect(body).toBe("Bad gateway\n");
      await expect.poll(() => origin.stderr()).toContain("private-base");
      expect(origin.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await origin.stop();
    }
  });

  const s3 = requireS3();
  it.skipIf(!s3)("a bucket failure is a bare 500: bucket, endpoint and detail go to the log, not to the client", async () => {
    const dir = await pushed();
    const bucket = `promptsync-missing-${randomUUID().slice(0, 8)}`;
    const origin = await serveCli(dir, ["--registry", `s3://${bucket}/prefix`], awsEnv(s3!));
    try {
      const response = await fetch(`${origin.url}/prompts/web/aliases/production.json`);
      expect(response.status).toBe(500);
      const body = await response.text();
      expect(body).toBe("Internal server error\n");
      expect(JSON.stringify([...response.headers])).not.toContain(bucket);
      await expect.poll(() => origin.stderr()).toContain(bucket);
      expect(origin.stderr()).toContain("BUCKET_NOT_FOUND");
    } finally {
      await origin.stop();
    }
  });
});
