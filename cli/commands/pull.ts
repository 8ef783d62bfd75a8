import { resolve } from "node:path";
import { UsageError } from "../../src/errors.ts";
import { pullSnapshot } from "../../src/registry/pull.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand } from "../define-command.ts";
import { globalOptions, trustOption } from "../options/global.ts";

export const registerPull = defineCommand({
  command: "pull",
  description: "Write a snapshot of one version for apps to ship (PromptManager snapshotDir): served when the registry cannot be reached",
  options: [
    (command) =>
      command
        .option("--alias <alias>", "the alias to snapshot (default: production)")
        .option("--version <version>", "a version instead of an alias")
        .requiredOption("--out <dir>", "the snapshot folder (replaced as a whole)"),
    globalOptions,
    trustOption,
  ],
  parse: (options: GlobalOptions & { alias?: string; version?: string; out: string }) => {
    if (options.alias && options.version) throw new UsageError("Give --alias or --version, not both");
    return options;
  },
  run: async (ctx, options) =>
    pullSnapshot(await ctx.verifiedReader(), await ctx.project(), options.version ?? options.alias ?? "production", resolve(ctx.cwd, options.out)),
  text: (result, options) => `Wrote ${result.prompts} prompts of ${result.version}${result.alias ? ` (${result.alias})` : ""} to ${options.out}`,
});
