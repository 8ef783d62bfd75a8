import { newRequiredVariables } from "../validate/compatibility.ts";
import type { PromptChange, PromptDiff, SetDiff, TextHunk } from "./compare.ts";
import { sideBySideHunks, sideBySideRows, type SideBySideRow, type TextRun } from "./side-by-side.ts";

export type DiffFormat = "text" | "json" | "markdown" | "html";

/** Marks a value taken from a prompt or a registry inside a line the formatter writes. */
type Quote = (value: string) => string;

const asIs: Quote = (value) => value;

/** One line per semantic change; the template hunks are rendered by each format. */
export function describeChange(change: PromptChange): string | undefined {
  return describeChangeQuoted(change, asIs);
}

function describeChangeQuoted(change: PromptChange, quote: Quote): string | undefined {
  const list = (items: readonly string[]) => items.map(quote).join(", ");
  switch (change.kind) {
    case "kind":
      return `kind: ${quote(change.before)} → ${quote(change.after)}`;
    case "variables": {
      const parts = [
        change.added.length && `added ${list(change.added)}`,
        change.removed.length && `removed ${list(change.removed)}`,
        change.nowRequired.length && `now required ${list(change.nowRequired)}`,
        change.nowOptional.length && `now optional ${list(change.nowOptional)}`,
      ].filter(Boolean);
      return `variables: ${parts.join("; ")}`;
    }
    case "variant": {
      const tags = Object.entries(change.tags).map(([k, v]) => `${quote(k)}=${quote(v)}`).join(",");
      return `variant ${change.change}: ${quote(change.id)} (${tags})`;
    }
    case "messages":
      return `message roles: ${list(change.before)} → ${list(change.after)}`;
    case "metadata":
      return `${change.field}: ${quote(JSON.stringify(change.before ?? null))} → ${quote(JSON.stringify(change.after ?? null))}`;
    case "structure": {
      const where = change.target === "default" ? "" : ` in ${quote(change.target)}`;
      return `${change.what} ${change.change}: ${quote(change.name)}${change.detail ? ` (${quote(change.detail)})` : ""}${where}`;
    }
    case "partial":
      return change.change === "changed" && change.through ? `changed through ${quote(change.name)}` : `partial ${change.change}: ${quote(change.name)}`;
    case "template":
      return undefined;
  }
}

/**
 * The mark of a breaking change, or undefined: variables the new side newly requires, which code written against
 * the old side may not pass (what validate reports as an error).
 */
export function describeBreaking(change: PromptChange): string | undefined {
  return describeBreakingQuoted(change, asIs);
}

function describeBreakingQuoted(change: PromptChange, quote: Quote): string | undefined {
  if (change.kind === "structure") return change.breaking?.map(quote).join("; ");
  if (change.kind !== "variables" || change.breaking.length === 0) return undefined;
  return `${newRequiredVariables(change.breaking.map(quote))} (give a default, or update the code)`;
}

function summaryLine(diff: SetDiff, quote: Quote = asIs): string {
  const { added, removed, changed, unchanged } = diff.summary;
  return `${quote(diff.from)} → ${quote(diff.to)}: ${changed} changed, ${added} added, ${removed} removed, ${unchanged} unchanged`;
}

const COLOURS = { red: "\u001b[31m", green: "\u001b[32m", cyan: "\u001b[36m", bold: "\u001b[1m", inverse: "\u001b[7m", reset: "\u001b[0m" };

export function formatText(diff: SetDiff, colour: boolean): string {
  const paint = (code: keyof typeof COLOURS, text: string) => (colour ? `${COLOURS[code]}${text}${COLOURS.reset}` : text);
  const out: string[] = [];
  for (const prompt of diff.prompts.filter((p) => p.status !== "unchanged")) {
    out.push(paint("bold", `${prompt.status === "added" ? "+" : prompt.status === "removed" ? "-" : "~"} ${prompt.name} (${prompt.status})`));
    for (const change of prompt.changes) {
      const line = describeChange(change);
      const breaking = describeBreaking(change);
      if (line) out.push(`  ${line}`);
      if (breaking) out.push(`  ${paint("red", `BREAKING: ${breaking}`)}`);
      if (!line && change.kind === "template") {
        out.push(paint("cyan", `  --- ${change.target}`));
        const rows = colour ? sideBySideHunks(change.hunks) : undefined;
        change.hunks.forEach((hunk, i) => {
          out.push(paint("cyan", `  @@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`));
          for (const l of rows ? wordColouredLines(rows[i]!) : hunk.lines) out.push(`  ${l}`);
        });
      }
    }
  }
  out.push(summaryLine(diff));
  return `${out.join("\n")}\n`;
}

/**
 * A hunk's removed and added lines in red and green, with the words that changed between a pair in inverse video:
 * its rows of sideBySideHunks, so bounded per template as the HTML and the dashboard are.
 */
function wordColouredLines(hunkRows: readonly SideBySideRow[]): string[] {
  const out: string[] = [];
  const removed: string[] = [];
  const added: string[] = [];
  const flush = () => {
    out.push(...removed, ...added);
    removed.length = 0;
    added.length = 0;
  };
  const painted = (runs: TextRun[], colour: string, sign: string) =>
    `${colour}${sign}${runs.map((run) => (run.marked ? `${COLOURS.inverse}${run.text}${COLOURS.reset}${colour}` : run.text)).join("")}${COLOURS.reset}`;
  for (const row of hunkRows) {
    if (!row.changed) {
      flush();
      out.push(` ${row.before![0]!.text}`);
      continue;
    }
    // A line without a partner is all changed: coloured, not inverted.
    const paired = row.before !== undefined && row.after !== undefined;
    if (row.before) removed.push(paired ? painted(row.before, COLOURS.red, "-") : `${COLOURS.red}-${row.before[0]!.text}${COLOURS.reset}`);
    if (row.after) added.push(paired ? painted(row.after, COLOURS.green, "+") : `${COLOURS.green}+${row.after[0]!.text}${COLOURS.reset}`);
  }
  flush();
  return out;
}

