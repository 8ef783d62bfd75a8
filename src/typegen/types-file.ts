import { readFile } from "node:fs/promises";
import { PromptSyncError } from "../errors.ts";

/** Whether the module at `file` is what `promptsync types` writes now: undefined when it is, else why not. */
export async function typesFileProblem(file: string, module: string): Promise<"missing" | "stale" | undefined> {
  const current = await readFile(file, "utf8").catch(() => undefined);
  if (current === undefined) return "missing";
  return current === module ? undefined : "stale";
}

/** The error of `types --check` and `validate --types` for a file that is not up to date. */
export function staleTypesError(shown: string, problem: "missing" | "stale", regenerate: string): PromptSyncError {
  return new PromptSyncError("TYPES_STALE", `${shown} is ${problem === "missing" ? "missing" : "out of date with the prompts"}`, {
    suggestion: `Run ${regenerate} and commit the file.`,
  });
}
