import { structuredPatch } from "diff";

/** A unified-diff hunk of one template. */
export interface TextHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Lines prefixed with " ", "-" or "+". */
  lines: string[];
}

/**
 * Line edits a diff looks for at most; past it, the whole text is one hunk, every line removed and added. Template
 * text is hostile, and a line diff takes time quadratic in its edits (4,000 different lines took 6 s); a count, not
 * a clock, so the same versions always give the same hunks.
 */
const MAX_LINE_EDITS = 1_000;

export function textHunks(before: string, after: string): TextHunk[] {
  const [a, b] = [ensureNewline(before), ensureNewline(after)];
  const patch = structuredPatch("before", "after", a, b, "", "", { context: 3, maxEditLength: MAX_LINE_EDITS });
  if (!patch) return [wholeTextHunk(a, b)];
  return patch.hunks.map((h) => ({ oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines, lines: h.lines }));
}

function wholeTextHunk(before: string, after: string): TextHunk {
  const [removed, added] = [before.slice(0, -1).split("\n"), after.slice(0, -1).split("\n")];
  return { oldStart: 1, oldLines: removed.length, newStart: 1, newLines: added.length, lines: [...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`)] };
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