/**
 * Markdown with every value from a prompt or a registry shown as text: escaped outside code, and inside a code span
 * or fence that no backtick run in the value can close.
 */
function formatMarkdown(diff: SetDiff): string {
  const out = [`### Prompt changes: ${escapeMarkdown(diff.from)} → ${escapeMarkdown(diff.to)}`, "", summaryLine(diff, escapeMarkdown), ""];
  for (const prompt of diff.prompts.filter((p) => p.status !== "unchanged")) {
    out.push(`#### ${codeSpan(prompt.name)} (${prompt.status})`, "");
    for (const change of prompt.changes) {
      const line = describeChangeQuoted(change, escapeMarkdown);
      const breaking = describeBreakingQuoted(change, escapeMarkdown);
      if (line) out.push(`- ${line}`);
      if (breaking) out.push(`- **BREAKING:** ${breaking}`);
    }
    for (const change of prompt.changes) {
      if (change.kind !== "template") continue;
      const body = change.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]).join("\n");
      const fence = "`".repeat(Math.max(3, longestBacktickRun(body) + 1));
      out.push("", `${escapeMarkdown(change.target)}:`, "", `${fence}diff`, body, fence);
    }
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

/**
 * The ASCII punctuation that can begin markdown syntax in CommonMark or on GitHub: HTML and autolinks, links and
 * images, emphasis and code, headings, lists, quotes, tables, strikethrough, entities, bare URLs, math. CommonMark
 * lets any of it be backslash-escaped.
 */
const MARKDOWN_SYNTAX = /[\\`*_{}[\]()<>#+\-.!|~&:@=$^]/g;
const LINE_BREAK = /\r\n?|\n/g;

/** `text` as literal markdown text on one line: it cannot add HTML, links, images, headings, tables or lines. */
function escapeMarkdown(text: string): string {
  return text.replace(LINE_BREAK, " ").replace(MARKDOWN_SYNTAX, "\\$&");
}

/** `text` as inline code on one line, delimited by more backticks than it holds. */
function codeSpan(text: string): string {
  const flat = text.replace(LINE_BREAK, " ");
  const ticks = "`".repeat(longestBacktickRun(flat) + 1);
  // CommonMark drops one space from each end, so a backtick at either end does not touch the delimiter.
  const pad = /^[` ]|[` ]$/.test(flat) ? " " : "";
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  return longest;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** A template's side-by-side rows (side-by-side.ts) as table rows; every prompt byte is escaped. */
function sideBySide(hunks: readonly TextHunk[]): string {
  return sideBySideRows(hunks)
    .map((row) => {
      const [left, right] = [runsHtml(row.before, "del"), runsHtml(row.after, "ins")];
      return row.changed ? `<tr><td class="del">${left}</td><td class="ins">${right}</td></tr>` : `<tr><td>${left}</td><td>${right}</td></tr>`;
    })
    .join("\n");
}

function runsHtml(runs: TextRun[] | undefined, mark: "del" | "ins"): string {
  return (runs ?? []).map((run) => (run.marked ? `<${mark}>${escapeHtml(run.text)}</${mark}>` : escapeHtml(run.text))).join("");
}

function formatHtml(diff: SetDiff): string {
  const sections = diff.prompts.filter((p) => p.status !== "unchanged").map((prompt: PromptDiff) => {
    const facts = prompt.changes
      .flatMap((c) => {
        const breaking = describeBreaking(c);
        return [describeChange(c), breaking && `BREAKING: ${breaking}`];
      })
      .filter((l): l is string => l !== undefined)
      .map((l) => `<li>${escapeHtml(l)}</li>`);
    const tables = prompt.changes
      .filter((c): c is Extract<PromptChange, { kind: "template" }> => c.kind === "template")
      .map((c) => `<h3>${escapeHtml(c.target)}</h3><table><thead><tr><th>before</th><th>after</th></tr></thead><tbody>${sideBySide(c.hunks)}</tbody></table>`);
    return `<section><h2>${escapeHtml(prompt.name)} <small>${prompt.status}</small></h2><ul>${facts.join("")}</ul>${tables.join("")}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(`Prompt diff ${diff.from} → ${diff.to}`)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%;table-layout:fixed}td{font:13px ui-monospace,monospace;white-space:pre-wrap;vertical-align:top;border:1px solid #ddd;padding:2px 6px}del{background:#fdd;text-decoration:none}ins{background:#dfd;text-decoration:none}td.del{background:#fff5f5}td.ins{background:#f5fff5}small{color:#666}</style>
</head><body><h1>${escapeHtml(summaryLine(diff))}</h1>
${sections.join("\n")}
</body></html>
`;
}

export function formatDiff(diff: SetDiff, format: DiffFormat, colour: boolean): string {
  if (format === "json") return `${JSON.stringify(diff, null, 2)}\n`;
  if (format === "markdown") return formatMarkdown(diff);
  if (format === "html") return formatHtml(diff);
  return formatText(diff, colour);
}
