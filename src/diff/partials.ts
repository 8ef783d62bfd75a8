import { canonicalJson } from "../formats/canonical.ts";
import type { CompiledPrompt } from "../formats/types.ts";
import { textHunks, type TextHunk } from "./hunks.ts";

/**
 * A partial a prompt uses, added, removed or changed between two versions. `through`: the prompt's own source is
 * the same on both sides, so the prompt changed only through its partials ("changed through _shared/safety").
 */
export type PartialChange =
  | { kind: "partial"; change: "added" | "removed" | "changed"; name: string; through: boolean }
  | { kind: "template"; target: string; before: string; after: string; hunks: TextHunk[] };

export function comparePartials(before: CompiledPrompt, after: CompiledPrompt): PartialChange[] {
  const was = new Map(Object.entries(before.partials ?? {}));
  const now = new Map(Object.entries(after.partials ?? {}));
  const through = ownSource(before) === ownSource(after);
  const changes: PartialChange[] = [];
  for (const name of [...new Set([...was.keys(), ...now.keys()])].sort()) {
    const [a, b] = [was.get(name), now.get(name)];
    if (a?.hash === b?.hash) continue;
    changes.push({ kind: "partial", change: !a ? "added" : !b ? "removed" : "changed", name, through });
    if (a && b) changes.push({ kind: "template", target: `partial ${name}`, before: a.content, after: b.content, hunks: textHunks(a.content, b.content) });
  }
  return changes;
}

/** The prompt as its own file made it: without its partials and what is derived from them. */
function ownSource(prompt: CompiledPrompt): string {
  const { partials: _partials, variables: _variables, hash: _hash, format: _format, ...own } = prompt;
  return canonicalJson(own);
}
