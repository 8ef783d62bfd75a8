import type { AnalyticsState, AnalyticsSummaryRow } from "../formats/types.ts";
import { telemetryLayout } from "../layout.ts";
import type { RegistryReader } from "../storage/types.ts";
import { parseState, readSummary } from "./build.ts";
import { merge, percentiles, type Histogram } from "./histogram.ts";

export interface AnalyticsFilter {
  version?: string | undefined;
  /** First day included (YYYY-MM-DD). */
  sinceDay?: string | undefined;
  /** One row per day as well. @default false */
  daily?: boolean | undefined;
}

export type AnalyticsTableRow = Omit<AnalyticsSummaryRow, "day" | "latency"> & {
  day?: string;
  /** successes / (successes + failures); null when no report said. */
  successRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
};

/** The aggregated rows grouped by version, variant and canary side (and day with `daily`), with percentiles. */
export function analyticsTable(rows: readonly AnalyticsSummaryRow[], filter: AnalyticsFilter = {}): AnalyticsTableRow[] {
  const groups = new Map<string, { row: Omit<AnalyticsTableRow, "successRate" | "p50" | "p95" | "p99">; latency: Histogram }>();
  for (const row of rows) {
    if (filter.version && row.version !== filter.version) continue;
    if (filter.sinceDay && row.day < filter.sinceDay) continue;
    const key = `${filter.daily ? row.day : ""}\u0000${row.version}\u0000${row.variant ?? ""}\u0000${row.canary}`;
    let group = groups.get(key);
    if (!group) {
      const base = { version: row.version, variant: row.variant, canary: row.canary, calls: 0, reports: 0, successes: 0, failures: 0 };
      group = { row: filter.daily ? { day: row.day, ...base } : base, latency: {} };
      groups.set(key, group);
    }
    group.row.calls += row.calls;
    group.row.reports += row.reports;
    group.row.successes += row.successes;
    group.row.failures += row.failures;
    merge(group.latency, row.latency);
  }
  return [...groups.values()]
    .map(({ row, latency }) => {
      const [p50, p95, p99] = percentiles(latency, [50, 95, 99]);
      const judged = row.successes + row.failures;
      return { ...row, successRate: judged ? row.successes / judged : null, p50: p50 ?? null, p95: p95 ?? null, p99: p99 ?? null };
    })
    .sort((a, b) => (a.day ?? "").localeCompare(b.day ?? "") || a.version.localeCompare(b.version) || (a.variant ?? "").localeCompare(b.variant ?? "") || Number(a.canary) - Number(b.canary));
}

/** The current analytics state, or undefined before the first build. */
export async function readAnalyticsState(reader: RegistryReader, project: string): Promise<AnalyticsState | undefined> {
  const key = telemetryLayout.analyticsState(project);
  const object = await reader.get(key);
  return object && parseState(key, object.body);
}

/** A prompt's aggregated rows; empty when no build saw it. */
export async function promptAnalytics(reader: RegistryReader, state: AnalyticsState, prompt: string): Promise<AnalyticsSummaryRow[]> {
  const key = state.summaries[prompt];
  return key ? (await readSummary(reader, key)).rows : [];
}

/** `7d` → the first day of the last 7 days (today included), or a YYYY-MM-DD date as is. */
export function sinceDay(since: string, now: Date): string | undefined {
  const days = /^(\d+)d$/.exec(since);
  if (days) return new Date(now.getTime() - (Number(days[1]) - 1) * 86_400_000).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(since) ? since : undefined;
}
