import { describe, expect, it } from "vitest";
import { siteHeaders } from "../src/dashboard/upload.ts";
import { cliJson } from "./helpers/cli.ts";
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
      const built = await cliJson<{ uploaded: { files: number; to: string } }>(dir, ["site", "build", "--upload", "--registry", registry], env);
      expect(built.uploaded.to).toBe(`${registry}/_dashboard/`);
      expect(built.uploaded.files).toBeGreaterThanOrEqual(3);
      // Twice: a rebuild replaces the pages.
      await cliJson(dir, ["site", "build", "--upload", "--registry", registry], env);
      const page = await fetch(`${publicUrl(s3, registry)}/_dashboard/prompts/a/index.html`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("cache-control")).toBe("public, max-age=60, stale-while-revalidate=300");
      expect(await page.text()).toContain("Hello");
    });
  });
}
