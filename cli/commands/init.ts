import { basename } from "node:path";
import { UsageError } from "../../src/errors.ts";
import { toProjectId } from "../../src/formats/names.ts";
import { initProject } from "../../src/project/init.ts";
import type { CliContext, GlobalOptions } from "../context.ts";
import { defineCommand } from "../define-command.ts";
import { globalOptions } from "../options/global.ts";

export const registerInit = defineCommand({
  command: "init",
  description: "Create promptsync.config.yaml and a prompts folder with an example prompt",
  options: [
    (command) =>
      command
        .option("--path <dir>", "prompts folder", "prompts")
        .option("--public-read", "for an s3:// registry: let anyone GET the registry's prompts/ (apps read it over HTTP)"),
    globalOptions,
  ],
  run: async (ctx, options: GlobalOptions & { path: string; publicRead?: boolean }) => {
    if (options.publicRead && ctx.registry.kind !== "s3") {
      throw new UsageError("--public-read applies to s3:// registries", "Add --registry s3://bucket/prefix.");
    }
    const bucket = ctx.registry.kind === "s3" ? await setUpBucket(ctx.s3, ctx.registry.url, options.publicRead === true) : undefined;
    // A new project may have no git remote or package.json yet: its folder name is then the project ID.
    const project = await ctx.project().catch(() => toProjectId(basename(ctx.cwd)));
    const result = await initProject({
      dir: ctx.cwd,
      project,
      promptsPath: options.path,
      ...(options.registry !== undefined && { registry: options.registry }),
    });
    return { ...result, ...(bucket && { bucket }) };
  },
  text: ({ bucket, created, kept }) => [
    ...(bucket ? [`${bucket.created ? "created" : "kept   "} bucket ${bucket.bucket}${bucket.created ? "" : " (exists)"}`] : []),
    ...(bucket?.publicRead ? [`allowed anonymous GET on ${bucket.publicRead.resource}`] : []),
    ...created.map((file) => `created ${file}`),
    ...kept.map((file) => `kept    ${file} (exists)`),
    `\nNext: promptsync push --alias dev`,
  ],
});

/** The AWS SDK loads only for s3:// registries. */
async function setUpBucket(s3: CliContext["s3"], url: string, publicRead: boolean) {
  const { prepareBucket } = await import("../../src/storage/s3-bucket.ts");
  return prepareBucket({ ...s3, url, publicRead });
}
