import type { AliasHistoryEntry } from "../../src/formats/types.ts";
import { table } from "../output.ts";

/** An alias's history as a table: its moves, canary steps and deletions. */
export function aliasHistoryTable(history: readonly AliasHistoryEntry[]): string {
  return table([
    ["REV", "WHEN", "ACTION", "VERSION", "CANARY", "BY"],
    ...history.map((h) => [String(h.revision), h.at, h.action, h.version, h.canary ? `${h.canary.version} ${h.canary.percentage}%` : "-", h.by ?? ""]),
  ]);
}
