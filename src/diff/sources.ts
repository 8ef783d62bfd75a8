import { CompileError, UsageError } from "../errors.ts";
import { compileFolder } from "../compiler/folder.ts";
import { compilePrompts } from "../compiler/compile-prompts.ts";
import type { CompiledPrompt } from "../formats/types.ts";
import { promptFilesAtCommit, resolveCommit } from "../git/files-at-commit.ts";
import { RegistryClient } from "../registry/read.ts";
import type { RegistryReader } from "../storage/types.ts";

/** One side of a diff or a compatibility check. */
type PromptSetRef = { kind: "local" } | { kind: "version"; version: string } | { kind: "alias"; alias: string } | { kind: "git"; commit: string };

export interface PromptSetContext {
  cwd: string;
  promptsDir: string;
  reader: () => Promise<RegistryReader>;
  project: () => Promise<string>;
}

interface PromptSet {
  /** `local`, `v1.2.0`, `stable (v1.2.0)`, `git 1a2b3c4`. */
  label: string;
  prompts: CompiledPrompt[];
}

export async function loadPromptSet(ref: PromptSetRef, ctx: PromptSetContext): Promise<PromptSet> {
  if (ref.kind === "local") return { label: "local", prompts: await compileFolder(ctx.promptsDir) };
  if (ref.kind === "git") {
    const { sha, top } = await resolveCommit(ctx.cwd, ref.commit);
    const result = compilePrompts(await promptFilesAtCommit(top, sha, ctx.promptsDir));
    if (!result.ok) throw new CompileError(result.diagnostics);
    return { label: `git ${sha.slice(0, 7)}`, prompts: result.prompts };
  }
  const client = new RegistryClient(await ctx.reader(), await ctx.project());
  const { version } = await client.resolve(ref.kind === "version" ? ref.version : ref.alias);
  return { label: ref.kind === "alias" ? `${ref.alias} (${version})` : version, prompts: await client.promptsAt(version) };
}

/** At most two sides from the options and positional versions; the local files fill a missing side. */
export function diffSides(options: { version?: string[]; alias?: string[]; gitCommit?: string[] }, positional: readonly string[]): [PromptSetRef, PromptSetRef] {
  const refs: PromptSetRef[] = [
    ...positional.map((v) => ({ kind: "version" as const, version: v })),
    ...(options.version ?? []).map((v) => ({ kind: "version" as const, version: v })),
    ...(options.gitCommit ?? []).map((c) => ({ kind: "git" as const, commit: c })),
    ...(options.alias ?? []).map((a) => ({ kind: "alias" as const, alias: a })),
  ];
  if (refs.length > 2) throw new UsageError("A diff has two sides: give at most two of versions, --version, --alias and --git-commit");
  if (refs.length === 0) throw new UsageError("Compare with what?", "Give a version, --alias, --version or --git-commit; the local files are the other side.");
  return refs.length === 1 ? [refs[0]!, { kind: "local" }] : [refs[0]!, refs[1]!];
}
