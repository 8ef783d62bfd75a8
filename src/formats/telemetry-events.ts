/** The telemetry event format: schemas/telemetry-event.schema.json. docs/telemetry.md describes it. */

/** Which prompt a client served: the same fields in usage and metrics events and in heartbeats. */
export interface ServedPrompt {
  prompt: string;
  /** The version served, or "local" for the local prompt files. */
  version: string;
  variant: string | null;
  /** The alias that resolved to the version; null when a version was asked for. */
  alias: string | null;
  /** True when a canary on the alias chose this version. */
  canary: boolean;
}

interface EventBase {
  v: 1;
  /** ISO 8601, UTC, by the client's clock. */
  ts: string;
  project: string;
  client: string;
}

/** getPrompt calls of one served prompt, counted from `ts` until the batch was flushed. */
export interface UsageEvent extends EventBase, ServedPrompt {
  type: "usage";
  count: number;
}

export type Metrics = Record<string, number | boolean>;

/** One reportMetrics call. */
export interface MetricsEvent extends EventBase, ServedPrompt {
  type: "metrics";
  metrics: Metrics;
}

/** A client's state: what it runs and what it serves. */
export interface HeartbeatEvent extends EventBase {
  type: "heartbeat";
  app: string;
  commit: string | null;
  sdk: string;
  host: string;
  startedAt: string;
  /** Events dropped so far because the buffer was full. */
  dropped: number;
  serves: ServedPrompt[];
  /** With trusted keys: registry objects refused for their signatures so far (cacheStats().signatureRefusals). */
  signatureRefusals?: number;
}

export type TelemetryEvent = UsageEvent | MetricsEvent | HeartbeatEvent;

/** The schema's bounds on metrics, so that reportMetrics refuses what analytics build would skip. */
export const MAX_METRICS = 32;
export const MAX_METRIC_NAME = 64;
/** 11.6 days: more is a timestamp passed as a duration. */
export const MAX_LATENCY_MS = 1e9;
/** Other metrics, either sign. */
export const MAX_METRIC_MAGNITUDE = 1e15;
