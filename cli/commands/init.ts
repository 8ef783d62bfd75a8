import { basename } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../src/errors.ts";
import { initProject } from "../../src/project/init.ts";
import { toProjectId } from "../../src/formats/names.ts";
import { resolveContext, type CliContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions } from "../global-options.ts";
import { print, printJson } from "../output.ts";

export function registerInit(program: Command): void {
  withGlobalOptions(
    program
      .command("init")
      .description("Create promptsync.config.yaml and a prompts folder with an example prompt")
      .option("--path <dir>", "prompts folder", "prompts")
      .option("--public-read", "for an s3:// registry: let anyone GET the registry's prompts/ (apps read it over HTTP)"),
  ).action(async (options: GlobalOptions & { path: string; publicRead?: boolean }) => {
    const ctx = await resolveContext(options);
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
    if (ctx.json) return printJson({ ...result, ...(bucket && { bucket }) });
    if (bucket) {
      print(`${bucket.created ? "created" : "kept   "} bucket ${bucket.bucket}${bucket.created ? "" : " (exists)"}`);
      if (bucket.publicRead) print(`allowed anonymous GET on ${bucket.publicRead.resource}`);
    }
    for (const file of result.created) print(`created ${file}`);
    for (const file of result.kept) print(`kept    ${file} (exists)`);
    print(`\nNext: promptsync push --alias dev`);
  });
}

/** The AWS SDK loads only for s3:// registries. */
async function setUpBucket(s3: CliContext["s3"], url: string, publicRead: boolean) {
  const { prepareBucket } = await import("../../src/storage/s3-bucket.ts");
  return prepareBucket({ ...s3, url, publicRead });
}
