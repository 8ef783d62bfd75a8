import { CompileError } from "../errors.ts";
import type { CompiledPrompt } from "../formats/types.ts";
import { readPromptFolder } from "../source/read-folder.ts";
import { compilePrompts, type CompileOptions } from "./compile-prompts.ts";

/** Reads and compiles a prompts folder; throws a CompileError listing every problem. */
export async function compileFolder(dir: string, options: CompileOptions = {}): Promise<CompiledPrompt[]> {
  const files = await readPromptFolder(dir);
  if (files.length === 0) {
    throw new CompileError([{
      file: ".", line: 1, column: 1, code: "EMPTY_FOLDER",
      message: `no .txt, .md, .yaml or .yml prompt files in ${dir}`,
      suggestion: "Add a prompt file, or point --path at the folder that holds them.",
    }]);
  }
  const result = compilePrompts(files, options);
  if (!result.ok) throw new CompileError(result.diagnostics);
  return result.prompts;
}
