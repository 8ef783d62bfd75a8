import { MAX_METRIC_NAME, MAX_METRICS, type EventMetrics } from "../formats/telemetry-events.ts";
import type { AnalyticsMetricSum } from "../formats/types.ts";
import { addCount, addSum } from "./saturating.ts";

/**
 * Custom metrics: the numbers reportMetrics sends besides latency_ms (which has its histogram). `success` and other
 * booleans are not summed. Each summary row keeps, per name, how many reports gave one and their sum (the mean is
 * sum / count, computed when read, so rows and builds add up exactly).
 *
 * Apps choose the names, so a prompt's summary keeps at most MAX_SUMMARY_METRICS of them, the first it saw, each
 * matching METRIC_NAME (the summary schema's propertyNames): any other number is counted in the row's
 * `metricsDropped`, never summed.
 */
export const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** As many names as one reportMetrics call may send. */
export const MAX_SUMMARY_METRICS = MAX_METRICS;

/** While aggregating: name → count and sum, in a Map, so names such as `constructor` are plain names. */
export type MetricSums = Map<string, AnalyticsMetricSum>;

/** The names one prompt's summary keeps, first seen first. */
export class MetricNames {
  private readonly names = new Set<string>();

  /** Whether the name's values are summed: a name already kept, or a valid new one while there is room. */
  admit(name: string): boolean {
    if (this.names.has(name)) return true;
    if (this.names.size >= MAX_SUMMARY_METRICS || name.length > MAX_METRIC_NAME || !METRIC_NAME.test(name)) return false;
    this.names.add(name);
    return true;
  }
}

/** Adds `count` values summing to `sum` under the name; counts and sums saturate. */
export function addMetric(sums: MetricSums, name: string, count: number, sum: number): void {
  const total = sums.get(name);
  if (total) {
    total.count = addCount(total.count, count);
    total.sum = addSum(total.sum, sum);
  } else {
    sums.set(name, { count: addCount(0, count), sum: addSum(0, sum) });
  }
}

/**
 * Adds one event's custom numbers to a row's sums, for names the prompt's summary keeps; returns how many it did
 * not keep.
 */
export function addEventMetrics(sums: MetricSums, names: MetricNames, metrics: EventMetrics): number {
  let dropped = 0;
  // A parsed event: its own properties are the only enumerable ones.
  for (const name in metrics) {
    const value = metrics[name];
    if (typeof value !== "number" || name === "latency_ms") continue;
    if (names.admit(name)) addMetric(sums, name, 1, value);
    else dropped++;
  }
  return dropped;
}

/** Whether an event carries a number analytics sums (its prompt's kept names then matter). */
export function hasCustomNumbers(metrics: EventMetrics): boolean {
  for (const name in metrics) if (typeof metrics[name] === "number" && name !== "latency_ms") return true;
  return false;
}

/** The stored form: names in order (own properties, made by Object.fromEntries). */
export function toStoredMetrics(sums: MetricSums): Record<string, AnalyticsMetricSum> {
  return Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, { count, sum }]) => [name, { count, sum }]));
}
