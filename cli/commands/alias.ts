import type { Command } from "commander";
import { AliasNotFoundError, UsageError } from "../../src/errors.ts";
import { RegistryClient } from "../../src/registry/read.ts";
import { printAliasHistory } from "./canary.ts";
import { gitInfo } from "../../src/git.ts";
import { listAliases, setAlias } from "../../src/registry/aliases.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withUnsafeStoreOption } from "../global-options.ts";
import { print, printJson, table } from "../output.ts";

export function registerAlias(program: Command): void {
  const alias = program.command("alias").description("Move and list aliases (dev, stable, production…)");

  withUnsafeStoreOption(withGlobalOptions(
    alias
      .command("set <alias> [version]")
      .description("Point an alias at a version (or at what another alias or `latest` points to)")
      .option("--version <version>", "the version, instead of the positional argument"),
  )).action(async (name: string, positional: string | undefined, options: GlobalOptions & { version?: string }) => {
    if (positional && options.version && positional !== options.version) {
      throw new UsageError(`Two versions given: ${positional} and --version ${options.version}`);
    }
    const ref = positional ?? options.version;
    if (!ref) throw new UsageError("Which version?", `promptsync alias set ${name} v1.2.3 (or --version v1.2.3)`);
    const ctx = await resolveContext(options);
    const git = await gitInfo(ctx.cwd, ".");
    const pointer = await setAlias(await ctx.store(), {
      project: await ctx.project(),
      alias: name,
      ref,
      actor: ctx.actor(),
      ...(git && { git }),
    });
    if (ctx.json) printJson(pointer);
    else print(`alias ${pointer.alias} → ${pointer.version}`);
  });

  withGlobalOptions(alias.command("list").description("List the aliases and their versions")).action(
    async (options: GlobalOptions) => {
      const ctx = await resolveContext(options);
      const aliases = await listAliases(await ctx.store(), await ctx.project());
      if (ctx.json) return printJson(aliases);
      if (aliases.length === 0) return print("No aliases yet: promptsync alias set <alias> <version>");
      print(table([["ALIAS", "VERSION", "UPDATED", "BY"], ...aliases.map((a) => [a.alias, a.version, a.updatedAt, a.updatedBy ?? ""])]));
    },
  );

  withGlobalOptions(alias.command("history <alias>").description("Every change of an alias: moves and canary steps")).action(
    async (name: string, options: GlobalOptions) => {
      const ctx = await resolveContext(options);
      const pointer = await new RegistryClient(await ctx.reader(), await ctx.project()).alias(name);
      if (!pointer) throw new AliasNotFoundError(name, await ctx.project());
      printAliasHistory(ctx, pointer);
    },
  );
}
