/**
 * What the prompt page's script uses of the library in the browser: `promptsync diff`'s compare of two compiled
 * prompts, its lines and its word-marked side-by-side rows, so the page shows what `diff --format html` prints.
 * Pages import it as `virtual:promptsync/compare`, resolved like `virtual:promptsync/view` (view.ts); Vite bundles it
 * and what it reaches into the page's script, so nothing it reaches may need Node.
 */
export type { CompiledPrompt } from "../formats/types.ts";
export type { PromptChange } from "../diff/compare.ts";
export type { SideBySideRow, TextRun } from "../diff/side-by-side.ts";

export { comparePrompts } from "../diff/compare.ts";
export { describeBreaking, describeChange } from "../diff/format.ts";
export { sideBySideRows } from "../diff/side-by-side.ts";
