import type { Command } from "commander";
import { compileFolder } from "../../src/compiler/folder.ts";
import { loadPromptSet, type PromptSetContext } from "../../src/diff/sources.ts";
import { PromptSyncError, UsageError } from "../../src/errors.ts";
import { RegistryClient } from "../../src/registry/read.ts";
import { interfaceOf, type PromptInterface } from "../../src/formats/commit-interface.ts";
import { checkCompatibility } from "../../src/validate/compatibility.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withTrustOption } from "../global-options.ts";
import { print, printJson, table } from "../output.ts";
import { promptSetContext } from "./diff.ts";

interface ValidateOptions extends GlobalOptions {
  path?: string;
  gitCommit?: string;
  alias?: string;
  version?: string;
}

export function registerValidate(program: Command): void {
  withTrustOption(withGlobalOptions(
    program
      .command("validate")
      .description("Check that the prompts an alias or version serves still fit the code at a git commit (exit 1 if not); alone, compile and lint the local prompts")
      .option("--path <dir>", "the prompts folder")
      .option("--git-commit <commit>", "the code's commit (default: HEAD)")
      .option("--alias <alias>", "the registry side: an alias")
      .option("--version <version>", "the registry side: a version"),
  )).action(async (options: ValidateOptions) => {
    if (options.alias && options.version) throw new UsageError("Give --alias or --version, not both");
    const ctx = await resolveContext(options);
    if (!options.alias && !options.version) {
      if (options.gitCommit) throw new UsageError("--git-commit needs --alias or --version: what should the commit be checked against?");
      const prompts = await compileFolder(ctx.promptsDir(options.path));
      if (ctx.json) return printJson({ ok: true, prompts: prompts.length });
      return print(`${prompts.length} prompt${prompts.length === 1 ? "" : "s"} compile and pass the checks`);
    }
    const sources = promptSetContext(ctx, options.path);
    const [contract, served] = await Promise.all([
      contractAt(options.gitCommit ?? "HEAD", sources),
      loadPromptSet(options.alias ? { kind: "alias", alias: options.alias } : { kind: "version", version: options.version! }, sources),
    ]);
    const report = checkCompatibility(contract.prompts, served.prompts.map(interfaceOf));
    if (!report.compatible) process.exitCode = 1;
    if (ctx.json) return printJson({ code: contract.label, registry: served.label, ...report });
    print(table([["PROMPT", "STATUS", "REASON"], ...report.findings.map((f) => [f.prompt, f.status, f.reasons.join("; ")])]));
    print(`\n${served.label} ${report.compatible ? "is compatible with" : "is NOT compatible with"} the code at ${contract.label}`);
  });
}

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
