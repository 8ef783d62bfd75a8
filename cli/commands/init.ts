import { basename } from "node:path";
import type { Command } from "commander";
import { initProject } from "../../src/init.ts";
import { toProjectId } from "../../src/names.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions } from "../global-options.ts";
import { printJson } from "../output.ts";

export function registerInit(program: Command): void {
  withGlobalOptions(
    program
      .command("init")
      .description("Create promptsync.config.yaml and a prompts folder with an example prompt")
      .option("--path <dir>", "prompts folder", "prompts"),
  ).action(async (options: GlobalOptions & { path: string }) => {
    const ctx = await resolveContext(options);
    // A new project may have no git remote or package.json yet: its folder name is then the project ID.
    const project = await ctx.project().catch(() => toProjectId(basename(ctx.cwd)));
    const result = await initProject({
      dir: ctx.cwd,
      project,
      promptsPath: options.path,
      ...(options.registry !== undefined && { registry: options.registry }),
    });
    if (ctx.json) return printJson(result);
    for (const file of result.created) console.log(`created ${file}`);
    for (const file of result.kept) console.log(`kept    ${file} (exists)`);
    console.log(`\nNext: promptsync push --alias dev`);
  });
}
