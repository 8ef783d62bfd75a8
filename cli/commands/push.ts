import type { Command } from "commander";
import { compileFolder } from "../../src/compiler/folder.ts";
import { UsageError } from "../../src/errors.ts";
import { gitInfo } from "../../src/git/repository.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { setAlias } from "../../src/registry/aliases.ts";
import type { Bump } from "../../src/formats/version.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { print, printJson } from "../output.ts";
import { progressBar } from "../progress.ts";
import { collect } from "../parse-options.ts";
import { withWriteOptions } from "../global-options.ts";

interface PushOptions extends GlobalOptions {
  path?: string;
  alias?: string[];
  version?: string;
  bump: string;
  force?: boolean;
}

export function registerPush(program: Command): void {
  withWriteOptions(
    program
      .command("push")
      .description("Compile every prompt in the folder and publish them as one immutable version")
      .option("--path <dir>", "prompts folder (default: the config's `prompts`, else ./prompts)")
      .option("--alias <name>", "point this alias at the version (repeatable)", collect)
      .option("--version <version>", "publish as this version (default: the next patch version)")
      .option("--bump <level>", "patch, minor or major, when --version is not given", "patch")
      .option("--force", "create a new version even if nothing changed"),
  ).action(async (options: PushOptions) => {
    if (!["patch", "minor", "major"].includes(options.bump)) {
      throw new UsageError(`--bump must be patch, minor or major, not "${options.bump}"`);
    }
    const ctx = await resolveContext(options);
    const promptsDir = ctx.promptsDir(options.path);
    const prompts = await compileFolder(promptsDir);
    const signing = await ctx.signing();
    const store = await ctx.store();
    const project = await ctx.project();
    const git = await gitInfo(ctx.cwd, promptsDir);
    const result = await pushRelease(store, {
      project,
      prompts,
      ...(options.version !== undefined && { version: options.version }),
      bump: options.bump as Bump,
      force: options.force === true,
      ...(git && { git }),
      ...(signing && { signing }),
      onProgress: progressBar("Uploading", { json: ctx.json }),
    });
    const aliases = [];
    for (const alias of options.alias ?? []) {
      aliases.push(await setAlias(store, { project, alias, ref: result.version, actor: ctx.actor(), ...(git && { git }), ...(signing && { signing }) }));
    }
    if (ctx.json) {
      printJson({
        project,
        registry: ctx.registry.display,
        version: result.version,
        status: result.status,
        releaseHash: result.releaseHash,
        signedBy: signing?.signer.keyId ?? null,
        prompts: prompts.map((p) => ({ name: p.name, hash: p.hash })),
        aliases: Object.fromEntries(aliases.map((a) => [a.alias, a.version])),
      });
      return;
    }
    const count = `${prompts.length} prompt${prompts.length === 1 ? "" : "s"}`;
    print(
      result.status === "created"
        ? `Published ${count} as ${result.version} (project ${project}, ${ctx.registry.display})`
        : options.version
          ? `${result.version} already holds exactly these ${count}; nothing written`
          : `No changes since ${result.version}; nothing published (use --force to publish anyway)`,
    );
    for (const a of aliases) print(`alias ${a.alias} → ${a.version}`);
  });
}
