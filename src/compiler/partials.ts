import type { Diagnostic } from "../diagnostics.ts";
import { contentHash } from "../formats/canonical.ts";
import { isPartialName } from "../formats/partial-name.ts";
import type { CompiledPartials } from "../formats/types.ts";
import { promptNameOf, sourceFormat } from "../source/parse.ts";
import type { SourceFile } from "../source/types.ts";
import { checkTemplate, parsePartial } from "../template/compile-template.ts";
import type { CompositionProblem, PartialLookup } from "../template/compose.ts";
import type { TemplateNode } from "../template/template-node.ts";

/**
 * The partials of a prompts folder: files or folders whose name starts with `_`, named like prompts (the path
 * without its extension), `.txt` or `.md` files whose whole text is a template. Each is checked on its own, at
 * its own file and line; prompts include, import and extend them by name, and each compiled prompt freezes the
 * ones it reaches.
 */
export class FolderPartials {
  readonly diagnostics: Diagnostic[] = [];
  private readonly files = new Map<string, { path: string; text: string; root: TemplateNode | null }>();
  readonly lookup: PartialLookup = (name) => this.files.get(name)?.root;

  constructor(files: readonly SourceFile[]) {
    const byFoldedName = new Map<string, string[]>();
    for (const file of files) {
      const name = promptNameOf(file.path);
      if (sourceFormat(file.path) === "yaml") {
        this.problem(file.path, 1, 1, "INVALID_PARTIAL", `${file.path} is under a name starting with _, which makes it a partial, and a partial is a template file`, "Rename it to .txt or .md, or rename the folder or file so that no name in its path starts with _ if it is a prompt.");
        continue;
      }
      if (!isPartialName(name)) {
        this.problem(file.path, 1, 1, "INVALID_NAME", `invalid partial name "${name}"`, "Partial names come from paths: letters, digits, _ and - in each folder and file name.");
        continue;
      }
      byFoldedName.set(name.toLowerCase(), [...(byFoldedName.get(name.toLowerCase()) ?? []), file.path]);
      const text = file.text.replace(/^\uFEFF/, "");
      this.files.set(name, { path: file.path, text, root: parsePartial(text).root ?? null });
    }
    for (const group of byFoldedName.values()) {
      for (const path of group.length > 1 ? group : []) {
        this.problem(path, 1, 1, "DUPLICATE_NAME", `partial "${promptNameOf(path)}" is also defined by ${group.filter((p) => p !== path).join(", ")}`, "Keep one file per partial name: rename or remove one of them.");
      }
    }
    for (const [name, file] of this.files) {
      const check = checkTemplate(file.text, this.lookup, name);
      for (const p of check.problems) {
        const syntax = p.code === "TEMPLATE_SYNTAX";
        this.problem(file.path, p.line, p.column, p.code, syntax ? `template syntax error: ${p.message}` : p.message);
      }
      this.composition(check.composition, file.path);
    }
  }

  /**
   * Records the composition problems of a template: those at its own tags at `file`, placed by `at`, the others
   * at their partial's file.
   */
  composition(problems: readonly CompositionProblem[], file: string, at: (line: number, column: number) => { line: number; column: number } = (line, column) => ({ line, column })): void {
    for (const p of problems) {
      const partial = p.partial === undefined ? undefined : this.files.get(p.partial);
      const where = partial ? { file: partial.path, line: p.line, column: p.column } : { file, ...at(p.line, p.column) };
      const diagnostic = { ...where, code: p.code, message: p.message };
      // A partial reached by several prompts has its problems reported once, at its own file.
      if (!this.diagnostics.some((d) => sameDiagnostic(d, diagnostic))) this.diagnostics.push(diagnostic);
    }
  }

  /** The frozen partials of a compiled prompt: the text and hash of each it reaches. */
  frozen(names: Iterable<string>): CompiledPartials {
    // Entries, not assignments: a partial may be named `__proto__`, which an assignment would make the prototype.
    const entries: [string, CompiledPartials[string]][] = [];
    for (const name of [...names].sort()) {
      const file = this.files.get(name);
      if (file) entries.push([name, { content: file.text, hash: contentHash({ content: file.text }) }]);
    }
    return Object.fromEntries(entries);
  }

  private problem(file: string, line: number, column: number, code: Diagnostic["code"], message: string, suggestion?: string): void {
    this.diagnostics.push({ file, line, column, code, message, ...(suggestion && { suggestion }) });
  }
}

function sameDiagnostic(a: Diagnostic, b: Diagnostic): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column && a.code === b.code && a.message === b.message;
}
