import { contentHash, canonicalJson } from "../formats/canonical.ts";
import { sortDiagnostics, type Diagnostic } from "../diagnostics.ts";
import type { CompiledPrompt, CompiledVariant, PromptKind, Tags, VariableInfo } from "../formats/types.ts";
import { promptNameProblem } from "../formats/names.ts";
import { isPartialPath } from "../formats/partial-name.ts";
import { inputsDiagnostics } from "../json-schema/check-inputs.ts";
import { parseSource, promptNameOf, sourceFormat } from "../source/parse.ts";
import type { ParsedSource, SourceFile, TemplateOrigin } from "../source/types.ts";
import { compiledMessages, messageSites, placeholderVariables, usesStructuredFeatures, type SourceMessage } from "../structured/source-messages.ts";
import type { SchemaCheck } from "../structured/schema-problems.ts";
import { messageDiagnostics } from "../structured/message-checks.ts";
import { toolDiagnostics } from "../structured/tool-checks.ts";
import { checkTemplate } from "../template/compile-template.ts";
import { FolderPartials } from "./partials.ts";

export interface CompileOptions {
  /** Checks tool and output schemas against the JSON Schema meta-schema (the CLI's, with ajv); none in the SDK. */
  checkSchema?: SchemaCheck;
}

type CompileResult =
  | { ok: true; prompts: CompiledPrompt[] }
  | { ok: false; diagnostics: Diagnostic[] };

const RAW_HINT =
  "If the braces are literal text, wrap that part in {% raw %}…{% endraw %}, or mark the whole file as plain with `template: false` (front matter in .md files).";

/** Compiles every prompt file; all problems of all files are reported together. Pure: no I/O. */
export function compilePrompts(files: readonly SourceFile[], options: CompileOptions = {}): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const prompts: CompiledPrompt[] = [];
  const promptFiles = files.filter((f) => sourceFormat(f.path) !== undefined && !isPartialPath(f.path));
  const partials = new FolderPartials(files.filter((f) => sourceFormat(f.path) !== undefined && isPartialPath(f.path)));
  diagnostics.push(...nameDiagnostics(promptFiles.map((f) => f.path)));
  for (const file of promptFiles) {
    const parsed = parseSource(file);
    if (!parsed.ok) {
      diagnostics.push(...parsed.diagnostics);
      continue;
    }
    const result = compileSource(promptNameOf(file.path), parsed.source, options, partials);
    if (result.ok) prompts.push(result.prompt);
    else diagnostics.push(...result.diagnostics);
  }
  diagnostics.push(...partials.diagnostics);
  if (diagnostics.length > 0) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  prompts.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { ok: true, prompts };
}

