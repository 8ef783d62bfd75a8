import { AliasNotFoundError, PromptSyncError } from "../../src/errors.ts";
import type { AliasPointer } from "../../src/formats/types.ts";
import { listAliases } from "../../src/registry/aliases.ts";
import { abortCanary, promoteCanary, setCanary } from "../../src/registry/canary-rollout.ts";
import { RegistryClient } from "../../src/registry/read.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand, defineGroup } from "../define-command.ts";
import { globalOptions, writeOptions } from "../options/global.ts";
import { table } from "../output.ts";
import { aliasChangeRequest, confirmOption } from "../protected-aliases.ts";

type AliasOption = GlobalOptions & { alias: string; confirm?: boolean };

function describe(pointer: AliasPointer): string {
  return pointer.canary
    ? `${pointer.alias} → ${pointer.version}, canary ${pointer.canary.version} at ${pointer.canary.percentage}%`
    : `${pointer.alias} → ${pointer.version}, no canary`;
}

const set = defineCommand({
  command: "set",
  description: "Start a canary, or change its share (the same users stay in it when it widens)",
  options: [
    (command) =>
      command
        .requiredOption("--alias <alias>", "the alias whose traffic is split")
        .requiredOption("--version <version>", "the canary version")
        .requiredOption("--percentage <p>", "share of traffic, 0 to 100"),
    confirmOption,
    writeOptions,
  ],
  parse: (options: AliasOption & { version: string; percentage: string }) => {
    // "" and "0x10" are numbers to Number(); a share is written in decimal. setCanary names what is wrong.
    const percentage = /^\s*-?\d+(\.\d+)?\s*$/.test(options.percentage) ? Number(options.percentage) : Number.NaN;
    if (Number.isNaN(percentage)) {
      throw new PromptSyncError("CANARY_INVALID", `--percentage must be a number from 0 to 100, not "${options.percentage}"`, {
        suggestion: "For example --percentage 10 or --percentage 2.5.",
      });
    }
    return { ...options, percentage };
  },
  run: async (ctx, options) =>
    setCanary(await ctx.store(), {
      ...(await aliasChangeRequest(ctx, options.alias, { confirm: options.confirm, command: "canary set" })),
      version: options.version,
      percentage: options.percentage,
    }),
  text: describe,
});

/** promote and abort: end the canary, moving the alias to its version or not. */
function endCanary(name: string, end: typeof promoteCanary, description: string, guarded: boolean) {
  return defineCommand({
    command: name,
    description,
    options: [(command) => command.requiredOption("--alias <alias>", "the alias"), ...(guarded ? [confirmOption] : []), writeOptions],
    run: async (ctx, options: AliasOption) =>
      end(await ctx.store(), await aliasChangeRequest(ctx, options.alias, guarded ? { confirm: options.confirm, command: `canary ${name}` } : undefined)),
    text: describe,
  });
}

const promote = endCanary("promote", promoteCanary, "Move the alias to the canary version and end the canary", true);
const abort = endCanary("abort", abortCanary, "End the canary; the alias keeps its version", false);

const status = defineCommand({
  command: "status",
  description: "Canaries running, per alias",
  options: [(command) => command.option("--alias <alias>", "one alias"), globalOptions],
  run: async (ctx, options: GlobalOptions & { alias?: string }) => {
    const project = await ctx.project();
    const client = new RegistryClient(await ctx.verifiedReader(), project);
    const names = options.alias ? [options.alias] : (await listAliases(await ctx.store(), project)).map((a) => a.alias);
    return Promise.all(names.map(async (name) => {
      const pointer = await client.alias(name);
      if (!pointer) throw new AliasNotFoundError(name, project);
      return pointer;
    }));
  },
  json: (pointers) => pointers.map((p) => ({ alias: p.alias, version: p.version, canary: p.canary ?? null })),
  text: (pointers) =>
    table([
      ["ALIAS", "VERSION", "CANARY", "PERCENTAGE", "SINCE"],
      ...pointers.map((p) => [p.alias, p.version, p.canary?.version ?? "-", p.canary ? `${p.canary.percentage}%` : "-", p.canary?.startedAt ?? ""]),
    ]),
});

export const registerCanary = defineGroup({
  command: "canary",
  description: "Roll a version out to a share of an alias's traffic, sticky per user",
  subcommands: [set, promote, abort, status],
});
