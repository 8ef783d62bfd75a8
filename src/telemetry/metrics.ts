import { UsageError } from "../errors.ts";
import { MAX_LATENCY_MS, MAX_METRIC_MAGNITUDE, MAX_METRIC_NAME, MAX_METRICS, type Metrics } from "../formats/telemetry-events.ts";

/** reportMetrics' argument as the event schema takes it; a USAGE error naming the metric otherwise. */
export function checkMetrics(metrics: Metrics): void {
  const problem = metricsProblem(metrics);
  if (problem) throw new UsageError(`reportMetrics: ${problem}`, "Report numbers and booleans, e.g. { success: true, latency_ms: 250, tokens: 812 }.");
}

function metricsProblem(metrics: Metrics): string | undefined {
  const entries = Object.entries(metrics ?? {});
  if (entries.length === 0) return "metrics is empty";
  if (entries.length > MAX_METRICS) return `metrics has ${entries.length} entries; the limit is ${MAX_METRICS}`;
  const long = entries.find(([name]) => name.length > MAX_METRIC_NAME);
  if (long) return `a metric name has at most ${MAX_METRIC_NAME} characters, not ${long[0].length}`;
  const bad = entries.find(([, value]) => !(typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))));
  if (bad) return `metrics.${bad[0]} must be a finite number or a boolean`;
  const huge = entries.find(([, value]) => typeof value === "number" && Math.abs(value) > MAX_METRIC_MAGNITUDE);
  if (huge) return `metrics.${huge[0]} must be from -${MAX_METRIC_MAGNITUDE} to ${MAX_METRIC_MAGNITUDE}`;
  if ("success" in metrics && typeof metrics.success !== "boolean") return "metrics.success must be a boolean";
  if ("latency_ms" in metrics && (typeof metrics.latency_ms !== "number" || metrics.latency_ms < 0 || metrics.latency_ms > MAX_LATENCY_MS)) {
    return `metrics.latency_ms must be a non-negative number of milliseconds, at most ${MAX_LATENCY_MS}`;
  }
  return undefined;
}
