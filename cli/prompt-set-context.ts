import type { PromptSetContext } from "../src/diff/sources.ts";
import type { CliContext } from "./context.ts";

/** Where diff and validate read the prompt sets they compare: the local folder, git, the registry. */
export function promptSetContext(ctx: CliContext, path: string | undefined): PromptSetContext {
  return { cwd: ctx.cwd, promptsDir: ctx.promptsDir(path), reader: () => ctx.verifiedReader(), project: () => ctx.project() };
}
