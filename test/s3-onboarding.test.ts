import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { PromptManager } from "../sdk/index.ts";
import { runCli } from "./helpers/cli.ts";
import { gitRepo } from "./helpers/git.ts";
import { awsEnv, rawClient, requireS3 } from "./helpers/s3.ts";

/**
 * S3 onboarding (issue 16): `init --public-read` prints and stores the URL apps read and the endpoint, with the
 * SDK line to paste; the bucket policy opens prompts/ and, only when asked, the dashboard beside it.
 */

const s3 = requireS3();

if (s3) {
  const env = awsEnv(s3);
  const anonymous = async (url: string) => (await fetch(url)).status;

  describe("init --registry s3://… --public-read", () => {
    it("prints the public URL and the SDK snippet, stores publicUrl and s3.endpoint, and opens prompts/ and nothing else", { timeout: 120_000 }, async () => {
      const dir = await gitRepo({ "README.md": "# shop\n" }, "Initial commit", "shop");
      const bucket = `ps-onboard-${randomUUID().slice(0, 8)}`;
      const registry = `s3://${bucket}/registry`;
      const url = `${s3.endpoint}/${bucket}/registry`;

      const init = await runCli(dir, ["init", "--registry", registry, "--public-read"], env);
      expect(init.code).toBe(0);
      expect(init.stdout).toContain(`allowed anonymous GET on arn:aws:s3:::${bucket}/registry/prompts/*\n`);
      expect(init.stdout).toContain(
        `Apps read the registry at ${url} (publicUrl in promptsync.config.yaml):\n  new PromptManager({ registry: "${url}", project: "shop" })\n`,
      );
      expect(init.stdout).not.toContain("_dashboard");
      const configText = await readFile(join(dir, "promptsync.config.yaml"), "utf8");
      expect(parseYaml(configText)).toEqual({ project: "shop", prompts: "prompts", registry, publicUrl: url, s3: { endpoint: s3.endpoint } });
      expect(configText).not.toContain(s3.accessKeyId);
      expect(configText).not.toContain(s3.secretAccessKey);

      // Objects beside the registry, written with credentials: the dashboard, telemetry, anything else.
      const prefix = "registry/";
      for (const key of ["_dashboard/index.html", "telemetry/shop/clients/c.json", "notes.txt"]) {
        await rawClient(s3).send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${key}`, Body: "x", ContentType: "text/html" }));
      }
      expect((await runCli(dir, ["push", "--alias", "dev"], env)).code).toBe(0);

      // A plain fetch, no credentials: the registry's objects only.
      expect(await anonymous(`${url}/prompts/shop/hello/v0.1.0/default.yaml`)).toBe(200);
      expect(await anonymous(`${url}/prompts/shop/aliases/dev.json`)).toBe(200);
      for (const key of ["_dashboard/index.html", "telemetry/shop/clients/c.json", "notes.txt"]) expect(await anonymous(`${url}/${key}`), key).toBe(403);
      expect(await anonymous(`${s3.endpoint}/${bucket}?list-type=2`)).toBe(403);
      // The snippet works as printed.
      const pm = new PromptManager({ registry: url, project: "shop", cwd: dir });
      try {
        const prompt = await pm.getPrompt("hello", { versionOrAlias: "dev" });
        expect(prompt.format({ company_name: "Acme" })).toContain("Acme");
      } finally {
        await pm.close();
      }

      // --public-dashboard adds _dashboard/; the existing config is kept and already has both settings.
      const withDashboard = await runCli(dir, ["init", "--registry", registry, "--public-read", "--public-dashboard"], env);
      expect(withDashboard.code).toBe(0);
      expect(withDashboard.stdout).toContain(`allowed anonymous GET on arn:aws:s3:::${bucket}/registry/_dashboard/*\n`);
      expect(withDashboard.stdout).toContain(`The dashboard, once site build --upload has published it: ${url}/_dashboard/index.html\n`);
      expect(withDashboard.stdout).toContain("kept    promptsync.config.yaml (exists)");
      expect(withDashboard.stdout).not.toContain("Add to promptsync.config.yaml");
      expect(await anonymous(`${url}/_dashboard/index.html`)).toBe(200);
      expect(await anonymous(`${url}/prompts/shop/aliases/dev.json`)).toBe(200);
      for (const key of ["telemetry/shop/clients/c.json", "notes.txt"]) expect(await anonymous(`${url}/${key}`), key).toBe(403);

      // Asked again without it, the dashboard's statement goes.
      const json = JSON.parse((await runCli(dir, ["init", "--registry", registry, "--public-read", "--json"], env)).stdout) as Record<string, unknown>;
      expect(json).toMatchObject({ publicUrl: url, endpoint: s3.endpoint, bucket: { bucket, publicRead: { resource: `arn:aws:s3:::${bucket}/registry/prompts/*` } } });
      expect(await anonymous(`${url}/_dashboard/index.html`)).toBe(403);
      expect(await anonymous(`${url}/prompts/shop/aliases/dev.json`)).toBe(200);
    });

    it("a config that exists is not rewritten: init says what to add to it", { timeout: 60_000 }, async () => {
      const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n" }, "Initial commit", "shop");
      const bucket = `ps-onboard-${randomUUID().slice(0, 8)}`;
      const url = `${s3.endpoint}/${bucket}/reg`;
      const init = await runCli(dir, ["init", "--registry", `s3://${bucket}/reg`, "--public-read"], env);
      expect(init.code).toBe(0);
      expect(init.stdout).toContain(`Add to promptsync.config.yaml:\n  publicUrl: ${url}\n  s3:\n    endpoint: ${s3.endpoint}\n`);
      expect(init.stdout).toContain(`Apps read the registry at ${url}:\n  new PromptManager({ registry: "${url}", project: "shop" })\n`);
      expect(await readFile(join(dir, "promptsync.config.yaml"), "utf8")).toBe("project: shop\n");
    });
  });
}

describe("init's usage errors", () => {
  it("--public-dashboard needs --public-read", async () => {
    const dir = await gitRepo({ "README.md": "# shop\n" });
    const result = await runCli(dir, ["init", "--registry", "s3://some-bucket/reg", "--public-dashboard"]);
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining("error: --public-dashboard goes with --public-read") });
  });
});
