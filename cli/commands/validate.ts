import { resolve } from "node:path";
import { compileFolder } from "../../src/compiler/folder.ts";
import { loadPromptSet, type PromptSetContext } from "../../src/diff/sources.ts";
import { PromptSyncError, UsageError } from "../../src/errors.ts";
import { RegistryClient } from "../../src/registry/read.ts";
import { interfaceOf, type PromptInterface } from "../../src/formats/commit-interface.ts";
import { metaSchemaCheck } from "../../src/structured/meta-schema.ts";
import { checkCompatibility, type CompatibilityReport } from "../../src/validate/compatibility.ts";
import { promptTypesModule } from "../../src/typegen/prompt-types.ts";
import { staleTypesError, typesFileProblem } from "../../src/typegen/types-file.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand } from "../define-command.ts";
import { globalOptions, trustOption } from "../options/global.ts";
import { EXIT_OK, EXIT_USER_ERROR, table } from "../output.ts";
import { promptSetContext } from "../prompt-set-context.ts";

/** validate alone: the local prompts compile and pass the checks. */
interface LocalCheck {
  ok: true;
  prompts: number;
}

/** validate --alias/--version: the code at a commit against the prompts the registry serves. */
type CompatibilityCheck = { code: string; registry: string } & CompatibilityReport;

interface ValidateOptions extends GlobalOptions {
  path?: string;
  gitCommit?: string;
  alias?: string;
  version?: string;
  types?: string;
}

export const registerValidate = defineCommand({
  command: "validate",
  description: "Check that the prompts an alias or version serves still fit the code at a git commit (exit 1 if not); alone, compile and lint the local prompts",
  options: [
    (command) =>
      command
        .option("--path <dir>", "the prompts folder")
        .option("--git-commit <commit>", "the code's commit (default: HEAD)")
        .option("--alias <alias>", "the registry side: an alias")
        .option("--version <version>", "the registry side: a version")
        .option("--types <file>", "alone: also fail (exit 1) when this promptsync types module is out of date with the prompts"),
    globalOptions,
    trustOption,
  ],
  parse: (options: ValidateOptions) => {
    if (options.alias && options.version) throw new UsageError("Give --alias or --version, not both");
    if (options.types && (options.alias || options.version)) {
      throw new UsageError("--types checks the local prompts: give it without --alias or --version", "promptsync validate --types src/prompts.ts");
    }
    return options;
  },
  run: async (ctx, options): Promise<LocalCheck | CompatibilityCheck> => {
    if (!options.alias && !options.version) {
      if (options.gitCommit) throw new UsageError("--git-commit needs --alias or --version: what should the commit be checked against?");
      const prompts = await compileFolder(ctx.promptsDir(options.path), { checkSchema: metaSchemaCheck() });
      if (options.types) {
        const problem = await typesFileProblem(resolve(ctx.cwd, options.types), promptTypesModule(prompts, { kind: "local" }));
        if (problem) throw staleTypesError(options.types, problem, `promptsync types --out ${options.types}`);
      }
      return { ok: true, prompts: prompts.length };
    }
    const sources = promptSetContext(ctx, options.path);
    const [contract, served] = await Promise.all([
      contractAt(options.gitCommit ?? "HEAD", sources),
      loadPromptSet(options.alias ? { kind: "alias", alias: options.alias } : { kind: "version", version: options.version! }, sources),
    ]);
    return { code: contract.label, registry: served.label, ...checkCompatibility(contract.prompts, served.prompts.map(interfaceOf)) };
  },
  text: (check) => {
    if ("ok" in check) return `${check.prompts} prompt${check.prompts === 1 ? "" : "s"} compile and pass the checks`;
    return [
      table([["PROMPT", "STATUS", "REASON"], ...check.findings.map((f) => [f.prompt, f.status, f.reasons.join("; ")])]),
      `\n${check.registry} ${check.compatible ? "is compatible with" : "is NOT compatible with"} the code at ${check.code}`,
    ];
  },
  exitCode: (check) => ("ok" in check || check.compatible ? EXIT_OK : EXIT_USER_ERROR),
});

/**
 * The code's contract: the prompt files at the commit, or, when this checkout does not have the commit (a
 * deployed client's SHA, a shallow clone), the interface push recorded for it in the registry.
 */
async function contractAt(commit: string, sources: PromptSetContext): Promise<{ label: string; prompts: PromptInterface[] }> {
  try {
    const set = await loadPromptSet({ kind: "git", commit }, sources);
    return { label: set.label, prompts: set.prompts.map(interfaceOf) };
  } catch (error) {
    const missing = error instanceof PromptSyncError && (error.code === "GIT_COMMIT_NOT_FOUND" || error.code === "NOT_A_GIT_REPO");
    if (!missing || !/^[0-9a-f]{40,64}$/.test(commit)) throw error;
    const recorded = await new RegistryClient(await sources.reader(), await sources.project()).commitInterface(commit);
    if (!recorded) throw error;
    return { label: `commit ${commit.slice(0, 7)} (recorded by push)`, prompts: recorded.prompts };
  }
}
