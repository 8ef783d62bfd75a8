import type { Command } from "commander";
import { AliasNotFoundError, UsageError } from "../../src/errors.ts";
import { RegistryClient } from "../../src/registry/read.ts";
import { refreshSignatures } from "../../src/registry/signing.ts";
import { printAliasHistory } from "./canary.ts";
import { gitInfo } from "../../src/git/repository.ts";
import { deleteAlias, listAliases, setAlias } from "../../src/registry/aliases.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withWriteOptions } from "../global-options.ts";
import { print, printJson, table } from "../output.ts";

export function registerAlias(program: Command): void {
  const alias = program.command("alias").description("Move and list aliases (dev, stable, production…)");

  withWriteOptions(
    alias
      .command("set <alias> [version]")
      .description("Point an alias at a version (or at what another alias or `latest` points to)")
      .option("--version <version>", "the version, instead of the positional argument"),
  ).action(async (name: string, positional: string | undefined, options: GlobalOptions & { version?: string }) => {
    if (positional && options.version && positional !== options.version) {
      throw new UsageError(`Two versions given: ${positional} and --version ${options.version}`);
    }
    const ref = positional ?? options.version;
    if (!ref) throw new UsageError("Which version?", `promptsync alias set ${name} v1.2.3 (or --version v1.2.3)`);
    const ctx = await resolveContext(options);
    const signing = await ctx.signing();
    const git = await gitInfo(ctx.cwd, ".");
    const pointer = await setAlias(await ctx.store(), {
      project: await ctx.project(),
      alias: name,
      ref,
      actor: ctx.actor(),
      ...(git && { git }),
      ...(signing && { signing }),
    });
    if (ctx.json) printJson(pointer);
    else print(`alias ${pointer.alias} → ${pointer.version}`);
  });

  withWriteOptions(
    alias
      .command("delete <alias>")
      .description("Delete an alias: writes a tombstone (signed, with a key), so its revision carries on if it comes back")
      .option("--force", "delete even while a canary runs on it"),
  ).action(async (name: string, options: GlobalOptions & { force?: boolean }) => {
    const ctx = await resolveContext(options);
    const signing = await ctx.signing();
    const git = await gitInfo(ctx.cwd, ".");
    const pointer = await deleteAlias(await ctx.store(), {
      project: await ctx.project(),
      alias: name,
      actor: ctx.actor(),
      force: options.force === true,
      ...(git && { git }),
      ...(signing && { signing }),
    });
    if (ctx.json) printJson(pointer);
    else print(`alias ${pointer.alias} deleted (revision ${pointer.revision})`);
  });

  withWriteOptions(
    alias
      .command("refresh-signatures")
      .description("Sign every alias pointer and the index again, unchanged: a fresh expiry (signing.pointerTtl) or a new key"),
  ).action(async (options: GlobalOptions) => {
    const ctx = await resolveContext(options);
    const signing = await ctx.requireSigning();
    const refreshed = await refreshSignatures(await ctx.store(), await ctx.project(), signing, new Date());
    if (ctx.json) return printJson({ keyId: signing.signer.keyId, aliases: refreshed });
    print(`Signed ${refreshed.length} alias pointer${refreshed.length === 1 ? "" : "s"} and the index with ${signing.signer.keyId}`);
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
      const pointer = await new RegistryClient(await ctx.verifiedReader(), await ctx.project()).alias(name);
      if (!pointer) throw new AliasNotFoundError(name, await ctx.project());
      printAliasHistory(ctx, pointer);
    },
  );
}
