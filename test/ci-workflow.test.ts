import { execFile } from "node:child_process";
import { chmod, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { RegistryClient } from "../src/registry/read.ts";
import { S3Store } from "../src/storage/s3.ts";
import { CLI } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { awsEnv, ensureBucket, freshRegistry, requireS3 } from "./helpers/s3.ts";

const s3 = requireS3();

interface Step {
  name?: string;
  if?: string;
  run?: string;
}

/** The first workflow in docs/ci.md, as a user would copy it. */
async function documentedWorkflow(): Promise<{ env: Record<string, string>; steps: Step[] }> {
  const doc = await readFile(new URL("../docs/ci.md", import.meta.url), "utf8");
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!yaml) throw new Error("docs/ci.md has no yaml workflow");
  const workflow = parse(yaml) as { env: Record<string, string>; jobs: { publish: { steps: Step[] } } };
  return { env: workflow.env, steps: workflow.jobs.publish.steps };
}

if (s3) {
  describe("the CI workflow in docs/ci.md", () => {
    it("its promptsync steps, run as written on a commit to main, publish and promote the version", { timeout: 60_000 }, async () => {
      await ensureBucket(s3);
      const { env, steps } = await documentedWorkflow();
      const commands = steps.filter((s) => s.run?.includes("promptsync"));
      expect(commands.map((s) => s.run!.trim())).toEqual([
        "npx promptsync push --path prompts --alias dev",
        "npx promptsync alias set production --version $(npx promptsync version get dev)",
      ]);

      const dir = await gitRepo(
        { "prompts/welcome.md": "Welcome, {{ name }}!\n", "promptsync.config.yaml": "project: ci-demo\n", "package.json": '{ "devDependencies": { "promptsync": "*" } }\n' },
        "Add prompts",
      );
      // What `npm ci` would install: the promptsync bin, here the CLI of this checkout.
      const bin = join(dir, "node_modules/.bin/promptsync");
      await writeFiles(dir, { "node_modules/.bin/promptsync": `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n` });
      await chmod(bin, 0o755);

      const registry = freshRegistry(s3);
      expect(env.PROMPTSYNC_REGISTRY).toMatch(/^s3:\/\//);
      const runEnv = { ...process.env, ...awsEnv(s3), PROMPTSYNC_REGISTRY: registry, GITHUB_REF: "refs/heads/main", CI: "true" };
      for (const step of commands) {
        expect(step.if === undefined || step.if === "github.ref == 'refs/heads/main'").toBe(true);
        await promisify(execFile)("bash", ["-eo", "pipefail", "-c", step.run!], { cwd: dir, env: runEnv });
      }

      Object.assign(process.env, awsEnv(s3));
      const client = new RegistryClient(new S3Store({ url: registry }), "ci-demo");
      expect(await client.resolve("dev")).toMatchObject({ version: "v0.1.0" });
      expect(await client.resolve("production")).toMatchObject({ version: "v0.1.0" });
    });
  });
}
