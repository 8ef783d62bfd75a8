import { diffWordsWithSpace } from "diff";
import type { TextHunk } from "./hunks.ts";

/** A run of a line's text; `marked` when it is what changed between a removed line and the added line paired with it. */
export interface TextRun {
  text: string;
  marked: boolean;
}

/**
 * One row of a side-by-side diff: a context line on both sides, or a removed line beside the added line paired
 * with it. A side is undefined when its run of removed (or added) lines is the shorter one.
 */
export interface SideBySideRow {
  changed: boolean;
  before: TextRun[] | undefined;
  after: TextRun[] | undefined;
}

/**
 * A hunk as side-by-side rows: each run of removed lines is paired, line by line, with the run of added lines that
 * follows it, and within a pair the words that changed are marked. What `diff --format html` prints and the
 * dashboard's compare shows, so both mark the same words.
 */
export function sideBySideRows(hunk: TextHunk): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  const removed: string[] = [];
  const added: string[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) rows.push(changedRow(removed[i], added[i]));
    removed.length = 0;
    added.length = 0;
  };
  for (const line of hunk.lines) {
    if (line.startsWith("-")) removed.push(line.slice(1));
    else if (line.startsWith("+")) added.push(line.slice(1));
    else if (line.startsWith(" ")) {
      flush();
      const text = [{ text: line.slice(1), marked: false }];
      rows.push({ changed: false, before: text, after: text });
    }
  }
  flush();
  return rows;
}

function changedRow(before: string | undefined, after: string | undefined): SideBySideRow {
  if (before === undefined) return { changed: true, before: undefined, after: [{ text: after ?? "", marked: true }] };
  if (after === undefined) return { changed: true, before: [{ text: before, marked: true }], after: undefined };
  const left: TextRun[] = [];
  const right: TextRun[] = [];
  for (const part of diffWordsWithSpace(before, after)) {
    if (part.removed) left.push({ text: part.value, marked: true });
    else if (part.added) right.push({ text: part.value, marked: true });
    else {
      left.push({ text: part.value, marked: false });
      right.push({ text: part.value, marked: false });
    }
  }
  return { changed: true, before: left, after: right };
}
