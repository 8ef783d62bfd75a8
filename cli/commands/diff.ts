import { comparePromptSets } from "../../src/diff/compare.ts";
import { formatDiff, type DiffFormat } from "../../src/diff/format.ts";
import { diffSides, loadPromptSet } from "../../src/diff/sources.ts";
import { PromptNotFoundError, UsageError } from "../../src/errors.ts";
import { isVersion } from "../../src/formats/version.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand, Preformatted } from "../define-command.ts";
import { globalOptions, trustOption } from "../options/global.ts";
import { collect } from "../parse-options.ts";
import { EXIT_OK, EXIT_USER_ERROR } from "../output.ts";
import { promptSetContext } from "../prompt-set-context.ts";
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

export const registerDiff = defineCommand({
  command: "diff [args...]",
  description: "What changed between two of: the local files, a version, an alias, a git commit ([prompt] [v1] [v2])",
  options: [
    (command) =>
      command
        .option("--path <dir>", "the local prompts folder")
        .option("--version <version>", "a registry version (repeatable)", collect)
        .option("--alias <alias>", "the version an alias points to (repeatable)", collect)
        .option("--git-commit <commit>", "the prompt files at a git commit (repeatable)", collect)
        .option("--format <format>", "text, json, markdown or html", "text")
        .option("--exit-code", "exit 1 when there are differences, like git diff"),
    globalOptions,
    trustOption,
  ],
  parse: (options: DiffOptions, args: string[]) => {
    if (!FORMATS.includes(options.format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not "${options.format}"`);
    const [name, versions] = args[0] !== undefined && !isVersion(args[0]) ? [args[0], args.slice(1)] : [undefined, args];
    const [fromRef, toRef] = diffSides(options, versions);
    return { ...options, format: options.format as DiffFormat, name, fromRef, toRef };
  },
  run: async (ctx, { path, name, fromRef, toRef }) => {
    const sources = promptSetContext(ctx, path);
    const [from, to] = await Promise.all([loadPromptSet(fromRef, sources), loadPromptSet(toRef, sources)]);
    const pick = (prompts: typeof from.prompts) => (name ? prompts.filter((p) => p.name === name) : prompts);
    if (name && !from.prompts.some((p) => p.name === name) && !to.prompts.some((p) => p.name === name)) {
      throw new PromptNotFoundError(name, `${from.label} or ${to.label}`);
    }
    return comparePromptSets(from.label, to.label, pick(from.prompts), pick(to.prompts));
  },
  text: (diff, { format }) => {
    const colour = format === "text" && process.stdout.isTTY && !process.env.NO_COLOR;
    // Cleaned before formatting, so the formatter's own colour codes stay.
    return new Preformatted(formatDiff(format === "json" ? diff : terminalSafeValue(diff), format, colour));
  },
  exitCode: (diff, options) => (options.exitCode && diff.summary.added + diff.summary.removed + diff.summary.changed > 0 ? EXIT_USER_ERROR : EXIT_OK),
});
