import { describe, expect, it } from "vitest";
import { siteHeaders } from "../src/dashboard/upload.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";
import { awsEnv, ensureBucket, freshRegistry, publicUrl, requireS3 } from "./helpers/s3.ts";

const s3 = requireS3();

describe("dashboard headers", () => {
  it("pages are short-lived, hashed assets immutable", () => {
    expect(siteHeaders("index.html")).toEqual({ contentType: "text/html; charset=utf-8", cacheControl: "public, max-age=60, stale-while-revalidate=300" });
    expect(siteHeaders("_astro/page.1a2b3c.js").cacheControl).toBe("public, max-age=31536000, immutable");
  });
});

if (s3) {
  describe("promptsync site build --upload", () => {
    it("publishes the dashboard next to an s3:// registry, with Content-Type and short Cache-Control on HTML", { timeout: 120_000 }, async () => {
      await ensureBucket(s3);
      const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/a.txt": "Hello {{ name }}\n" });
      const registry = freshRegistry(s3);
      const env = awsEnv(s3);
      await cliJson(dir, ["push", "--alias", "production", "--registry", registry], env);
      const view = `${publicUrl(s3, registry)}/_dashboard/`;
      const built = await cliJson<{ base: string; uploaded: { files: number; to: string; url: string } }>(dir, ["site", "build", "--upload", "--registry", registry], env);
      expect(built.uploaded).toMatchObject({ to: `${registry}/_dashboard/`, url: view });
      expect(built.uploaded.files).toBeGreaterThanOrEqual(3);
      // Built for where it is read: its links start at the dashboard's path in the bucket's public URL.
      expect(built.base).toBe(new URL(view).pathname);
      // Twice: a rebuild replaces the pages. It says where to view them.
      const text = await runCli(dir, ["site", "build", "--upload", "--registry", registry], env);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`Uploaded ${built.uploaded.files} files to ${registry}/_dashboard/\nView it at ${view}index.html\n`);
      expect(text.stdout).toContain("docs/s3.md#the-dashboard");
      const index = await fetch(`${view}index.html`);
      expect(index.status).toBe(200);
      const html = await index.text();
      expect(html).toContain(`href="${built.base}aliases/"`);
      for (const [, asset] of html.matchAll(/(?:href|src)="(\/[^"]*\/_astro\/[^"]+)"/g)) expect((await fetch(new URL(asset!, view))).status, asset).toBe(200);
      const page = await fetch(`${publicUrl(s3, registry)}/_dashboard/prompts/a/index.html`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("cache-control")).toBe("public, max-age=60, stale-while-revalidate=300");
      expect(await page.text()).toContain("Hello");
    });
  });
}
