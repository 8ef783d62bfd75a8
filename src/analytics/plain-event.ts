import { MAX_LATENCY_MS, MAX_METRIC_MAGNITUDE, MAX_METRIC_NAME, MAX_METRICS, type MetricsEvent, type UsageEvent } from "../formats/telemetry-events.ts";

// The patterns and bounds of schemas/telemetry-event.schema.json.
const TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z$/;
const PROJECT = /^[a-z0-9][a-z0-9._-]*$/;
const CLIENT = /^[A-Za-z0-9._-]{1,64}$/;
const PROMPT = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
const VERSION = /^(v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?|local)$/;
const VARIANT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const ALIAS = /^[a-z][a-z0-9_-]*$/;
const MAX_PROMPT = 512;
const MAX_NAME = 128;
const MAX_COUNT = 1e12;
/** v, type, ts, project, client, the five served fields, and count or metrics. */
const FIELDS = 11;

/**
 * True only for usage and metrics events that the event schema plainly accepts; it is stricter wherever that is
 * simpler (metric names are counted in UTF-16 units), and everything it refuses goes to the schema's validator,
 * which decides and says why. The validator tries each branch of the schema's oneOf and builds error objects for
 * the two an event does not match: kilobytes of garbage per event, which made the young generation grow to 130 MB
 * over a million events.
 */
export function isPlainEvent(value: unknown): value is UsageEvent | MetricsEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const event = value as Record<string, unknown>;
  let fields = 0;
  for (const name in event) if (Object.hasOwn(event, name)) fields++;
  return (
    fields === FIELDS &&
    event.v === 1 &&
    matches(event.ts, TIME, Infinity) &&
    matches(event.project, PROJECT, MAX_NAME) &&
    matches(event.client, CLIENT, Infinity) &&
    matches(event.prompt, PROMPT, MAX_PROMPT) &&
    matches(event.version, VERSION, MAX_NAME) &&
    (event.variant === null || matches(event.variant, VARIANT, MAX_NAME)) &&
    (event.alias === null || matches(event.alias, ALIAS, MAX_NAME)) &&
    typeof event.canary === "boolean" &&
    (event.type === "usage" ? isCount(event.count) : event.type === "metrics" && isPlainMetrics(event.metrics))
  );
}

/** The patterns are ASCII, so a string that matches one has as many characters as UTF-16 units. */
function matches(value: unknown, pattern: RegExp, maxLength: number): boolean {
  return typeof value === "string" && value.length <= maxLength && pattern.test(value);
}

function isCount(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_COUNT;
}

function isPlainMetrics(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const metrics = value as Record<string, unknown>;
  let count = 0;
  for (const name in metrics) {
    if (!Object.hasOwn(metrics, name) || ++count > MAX_METRICS || name.length > MAX_METRIC_NAME) return false;
    const metric = metrics[name];
    if (name === "success" ? typeof metric !== "boolean" : !isMetricValue(name, metric)) return false;
  }
  return true;
}

function isMetricValue(name: string, value: unknown): boolean {
  if (name === "latency_ms") return typeof value === "number" && value >= 0 && value <= MAX_LATENCY_MS;
  return typeof value === "boolean" || (typeof value === "number" && Math.abs(value) <= MAX_METRIC_MAGNITUDE);
}
