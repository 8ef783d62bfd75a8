import { resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../src/errors.ts";
import { pullSnapshot } from "../../src/registry/pull.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withTrustOption } from "../global-options.ts";
import { print, printJson } from "../output.ts";

export function registerPull(program: Command): void {
  withTrustOption(withGlobalOptions(
    program
      .command("pull")
      .description("Write a snapshot of one version for apps to ship (PromptManager snapshotDir): served when the registry cannot be reached")
      .option("--alias <alias>", "the alias to snapshot (default: production)")
      .option("--version <version>", "a version instead of an alias")
      .requiredOption("--out <dir>", "the snapshot folder (replaced as a whole)"),
  )).action(async (options: GlobalOptions & { alias?: string; version?: string; out: string }) => {
    if (options.alias && options.version) throw new UsageError("Give --alias or --version, not both");
    const ctx = await resolveContext(options);
    const ref = options.version ?? options.alias ?? "production";
    const result = await pullSnapshot(await ctx.verifiedReader(), await ctx.project(), ref, resolve(ctx.cwd, options.out));
    if (ctx.json) return printJson(result);
    print(`Wrote ${result.prompts} prompts of ${result.version}${result.alias ? ` (${result.alias})` : ""} to ${options.out}`);
  });
}
