import type { AnalyticsSummaryRow } from "../formats/types.ts";
import { compareVersions } from "../formats/version.ts";

type RowId = Pick<AnalyticsSummaryRow, "version" | "variant" | "alias" | "canary">;

/** Rows in version (v0.9.0 before v0.10.0), variant, alias, canary-side order. */
export function compareRows(a: RowId, b: RowId): number {
  return (
    compareVersions(a.version, b.version) ||
    (a.variant ?? "").localeCompare(b.variant ?? "") ||
    (a.alias ?? "").localeCompare(b.alias ?? "") ||
    Number(a.canary) - Number(b.canary)
  );
}
