import { metricsTable, type AnalyticsMetricRow, type AnalyticsSummaryRow } from "virtual:promptsync/view";

/** What a chart of a metric's mean per version plots: tokens and cost, the numbers worth comparing at a glance. */
const CHARTED = /tokens?|cost/i;

export interface VersionMetrics {
  /** Per version, then metric name: reports that gave it, their sum and mean, as `promptsync analytics` prints them. */
  rows: AnalyticsMetricRow[];
  /** Numbers analytics build did not sum (names past the first 32 kept, or not letter-first). */
  dropped: number;
  /** A bar per version of each token or cost metric: its mean per report, rounded for the bars' labels. */
  charts: { metric: string; versions: string[]; means: number[] }[];
}

/**
 * The custom metrics apps reported with reportMetrics, per version over every day, variant, alias and canary side.
 * A metric is charted only when every mean is a non-negative number (a bar has no negative height); the table below
 * the charts always has every figure.
 */
export function versionMetrics(summaryRows: readonly AnalyticsSummaryRow[]): VersionMetrics {
  const { metrics: rows, dropped } = metricsTable(summaryRows);
  const byMetric = new Map<string, AnalyticsMetricRow[]>();
  for (const row of rows) {
    const of = byMetric.get(row.metric);
    if (of) of.push(row);
    else byMetric.set(row.metric, [row]);
  }
  const charts = [...byMetric]
    .filter(([metric, of]) => CHARTED.test(metric) && of.every((r) => Number.isFinite(r.mean) && r.mean >= 0))
    .map(([metric, of]) => ({ metric, versions: of.map((r) => r.version), means: of.map((r) => Number(r.mean.toPrecision(4))) }))
    .sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
  return { rows, dropped, charts };
}
