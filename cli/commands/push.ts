import { compileFolder } from "../../src/compiler/folder.ts";
import { UsageError } from "../../src/errors.ts";
import type { Bump } from "../../src/formats/version.ts";
import { gitInfo } from "../../src/git/repository.ts";
import { setAlias } from "../../src/registry/aliases.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { metaSchemaCheck } from "../../src/structured/meta-schema.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand } from "../define-command.ts";
import { writeOptions } from "../options/global.ts";
import { collect } from "../parse-options.ts";
import { progressBar } from "../progress.ts";
import { confirmOption, guardProtectedAliases } from "../protected-aliases.ts";

interface PushOptions extends GlobalOptions {
  path?: string;
  alias?: string[];
  version?: string;
  bump: string;
  force?: boolean;
  confirm?: boolean;
}

export const registerPush = defineCommand({
  command: "push",
  description: "Compile every prompt in the folder and publish them as one immutable version",
  options: [
    (command) =>
      command
        .option("--path <dir>", "prompts folder (default: the config's `prompts`, else ./prompts)")
        .option("--alias <name>", "point this alias at the version (repeatable)", collect)
        .option("--version <version>", "publish as this version (default: the next patch version)")
        .option("--bump <level>", "patch, minor or major, when --version is not given", "patch")
        .option("--force", "create a new version even if nothing changed"),
    confirmOption,
    writeOptions,
  ],
  parse: (options: PushOptions) => {
    if (!["patch", "minor", "major"].includes(options.bump)) {
      throw new UsageError(`--bump must be patch, minor or major, not "${options.bump}"`);
    }
    return { ...options, bump: options.bump as Bump };
  },
  run: async (ctx, options) => {
    const promptsDir = ctx.promptsDir(options.path);
    const prompts = await compileFolder(promptsDir, { checkSchema: metaSchemaCheck() });
    // Before anything is published: a protected --alias needs --confirm (and, on a signed registry, the key).
    const signing = await guardProtectedAliases(ctx, options.alias ?? [], { confirm: options.confirm, command: "push --alias" });
    const store = await ctx.store();
    const project = await ctx.project();
    const git = await gitInfo(ctx.cwd, promptsDir);
    if (!git && !ctx.json) {
      process.stderr.write("note: not in a git repository (or no commit yet): no commit will be recorded with this version, so `validate --git-commit` and `status` cannot match code to it\n");
    }
    const result = await pushRelease(store, {
      project,
      prompts,
      ...(options.version !== undefined && { version: options.version }),
      bump: options.bump,
      force: options.force === true,
      ...(git && { git }),
      ...(signing && { signing }),
      onProgress: progressBar("Uploading", { json: ctx.json }),
    });
    const aliases = [];
    for (const alias of options.alias ?? []) {
      aliases.push(await setAlias(store, { project, alias, ref: result.version, actor: ctx.actor(), ...(git && { git }), ...(signing && { signing }) }));
    }
    return { project, registry: ctx.registry.display, result, signedBy: signing?.signer.keyId ?? null, prompts, aliases };
  },
  json: ({ project, registry, result, signedBy, prompts, aliases }) => ({
    project,
    registry,
    version: result.version,
    status: result.status,
    releaseHash: result.releaseHash,
    signedBy,
    prompts: prompts.map((p) => ({ name: p.name, hash: p.hash })),
    aliases: Object.fromEntries(aliases.map((a) => [a.alias, a.version])),
  }),
  text: ({ project, registry, result, prompts, aliases }, options) => {
    const count = `${prompts.length} prompt${prompts.length === 1 ? "" : "s"}`;
    return [
      result.status === "created"
        ? `Published ${count} as ${result.version} (project ${project}, ${registry})`
        : options.version
          ? `${result.version} already holds exactly these ${count}; nothing written`
          : `No changes since ${result.version}; nothing published (use --force to publish anyway)`,
      ...aliases.map((a) => `alias ${a.alias} → ${a.version}`),
    ];
  },
});
