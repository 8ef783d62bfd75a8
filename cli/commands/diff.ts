import type { Command } from "commander";
import { comparePromptSets } from "../../src/diff/compare.ts";
import { formatDiff, type DiffFormat } from "../../src/diff/format.ts";
import { diffSides, loadPromptSet, type PromptSetContext } from "../../src/diff/sources.ts";
import { PromptNotFoundError, UsageError } from "../../src/errors.ts";
import { isVersion } from "../../src/formats/version.ts";
import { resolveContext, type CliContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withTrustOption } from "../global-options.ts";
import { collect } from "../parse-options.ts";
import { terminalSafeValue } from "../terminal-safe.ts";

interface DiffOptions extends GlobalOptions {
  path?: string;
  version?: string[];
  alias?: string[];
  gitCommit?: string[];
  format: string;
  exitCode?: boolean;
}

const FORMATS = ["text", "json", "markdown", "html"];

export function promptSetContext(ctx: CliContext, path: string | undefined): PromptSetContext {
  return { cwd: ctx.cwd, promptsDir: ctx.promptsDir(path), reader: () => ctx.verifiedReader(), project: () => ctx.project() };
}

export function registerDiff(program: Command): void {
  withTrustOption(withGlobalOptions(
    program
      .command("diff [args...]")
      .description("What changed between two of: the local files, a version, an alias, a git commit ([prompt] [v1] [v2])")
      .option("--path <dir>", "the local prompts folder")
      .option("--version <version>", "a registry version (repeatable)", collect)
      .option("--alias <alias>", "the version an alias points to (repeatable)", collect)
      .option("--git-commit <commit>", "the prompt files at a git commit (repeatable)", collect)
      .option("--format <format>", "text, json, markdown or html", "text")
      .option("--exit-code", "exit 1 when there are differences, like git diff"),
  )).action(async (args: string[], options: DiffOptions) => {
    if (!FORMATS.includes(options.format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not "${options.format}"`);
    const [name, versions] = args[0] !== undefined && !isVersion(args[0]) ? [args[0], args.slice(1)] : [undefined, args];
    const [fromRef, toRef] = diffSides(options, versions);
    const ctx = await resolveContext(options);
    const sources = promptSetContext(ctx, options.path);
    const [from, to] = await Promise.all([loadPromptSet(fromRef, sources), loadPromptSet(toRef, sources)]);
    const pick = (prompts: typeof from.prompts) => (name ? prompts.filter((p) => p.name === name) : prompts);
    if (name && !from.prompts.some((p) => p.name === name) && !to.prompts.some((p) => p.name === name)) {
      throw new PromptNotFoundError(name, `${from.label} or ${to.label}`);
    }
    const diff = comparePromptSets(from.label, to.label, pick(from.prompts), pick(to.prompts));
    const format = ctx.json ? "json" : (options.format as DiffFormat);
    const colour = format === "text" && process.stdout.isTTY && !process.env.NO_COLOR;
    // Cleaned before formatting, so the formatter's own colour codes stay.
    process.stdout.write(formatDiff(format === "json" ? diff : terminalSafeValue(diff), format, colour));
    if (options.exitCode && diff.summary.added + diff.summary.removed + diff.summary.changed > 0) process.exitCode = 1;
  });
}
