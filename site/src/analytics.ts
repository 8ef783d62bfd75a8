import { compareVersions, sinceDay, type AnalyticsSummaryRow } from "virtual:promptsync/view";

/** How far back the per-day charts go; the tables cover every day, as `promptsync analytics` does. */
export const CHART_DAYS = 30;

/**
 * What a canary is fairly compared on: the rows of the aliases a canary ran on, on the days it served calls, both
 * sides. Versions asked for by number, other aliases and other days are left out.
 */
export function canaryRows(rows: readonly AnalyticsSummaryRow[]): AnalyticsSummaryRow[] {
  const ran = new Set(rows.filter((r) => r.canary).map((r) => `${r.alias}\u0000${r.day}`));
  return rows.filter((r) => ran.has(`${r.alias}\u0000${r.day}`));
}

export function versionsOf(rows: readonly AnalyticsSummaryRow[]): string[] {
  return [...new Set(rows.map((r) => r.version))].sort(compareVersions);
}

/**
 * The rows of the last CHART_DAYS days before the build, and every calendar day from the first of them to the
 * build's day (or the next day, if a client's clock ran ahead), so days without calls show as gaps. Later days
 * are left out: a summary written before builds bounded event times may hold any date.
 */
export function recentDays(rows: readonly AnalyticsSummaryRow[], builtAt: string): { rows: AnalyticsSummaryRow[]; days: string[] } {
  const built = new Date(builtAt);
  const since = sinceDay(`${CHART_DAYS}d`, built)!;
  const until = new Date(built.getTime() + 86_400_000).toISOString().slice(0, 10);
  const recent = rows.filter((r) => r.day >= since && r.day <= until);
  const seen = recent.map((r) => r.day).sort();
  if (seen.length === 0) return { rows: [], days: [] };
  const last = [builtAt.slice(0, 10), seen.at(-1)!].sort().at(-1)!;
  const days: string[] = [];
  for (let t = Date.parse(seen[0]!); t <= Date.parse(last) && days.length <= CHART_DAYS + 1; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return { rows: recent, days };
}

/** Distinct in light and dark mode; versions take them in version order. */
const PALETTE = ["#3b82f6", "#f59e0b", "#10b981", "#a855f7", "#ef4444", "#06b6d4", "#84cc16", "#ec4899"];

export function versionColor(versions: readonly string[], version: string): string {
  return PALETTE[versions.indexOf(version) % PALETTE.length]!;
}

export { formatRate } from "virtual:promptsync/view";
export const ms = (value: number | null): string => (value === null ? "-" : `${value} ms`);

export function analyticsPath(base: string, name: string): string {
  return `${base}analytics/${name}/`;
}
