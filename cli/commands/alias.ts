import { AliasNotFoundError, UsageError } from "../../src/errors.ts";
import { gitInfo } from "../../src/git/repository.ts";
import { deleteAlias, listAliases, setAlias } from "../../src/registry/aliases.ts";
import { RegistryClient } from "../../src/registry/read.ts";
import { refreshSignatures } from "../../src/registry/signing.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand, defineGroup } from "../define-command.ts";
import { globalOptions, writeOptions } from "../options/global.ts";
import { table } from "../output.ts";
import { aliasHistoryTable } from "../printers/alias-history.ts";

const set = defineCommand({
  command: "set <alias> [version]",
  description: "Point an alias at a version (or at what another alias or `latest` points to)",
  options: [(command) => command.option("--version <version>", "the version, instead of the positional argument"), writeOptions],
  parse: (options: GlobalOptions & { version?: string }, name: string, positional: string | undefined) => {
    if (positional && options.version && positional !== options.version) {
      throw new UsageError(`Two versions given: ${positional} and --version ${options.version}`);
    }
    const ref = positional ?? options.version;
    if (!ref) throw new UsageError("Which version?", `promptsync alias set ${name} v1.2.3 (or --version v1.2.3)`);
    return { ...options, ref };
  },
  run: async (ctx, { ref }, name) => {
    const signing = await ctx.signing();
    const git = await gitInfo(ctx.cwd, ".");
    return setAlias(await ctx.store(), {
      project: await ctx.project(),
      alias: name,
      ref,
      actor: ctx.actor(),
      ...(git && { git }),
      ...(signing && { signing }),
    });
  },
  text: (pointer) => `alias ${pointer.alias} → ${pointer.version}`,
});

const remove = defineCommand({
  command: "delete <alias>",
  description: "Delete an alias: writes a tombstone (signed, with a key), so its revision carries on if it comes back",
  options: [(command) => command.option("--force", "delete even while a canary runs on it"), writeOptions],
  run: async (ctx, options: GlobalOptions & { force?: boolean }, name: string) => {
    const signing = await ctx.signing();
    const git = await gitInfo(ctx.cwd, ".");
    return deleteAlias(await ctx.store(), {
      project: await ctx.project(),
      alias: name,
      actor: ctx.actor(),
      force: options.force === true,
      ...(git && { git }),
      ...(signing && { signing }),
    });
  },
  text: (pointer) => `alias ${pointer.alias} deleted (revision ${pointer.revision})`,
});

const refresh = defineCommand({
  command: "refresh-signatures",
  description: "Sign every alias pointer and the index again, unchanged: a fresh expiry (signing.pointerTtl) or a new key",
  options: [writeOptions],
  run: async (ctx) => {
    const signing = await ctx.requireSigning();
    const aliases = await refreshSignatures(await ctx.store(), await ctx.project(), signing, new Date());
    return { keyId: signing.signer.keyId, aliases };
  },
  text: ({ keyId, aliases }) => `Signed ${aliases.length} alias pointer${aliases.length === 1 ? "" : "s"} and the index with ${keyId}`,
});

const list = defineCommand({
  command: "list",
  description: "List the aliases and their versions",
  options: [globalOptions],
  run: async (ctx) => listAliases(await ctx.store(), await ctx.project()),
  text: (aliases) =>
    aliases.length === 0
      ? "No aliases yet: promptsync alias set <alias> <version>"
      : table([["ALIAS", "VERSION", "UPDATED", "BY"], ...aliases.map((a) => [a.alias, a.version, a.updatedAt, a.updatedBy ?? ""])]),
});

const history = defineCommand({
  command: "history <alias>",
  description: "Every change of an alias: moves and canary steps",
  options: [globalOptions],
  run: async (ctx, _options, name: string) => {
    const pointer = await new RegistryClient(await ctx.verifiedReader(), await ctx.project()).alias(name);
    if (!pointer) throw new AliasNotFoundError(name, await ctx.project());
    return pointer.history ?? [];
  },
  text: aliasHistoryTable,
});

export const registerAlias = defineGroup({
  command: "alias",
  description: "Move and list aliases (dev, stable, production…)",
  subcommands: [set, remove, refresh, list, history],
});