function nameDiagnostics(paths: readonly string[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const byFoldedName = new Map<string, string[]>();
  for (const path of paths) {
    const name = promptNameOf(path);
    const problem = promptNameProblem(name);
    if (problem) {
      diagnostics.push({
        file: path, line: 1, column: 1, code: "INVALID_NAME",
        message: `invalid prompt name: ${problem}`,
        suggestion: "Rename the file: prompt names come from paths, with letters, digits, _ and - in each folder and file name.",
      });
    }
    // Folder registries on macOS and Windows fold case, so names differing only in case collide too.
    const folded = name.toLowerCase();
    byFoldedName.set(folded, [...(byFoldedName.get(folded) ?? []), path]);
  }
  for (const group of byFoldedName.values()) {
    if (group.length < 2) continue;
    for (const path of group) {
      const others = group.filter((p) => p !== path);
      diagnostics.push({
        file: path, line: 1, column: 1, code: "DUPLICATE_NAME",
        message: `prompt "${promptNameOf(path)}" is also defined by ${others.join(", ")}`,
        suggestion: "Keep one file per prompt name: rename or remove one of them.",
      });
    }
  }
  return diagnostics;
}

type SourceResult = { ok: true; prompt: CompiledPrompt } | { ok: false; diagnostics: Diagnostic[] };

interface TemplateBody {
  content?: string;
  messages?: SourceMessage[];
}

function compileSource(name: string, source: ParsedSource, options: CompileOptions, partials: FolderPartials): SourceResult {
  const doc = source.document;
  const isTemplate = doc.template !== false;
  const usedPartials = new Set<string>();
  const diagnostics: Diagnostic[] = inputsDiagnostics(source);

  const checkBody = (body: TemplateBody, path: (string | number)[]): VariableInfo[] => {
    const sites = body.messages ? messageSites(body.messages, path) : [{ text: body.content ?? "", path: [...path, "content"] }];
    const lists: VariableInfo[][] = [placeholderVariables(body.messages ?? [])];
    for (const site of sites) {
      if (!isTemplate) continue;
      const check = checkTemplate(site.text, partials.lookup);
      const origin = source.originOf(site.path);
      partials.composition(check.composition, source.file, (line, column) => filePosition(origin, line, column));
      for (const partial of check.partials) usedPartials.add(partial);
      for (const p of check.problems) {
        diagnostics.push({
          file: source.file,
          ...filePosition(origin, p.line, p.column),
          code: p.code,
          message: p.code === "TEMPLATE_SYNTAX" ? `template syntax error: ${p.message}` : p.message,
          suggestion: p.code === "TEMPLATE_SYNTAX" ? RAW_HINT : undefined,
        });
      }
      lists.push(check.variables);
    }
    return mergeVariables(lists);
  };

  const kind: PromptKind = doc.messages ? "chat" : "text";
  const defaultVariables = checkBody(doc, []);
  const variants: CompiledVariant[] = [];
  const seenIds = new Map<string, number>();
  const seenTags = new Map<string, number>();
  (doc.variants ?? []).forEach((variant, index) => {
    const at = source.positionOf(["variants", index]);
    if (variant.messages && variant.content !== undefined) {
      diagnostics.push({
        file: source.file, ...at, code: "SCHEMA_VIOLATION",
        message: `variant ${index + 1} has both \`content\` and \`messages\``,
        suggestion: kind === "chat" ? "Remove its `content:`; a chat prompt's variants use `messages:`." : "Remove its `messages:`; a text prompt's variants use `content:`.",
      });
      return;
    }
    const variantKind: PromptKind | undefined = variant.messages ? "chat" : variant.content !== undefined ? "text" : undefined;
    if (variantKind !== kind) {
      diagnostics.push({
        file: source.file, ...at, code: "SCHEMA_VIOLATION",
        message: `variant ${index + 1} must have ${kind === "chat" ? "`messages`" : "`content`"} (the prompt is a ${kind} prompt)`,
        suggestion: kind === "chat" ? "Give the variant a `messages:` list." : "Give the variant `content: |`.",
      });
      return;
    }
    const id = variant.id ?? variantIdFromTags(variant.tags);
    // Variant ids are file names in the registry: ids differing only in case collide on folding file systems.
    const idKey = id.toLowerCase();
    const tagKey = canonicalJson(variant.tags);
    if (seenIds.has(idKey) || seenTags.has(tagKey)) {
      const other = (seenIds.get(idKey) ?? seenTags.get(tagKey))! + 1;
      diagnostics.push({
        file: source.file, ...at, code: "DUPLICATE_VARIANT",
        message: seenTags.has(tagKey)
          ? `variant ${index + 1} has the same tags as variant ${other}`
          : `variant ${index + 1} and variant ${other} both have the id "${id}" (ids are compared ignoring case)`,
        suggestion: seenTags.has(tagKey) ? "Merge them or change the tags." : "Give one of them an explicit `id:`.",
      });
    }
    seenIds.set(idKey, index);
    seenTags.set(tagKey, index);
    const body: CompiledVariant = {
      id,
      tags: variant.tags,
      ...(variant.messages ? { messages: compiledMessages(variant.messages) } : { content: variant.content ?? "" }),
      variables: checkBody(variant, ["variants", index]),
      ...(variant.tools !== undefined && { tools: variant.tools }),
      ...(variant.output !== undefined && { output: variant.output }),
      hash: "",
    };
    body.hash = contentHash(body);
    variants.push(body);
  });
  diagnostics.push(...toolDiagnostics(doc, [], source, options.checkSchema), ...messageDiagnostics(doc.messages, [], source));
  (doc.variants ?? []).forEach((variant, index) => {
    diagnostics.push(...toolDiagnostics(variant, ["variants", index], source, options.checkSchema), ...messageDiagnostics(variant.messages, ["variants", index], source));
  });
  if (diagnostics.length > 0) return { ok: false, diagnostics };

  const prompt: CompiledPrompt = {
    format: usesStructuredFeatures([doc, ...(doc.variants ?? [])]) || usedPartials.size > 0 ? "promptsync.prompt/v2" : "promptsync.prompt/v1",
    name,
    ...(doc.name !== undefined && { title: doc.name }),
    ...(doc.description !== undefined && { description: doc.description }),
    kind,
    template: isTemplate,
    ...(doc.messages ? { messages: compiledMessages(doc.messages) } : { content: doc.content ?? "" }),
    variables: mergeVariables([defaultVariables, ...variants.map((v) => v.variables)]),
    ...(doc.model !== undefined && { model: doc.model }),
    ...(doc.config !== undefined && { config: doc.config }),
    ...(doc.inputs !== undefined && { inputs: doc.inputs }),
    ...(doc.tools !== undefined && { tools: doc.tools }),
    ...(doc.output !== undefined && { output: doc.output }),
    ...(doc.version !== undefined && { sourceVersion: String(doc.version) }),
    ...(doc.git_commit !== undefined && { sourceGitCommit: doc.git_commit }),
    source: { path: source.file, format: source.format },
    variants,
    ...(usedPartials.size > 0 && { partials: partials.frozen(usedPartials) }),
    hash: "",
  };
  prompt.hash = contentHash(prompt);
  return { ok: true, prompt };
}

function filePosition(origin: TemplateOrigin, line: number, column: number): { line: number; column: number } {
  return { line: origin.line + line - 1, column: line === 1 ? origin.firstColumn + column - 1 : origin.indent + column };
}

/** Design document style: tag values in declaration order, `{locale: en, tone: formal}` → `en_formal`. */
function variantIdFromTags(tags: Tags): string {
  return Object.values(tags)
    .map((v) => v.replace(/[^A-Za-z0-9_-]+/g, "-"))
    .join("_")
    .replace(/^[-_]+/, "") || "variant";
}

/** Union of variable lists; a variable is required if any template requires it. */
function mergeVariables(lists: readonly (readonly VariableInfo[])[]): VariableInfo[] {
  const merged = new Map<string, boolean>();
  for (const list of lists) for (const v of list) merged.set(v.name, (merged.get(v.name) ?? false) || v.required);
  return [...merged.entries()]
    .map(([name, required]) => ({ name, required }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
