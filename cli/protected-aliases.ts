import { relative } from "node:path";
import { PromptSyncError } from "../src/errors.ts";
import { isRegistrySigned, type AliasRequest } from "../src/registry/aliases.ts";
import { SigningKeyError } from "../src/signing/errors.ts";
import type { SigningSettings } from "../src/signing/pointers.ts";
import type { CliContext } from "./context.ts";
import type { OptionGroup } from "./define-command.ts";
import { gitInfoFor } from "./early-git-info.ts";
import { SIGNING_KEY_ENV } from "./signing-settings.ts";

/** For commands that move an alias (alias set/delete/rollback, canary set/promote, push --alias). */
export const confirmOption: OptionGroup = (command) => command.option("--confirm", "required to change an alias listed in the config's protectedAliases");

/** The config's `protectedAliases`. */
export function protectedAliases(ctx: CliContext): readonly string[] {
  return ctx.config.config.protectedAliases ?? [];
}

/**
 * Stops a change of a protected alias before anything is written: it needs --confirm, and, where the registry is
 * signed (the alias's pointer or the index carries signatures), a signing key. `command` names the command in the
 * messages ("alias set"). Returns the signing settings, resolved once for the caller.
 */
export async function guardProtectedAliases(
  ctx: CliContext,
  aliases: readonly string[],
  options: { confirm?: boolean; command: string },
): Promise<SigningSettings | undefined> {
  const guarded = aliases.filter((alias) => protectedAliases(ctx).includes(alias));
  const signing = await ctx.signing();
  if (guarded.length === 0) return signing;
  const names = guarded.map((a) => `"${a}"`).join(", ");
  const where = `protectedAliases in ${ctx.config.file ? relative(ctx.cwd, ctx.config.file) : "the config"}`;
  if (options.confirm !== true) {
    throw new PromptSyncError("ALIAS_PROTECTED", `${names} ${guarded.length === 1 ? "is a protected alias" : "are protected aliases"} (${where}): ${options.command} needs --confirm`, {
      suggestion: `Check the command, then run it again with --confirm.`,
    });
  }
  if (signing) return signing;
  const store = await ctx.store();
  const project = await ctx.project();
  for (const alias of guarded) {
    if (await isRegistrySigned(store, project, alias)) {
      throw new SigningKeyError(
        `"${alias}" is protected and the registry is signed: ${options.command} needs the signing key; nothing was written`,
        `Give --signing-key <file>, set ${SIGNING_KEY_ENV} to the PEM, or set signing.key in promptsync.config.yaml.`,
      );
    }
  }
  return signing;
}

/**
 * Who changes the alias, signing and git, for every command that writes an alias pointer. `guard`: the command
 * moves the alias or sends traffic somewhere new, so a protected alias needs --confirm (and the key, where the
 * registry is signed); a way back such as canary abort passes none.
 */
export async function aliasChangeRequest(ctx: CliContext, alias: string, guard?: { confirm?: boolean; command: string }): Promise<AliasRequest> {
  const gitRuns = gitInfoFor(ctx.cwd, ctx.promptsDir());
  const signing = guard ? await guardProtectedAliases(ctx, [alias], guard) : await ctx.signing();
  const git = await gitRuns;
  return { project: await ctx.project(), alias, actor: ctx.actor(), ...(git && { git }), ...(signing && { signing }) };
}
