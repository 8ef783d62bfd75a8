import type { Command } from "commander";
import { AliasNotFoundError, PromptSyncError } from "../../src/errors.ts";
import type { AliasPointer } from "../../src/formats/types.ts";
import { gitInfo } from "../../src/git/repository.ts";
import { abortCanary, promoteCanary, setCanary, type CanaryRequest } from "../../src/registry/canary-rollout.ts";
import { listAliases } from "../../src/registry/aliases.ts";
import { RegistryClient } from "../../src/registry/read.ts";
import { resolveContext, type CliContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withWriteOptions } from "../global-options.ts";
import { print, printJson, table } from "../output.ts";

type AliasOption = GlobalOptions & { alias: string };

async function request(ctx: CliContext, alias: string): Promise<CanaryRequest> {
  const signing = await ctx.signing();
  const git = await gitInfo(ctx.cwd, ".");
  return { project: await ctx.project(), alias, actor: ctx.actor(), ...(git && { git }), ...(signing && { signing }) };
}

function describe(pointer: AliasPointer): string {
  return pointer.canary
    ? `${pointer.alias} → ${pointer.version}, canary ${pointer.canary.version} at ${pointer.canary.percentage}%`
    : `${pointer.alias} → ${pointer.version}, no canary`;
}

export function registerCanary(program: Command): void {
  const canary = program.command("canary").description("Roll a version out to a share of an alias's traffic, sticky per user");

  withWriteOptions(
    canary
      .command("set")
      .description("Start a canary, or change its share (the same users stay in it when it widens)")
      .requiredOption("--alias <alias>", "the alias whose traffic is split")
      .requiredOption("--version <version>", "the canary version")
      .requiredOption("--percentage <p>", "share of traffic, 0 to 100"),
  ).action(async (options: AliasOption & { version: string; percentage: string }) => {
    // "" and "0x10" are numbers to Number(); a share is written in decimal. setCanary names what is wrong.
    const percentage = /^\s*-?\d+(\.\d+)?\s*$/.test(options.percentage) ? Number(options.percentage) : Number.NaN;
    if (Number.isNaN(percentage)) {
      throw new PromptSyncError("CANARY_INVALID", `--percentage must be a number from 0 to 100, not "${options.percentage}"`, {
        suggestion: "For example --percentage 10 or --percentage 2.5.",
      });
    }
    const ctx = await resolveContext(options);
    const pointer = await setCanary(await ctx.store(), { ...(await request(ctx, options.alias)), version: options.version, percentage });
    if (ctx.json) printJson(pointer);
    else print(describe(pointer));
  });

  for (const [name, run, text] of [
    ["promote", promoteCanary, "Move the alias to the canary version and end the canary"],
    ["abort", abortCanary, "End the canary; the alias keeps its version"],
  ] as const) {
    withWriteOptions(
      canary.command(name).description(text).requiredOption("--alias <alias>", "the alias"),
    ).action(async (options: AliasOption) => {
      const ctx = await resolveContext(options);
      const pointer = await run(await ctx.store(), await request(ctx, options.alias));
      if (ctx.json) printJson(pointer);
      else print(describe(pointer));
    });
  }

  withGlobalOptions(
    canary.command("status").description("Canaries running, per alias").option("--alias <alias>", "one alias"),
  ).action(async (options: GlobalOptions & { alias?: string }) => {
    const ctx = await resolveContext(options);
    const project = await ctx.project();
    const client = new RegistryClient(await ctx.verifiedReader(), project);
    const names = options.alias ? [options.alias] : (await listAliases(await ctx.store(), project)).map((a) => a.alias);
    const pointers = await Promise.all(names.map(async (name) => {
      const pointer = await client.alias(name);
      if (!pointer) throw new AliasNotFoundError(name, project);
      return pointer;
    }));
    if (ctx.json) return printJson(pointers.map((p) => ({ alias: p.alias, version: p.version, canary: p.canary ?? null })));
    print(table([
      ["ALIAS", "VERSION", "CANARY", "PERCENTAGE", "SINCE"],
      ...pointers.map((p) => [p.alias, p.version, p.canary?.version ?? "-", p.canary ? `${p.canary.percentage}%` : "-", p.canary?.startedAt ?? ""]),
    ]));
  });
}

export function printAliasHistory(ctx: CliContext, pointer: AliasPointer): void {
  const history = pointer.history ?? [];
  if (ctx.json) return printJson(history);
  print(table([
    ["REV", "WHEN", "ACTION", "VERSION", "CANARY", "BY"],
    ...history.map((h) => [String(h.revision), h.at, h.action, h.version, h.canary ? `${h.canary.version} ${h.canary.percentage}%` : "-", h.by ?? ""]),
  ]));
}
