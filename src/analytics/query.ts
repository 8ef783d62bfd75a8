import type { AnalyticsSummaryRow } from "../formats/types.ts";
import { compareVersions } from "../formats/version.ts";
import { compareRows } from "./row-order.ts";
import { merge, percentiles, type Histogram } from "./histogram.ts";
import { addMetric, type MetricSums } from "./metrics.ts";
import { addCount } from "./saturating.ts";

interface AnalyticsFilter {
  version?: string | undefined;
  /** First day included (YYYY-MM-DD). */
  sinceDay?: string | undefined;
  /** One row per day as well. @default false */
  daily?: boolean | undefined;
}

export interface AnalyticsTotals {
  calls: number;
  reports: number;
  successes: number;
  failures: number;
  /** successes / (successes + failures); null when no report said. */
  successRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export type AnalyticsTableRow = Pick<AnalyticsSummaryRow, "version" | "variant" | "alias" | "canary"> & { day?: string } & AnalyticsTotals;

/** Rows summed into one, with exact percentiles over their merged latency histograms. */
export function totalsOf(rows: readonly AnalyticsSummaryRow[]): AnalyticsTotals {
  const sum = { calls: 0, reports: 0, successes: 0, failures: 0 };
  const latency: Histogram = {};
  for (const row of rows) {
    sum.calls += row.calls;
    sum.reports += row.reports;
    sum.successes += row.successes;
    sum.failures += row.failures;
    merge(latency, row.latency);
  }
  const [p50, p95, p99] = percentiles(latency, [50, 95, 99]);
  const judged = sum.successes + sum.failures;
  return { ...sum, successRate: judged ? sum.successes / judged : null, p50: p50 ?? null, p95: p95 ?? null, p99: p99 ?? null };
}

function selected(row: AnalyticsSummaryRow, filter: AnalyticsFilter): boolean {
  return !(filter.version && row.version !== filter.version) && !(filter.sinceDay && row.day < filter.sinceDay);
}

/** The aggregated rows grouped by version, variant, alias and canary side (and day with `daily`), with percentiles. */
export function analyticsTable(rows: readonly AnalyticsSummaryRow[], filter: AnalyticsFilter = {}): AnalyticsTableRow[] {
  const groups = new Map<string, AnalyticsSummaryRow[]>();
  for (const row of rows) {
    if (!selected(row, filter)) continue;
    const key = `${filter.daily ? row.day : ""}\u0000${row.version}\u0000${row.variant ?? ""}\u0000${row.alias ?? ""}\u0000${row.canary}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()]
    .map((group) => {
      const { day, version, variant, alias, canary } = group[0]!;
      return { ...(filter.daily && { day }), version, variant, alias, canary, ...totalsOf(group) };
    })
    .sort((a, b) => (a.day ?? "").localeCompare(b.day ?? "") || compareRows(a, b));
}

/** One custom metric of one version (and day with `daily`): mean = sum / count. */
export interface AnalyticsMetricRow {
  day?: string;
  version: string;
  metric: string;
  count: number;
  sum: number;
  mean: number;
}

/**
 * The custom metrics of the rows the filter selects, summed per version (and day with `daily`), in day, version and
 * name order; and how many numbers the build did not sum (metrics.ts says why).
 */
export function metricsTable(rows: readonly AnalyticsSummaryRow[], filter: AnalyticsFilter = {}): { metrics: AnalyticsMetricRow[]; dropped: number } {
  const groups = new Map<string, { day: string; version: string; sums: MetricSums }>();
  let dropped = 0;
  for (const row of rows) {
    if (!selected(row, filter)) continue;
    dropped = addCount(dropped, row.metricsDropped ?? 0);
    if (!row.metrics) continue;
    const key = `${filter.daily ? row.day : ""}\u0000${row.version}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { day: row.day, version: row.version, sums: new Map() }));
    for (const [name, { count, sum }] of Object.entries(row.metrics)) addMetric(group.sums, name, count, sum);
  }
  const metrics = [...groups.values()]
    .sort((a, b) => (filter.daily ? a.day.localeCompare(b.day) : 0) || compareVersions(a.version, b.version))
    .flatMap(({ day, version, sums }) =>
      [...sums]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([metric, { count, sum }]) => ({ ...(filter.daily && { day }), version, metric, count, sum, mean: sum / count })),
    );
  return { metrics, dropped };
}

/** A success rate as the CLI and the dashboard print it: `89.6%`, or `-` when no report said. */
export function formatRate(rate: number | null): string {
  return rate === null ? "-" : `${(rate * 100).toFixed(1)}%`;
}

/** A custom metric's sum or mean as the CLI and the dashboard print it: integers as they are, other numbers to 6 significant digits, without exponent noise (0.0125, 512.333). */
export function formatMetric(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/** `7d` → the first day of the last 7 days (today included), or a YYYY-MM-DD date as is. */
export function sinceDay(since: string, now: Date): string | undefined {
  const days = /^(\d+)d$/.exec(since);
  if (days) return new Date(now.getTime() - (Number(days[1]) - 1) * 86_400_000).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(since) ? since : undefined;
}
