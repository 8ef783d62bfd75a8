import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import type { CompiledPrompt } from "../../src/formats/types.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { readPromptFolder } from "../../src/source/read-folder.ts";
import type { RegistryStore } from "../../src/storage/types.ts";

/** The 225-prompt fabric-patterns corpus: PROMPTSYNC_CORPUS_DIR, or beside the repository. */
export const CORPUS = resolve(process.env.PROMPTSYNC_CORPUS_DIR ?? new URL("../../../shared/corpus/fabric-patterns", import.meta.url).pathname);

export const corpusAvailable = (): boolean => existsSync(CORPUS);

/** The two corpus files whose literal braces are not Jinja: pushed as plain prompts (`template: false`). */
const PLAIN = ["sanitize_broken_html_to_markdown.md", "write_nuclei_template_rule.md"];

/** The word version `v` (from 0) adds to the prompts it changes: searching it finds exactly them. */
export const revisionWord = (v: number): string => `rev${v}note`;

/**
 * Pushes the corpus `versions` times as project `fabric`. Version v changes every tenth prompt (those at index
 * i ≡ v mod 10, in path order) by appending a line with revisionWord(v), and the lines stay, so prompts gather a
 * history of distinct contents. Returns the prompts of the last version.
 */
export async function pushCorpusVersions(store: RegistryStore, versions: number): Promise<CompiledPrompt[]> {
  const files = (await readPromptFolder(CORPUS)).map((f) => (PLAIN.includes(f.path) ? { ...f, text: `---\ntemplate: false\n---\n${f.text}` } : f));
  let latest: CompiledPrompt[] = [];
  for (let v = 0; v < versions; v++) {
    const sources = files.map((f, i) => {
      const notes = Array.from({ length: v + 1 }, (_, u) => u).filter((u) => u % 10 === i % 10);
      return { ...f, text: `${f.text}${notes.map((u) => `\nReview note ${revisionWord(u)}: keep the answer short.\n`).join("")}` };
    });
    const compiled = compilePrompts(sources);
    if (!compiled.ok) throw new Error(`the corpus did not compile: ${JSON.stringify(compiled.diagnostics.slice(0, 3))}`);
    await pushRelease(store, { project: "fabric", prompts: compiled.prompts, concurrency: 64 });
    latest = compiled.prompts;
  }
  return latest;
}
