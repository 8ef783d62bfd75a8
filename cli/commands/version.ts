import type { Command } from "commander";
import { RegistryClient } from "../../src/registry/read.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions } from "../global-options.ts";
import { print, printJson } from "../output.ts";

export function registerVersion(program: Command): void {
  const version = program.command("version").description("Resolve versions");
  withGlobalOptions(
    version
      .command("get <ref>")
      .description("Print the version an alias (or `latest`) points to: promptsync alias set production --version $(promptsync version get dev)"),
  ).action(async (ref: string, options: GlobalOptions) => {
    const ctx = await resolveContext(options);
    const project = await ctx.project();
    const resolved = await new RegistryClient(await ctx.verifiedReader(), project).resolve(ref);
    if (ctx.json) printJson({ project, ref, ...resolved });
    else print(resolved.version);
  });
}
