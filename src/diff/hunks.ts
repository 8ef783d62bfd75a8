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

export function textHunks(before: string, after: string): TextHunk[] {
  const patch = structuredPatch("before", "after", ensureNewline(before), ensureNewline(after), "", "", { context: 3 });
  return patch.hunks.map((h) => ({ oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines, lines: h.lines }));
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
