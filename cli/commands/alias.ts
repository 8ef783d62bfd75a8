import { AliasNotFoundError, UsageError } from "../../src/errors.ts";
import { deleteAlias, listAliases, refuseNearMiss, rollbackAlias, setAlias, storedAlias, wasCreated } from "../../src/registry/aliases.ts";
import { rememberReads } from "../../src/storage/remembered-reads.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand, defineGroup } from "../define-command.ts";
import { globalOptions, writeOptions } from "../options/global.ts";
import { printNotice, table } from "../output.ts";
import { aliasHistoryTable } from "../printers/alias-history.ts";
import { aliasChangeRequest, confirmOption, protectedAliases } from "../protected-aliases.ts";

interface Confirm {
  confirm?: boolean;
}

const set = defineCommand({
  command: "set <alias> [version]",
  description: "Point an alias at a version (or at what another alias or `latest` points to)",
  options: [
    (command) =>
      command
        .option("--version <version>", "the version, instead of the positional argument")
        .option("--create", "create the alias even though its name is close to an existing one's (prodution beside production)"),
    confirmOption,
    writeOptions,
  ],
  parse: (options: GlobalOptions & Confirm & { version?: string; create?: boolean }, name: string, positional: string | undefined) => {
    if (positional && options.version && positional !== options.version) {
      throw new UsageError(`Two versions given: ${positional} and --version ${options.version}`);
    }
    const ref = positional ?? options.version;
    if (!ref) throw new UsageError("Which version?", `promptsync alias set ${name} v1.2.3 (or --version v1.2.3)`);
    return { ...options, ref };
  },
  run: async (ctx, options, name) => {
    const request = await aliasChangeRequest(ctx, name, { confirm: options.confirm, command: "alias set" });
    // The near-miss check reads the alias and the index; resolving and the compare-and-swaps start from those reads.
    const store = rememberReads(await ctx.store());
    if (options.create !== true) await refuseNearMiss(store, { project: request.project, alias: name, known: protectedAliases(ctx) });
    const pointer = await setAlias(store, { ...request, ref: options.ref });
    const created = wasCreated(pointer);
    if (created && !ctx.json) printNotice(`notice: created the alias "${name}" (it did not exist)`);
    return { ...pointer, created };
  },
  text: (pointer) => `alias ${pointer.alias} → ${pointer.version}`,
});

const remove = defineCommand({
  command: "delete <alias>",
  description: "Delete an alias: writes a tombstone (signed, with a key), so its revision carries on if it comes back",
  options: [(command) => command.option("--force", "delete even while a canary runs on it"), confirmOption, writeOptions],
  run: async (ctx, options: GlobalOptions & Confirm & { force?: boolean }, name: string) => {
    const request = await aliasChangeRequest(ctx, name, { confirm: options.confirm, command: "alias delete" });
    return deleteAlias(await ctx.store(), { ...request, force: options.force === true });
  },
  text: (pointer) => `alias ${pointer.alias} deleted (revision ${pointer.revision})`,
});

const rollback = defineCommand({
  command: "rollback <alias>",
  description: "Move an alias back to the version it pointed to before its current one (run again, it returns)",
  options: [(command) => command.option("--force", "roll back even while a canary runs on it (the canary keeps running)"), confirmOption, writeOptions],
  run: async (ctx, options: GlobalOptions & Confirm & { force?: boolean }, name: string) => {
    const request = await aliasChangeRequest(ctx, name, { confirm: options.confirm, command: "alias rollback" });
    const { pointer, from } = await rollbackAlias(await ctx.store(), { ...request, force: options.force === true });
    return { ...pointer, rolledBackFrom: from };
  },
  text: (pointer) => `alias ${pointer.alias} → ${pointer.version} (rolled back from ${pointer.rolledBackFrom})`,
});

const refresh = defineCommand({
  command: "refresh-signatures",
  description: "Sign every alias pointer and the index again, unchanged: a fresh expiry (signing.pointerTtl) or a new key",
  options: [writeOptions],
  run: async (ctx) => {
    const signing = await ctx.requireSigning();
    // Loaded here: with the release signatures' validator, it is more than the other alias commands load.
    const { refreshSignatures } = await import("../../src/registry/signing.ts");
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
  description: "Every change of an alias: moves, canary steps and deletions (a deleted alias's too)",
  options: [globalOptions],
  run: async (ctx, _options, name: string) => {
    // The stored pointer, tombstone included: who deleted an alias, and when, is history too.
    const pointer = await storedAlias(await ctx.verifiedReader(), await ctx.project(), name);
    if (!pointer) throw new AliasNotFoundError(name, await ctx.project());
    return pointer.history ?? [];
  },
  text: aliasHistoryTable,
});

export const registerAlias = defineGroup({
  command: "alias",
  description: "Move and list aliases (dev, stable, production…)",
  subcommands: [set, remove, rollback, refresh, list, history],
});
