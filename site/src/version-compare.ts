// The prompt page's compare of two versions, as `promptsync diff --format html` prints it (src/diff/format.ts):
// the same semantic lines, then a side-by-side table per changed template with the same rows and the same words
// marked, from the same library code. Built from elements and text nodes only: prompt text never becomes markup.
import { comparePrompts, describeBreaking, describeChange, sideBySideRows, type CompiledPrompt, type SideBySideRow, type TextRun } from "virtual:promptsync/compare";

export interface CompareView {
  /** One item per semantic change, breaking ones marked as the CLI marks them. */
  facts: HTMLLIElement[];
  /** A heading and a table per changed template: the default body, a variant. */
  tables: HTMLElement[];
}

export function compareView(name: string, before: CompiledPrompt, after: CompiledPrompt): CompareView {
  const diff = comparePrompts(name, before, after);
  const lines = diff.changes.flatMap((change) => {
    const breaking = describeBreaking(change);
    return [describeChange(change), breaking && `BREAKING: ${breaking}`];
  });
  const facts = lines.filter((line): line is string => line !== undefined).map((line) => element("li", line));
  if (diff.status === "unchanged") facts.push(element("li", "No changes: both versions have the same content."));
  const tables = diff.changes.flatMap((change) => (change.kind === "template" ? [templateTable(change.target, sideBySideRows(change.hunks))] : []));
  return { facts, tables };
}

function templateTable(target: string, rows: SideBySideRow[]): HTMLElement {
  const section = element("section");
  section.className = "compare-target";
  const scroll = element("div");
  scroll.className = "scroll";
  const table = element("table");
  table.className = "diff";
  const head = element("thead");
  const titles = element("tr");
  titles.append(element("th", "before"), element("th", "after"));
  head.append(titles);
  const body = element("tbody");
  for (const row of rows) {
    const tr = element("tr");
    tr.className = row.changed ? "changed" : "same";
    tr.append(cell(row.before, "del", row.changed), cell(row.after, "ins", row.changed));
    body.append(tr);
  }
  table.append(head, body);
  scroll.append(table);
  section.append(element("h3", target), scroll);
  return section;
}

function cell(runs: TextRun[] | undefined, mark: "del" | "ins", changed: boolean): HTMLTableCellElement {
  const td = element("td");
  if (changed) td.className = mark;
  for (const run of runs ?? []) td.append(run.marked ? element(mark, run.text) : document.createTextNode(run.text));
  return td;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}
