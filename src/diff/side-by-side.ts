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
 * Words are compared in at most this many characters of changed line pairs per template, and in a pair only up to
 * this many edits: past either, a pair is marked whole. Template text is hostile, and a word diff takes time
 * quadratic in its edits (two different 4,000-word lines took 11 s); the bounds are counts, not a clock, so that
 * the CLI and the dashboard mark the same words.
 */
const MAX_WORD_DIFF_CHARACTERS = 100_000;
const MAX_WORD_EDITS = 100;

/**
 * A template's hunks as side-by-side rows: each run of removed lines is paired, line by line, with the run of added
 * lines that follows it, and within a pair the words that changed are marked. What `diff --format html` prints and
 * the dashboard's compare shows, so both mark the same words.
 */
export function sideBySideRows(hunks: readonly TextHunk[]): SideBySideRow[] {
  return sideBySideHunks(hunks).flat();
}

/** The same rows, hunk by hunk (the terminal's diff prints each hunk under its header), within one word budget. */
export function sideBySideHunks(hunks: readonly TextHunk[]): SideBySideRow[][] {
  const perHunk: SideBySideRow[][] = [];
  let rows: SideBySideRow[] = [];
  const removed: string[] = [];
  const added: string[] = [];
  let budget = MAX_WORD_DIFF_CHARACTERS;
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const [before, after] = [removed[i], added[i]];
      const cost = (before?.length ?? 0) + (after?.length ?? 0);
      const compared = before !== undefined && after !== undefined && cost <= budget;
      if (compared) budget -= cost;
      rows.push(changedRow(before, after, compared));
    }
    removed.length = 0;
    added.length = 0;
  };
  for (const hunk of hunks) {
    rows = [];
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
    perHunk.push(rows);
  }
  return perHunk;
}

function changedRow(before: string | undefined, after: string | undefined, compareWords: boolean): SideBySideRow {
  const parts = compareWords ? diffWordsWithSpace(before!, after!, { maxEditLength: MAX_WORD_EDITS }) : undefined;
  if (!parts) return { changed: true, before: before === undefined ? undefined : [{ text: before, marked: true }], after: after === undefined ? undefined : [{ text: after, marked: true }] };
  const left: TextRun[] = [];
  const right: TextRun[] = [];
  for (const part of parts) {
    if (part.removed) left.push({ text: part.value, marked: true });
    else if (part.added) right.push({ text: part.value, marked: true });
    else {
      left.push({ text: part.value, marked: false });
      right.push({ text: part.value, marked: false });
    }
  }
  return { changed: true, before: left, after: right };
}
