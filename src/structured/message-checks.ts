import type { Diagnostic } from "../diagnostics.ts";
import type { ParsedSource } from "../source/types.ts";
import { urlProblem } from "./messages.ts";
import type { SourceMessage } from "./source-messages.ts";

/**
 * Build checks of a message list (the prompt's, or a variant's at `at`) that need no rendering: a placeholder
 * named twice, and a part url with no template in it that could never pass the url rule at format() time.
 */
export function messageDiagnostics(messages: readonly SourceMessage[] | undefined, at: (string | number)[], source: ParsedSource): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  (messages ?? []).forEach((m, i) => {
    const path = [...at, "messages", i];
    if ("placeholder" in m) {
      if (seen.has(m.placeholder)) {
        diagnostics.push({
          file: source.file, ...source.positionOf([...path, "placeholder"]), code: "DUPLICATE_PLACEHOLDER",
          message: `placeholder "${m.placeholder}" appears twice: its messages would be inserted twice`,
          suggestion: "Keep one placeholder of that name, or give the other its own name.",
        });
      }
      seen.add(m.placeholder);
      return;
    }
    if (typeof m.content === "string") return;
    m.content.forEach((part, j) => {
      if (part.type === "text" || /[{][{%#]/.test(part.url)) return;
      const problem = urlProblem(part.type, part.url.trim());
      if (problem) {
        diagnostics.push({
          file: source.file, ...source.positionOf([...path, "content", j, "url"]), code: "INVALID_CONTENT_PART",
          message: `message ${i + 1} part ${j + 1}: ${problem}`,
          suggestion: "Use an https: URL or a data: URL, or a template variable that holds one.",
        });
      }
    });
  });
  return diagnostics;
}
