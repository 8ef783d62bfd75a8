/** The telemetry event format: schemas/telemetry-event.schema.json (its types generated from it). docs/telemetry.md describes it. */

export type { EventMetrics, HeartbeatEvent, MetricsEvent, ServedPrompt, TelemetryEvent, TelemetryEventBase, UsageEvent } from "../generated/types.ts";

/**
 * What reportMetrics takes: any names with numbers or booleans. Broader than the event's EventMetrics (where
 * `success` is a boolean and `latency_ms` a number) on purpose: it is the SDK's public argument type, and
 * checkMetrics (src/telemetry/metrics.ts) refuses at run time what the schema refuses, naming the metric.
 */
export type Metrics = Record<string, number | boolean>;

/** The schema's bounds on metrics, so that reportMetrics refuses what analytics build would skip. */
export const MAX_METRICS = 32;
export const MAX_METRIC_NAME = 64;
/** 11.6 days: more is a timestamp passed as a duration. */
export const MAX_LATENCY_MS = 1e9;
/** Other metrics, either sign. */
export const MAX_METRIC_MAGNITUDE = 1e15;
