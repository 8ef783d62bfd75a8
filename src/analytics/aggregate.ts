import type { AnalyticsSummaryRow } from "../formats/types.ts";
import type { MetricsEvent, TelemetryEvent, UsageEvent } from "../formats/telemetry-events.ts";
import { validateTelemetryEvent } from "../formats/validate.ts";
import { compareRows } from "./row-order.ts";
import { addHistogram, record, toHistogram, type HistogramCounts } from "./histogram.ts";
import { addEventMetrics, addMetric, hasCustomNumbers, MetricNames, toStoredMetrics, type MetricSums } from "./metrics.ts";
import { isPlainEvent } from "./plain-event.ts";
import { UNKNOWN_PROMPT, type RegistryCatalog } from "./registry-catalog.ts";
import { addCount } from "./saturating.ts";

type Row = Omit<AnalyticsSummaryRow, "latency" | "metrics" | "metricsDropped"> & { latency: HistogramCounts; metrics: MetricSums; metricsDropped: number };

/** A prompt's previous summary rows (none for a prompt without one). */
type PreviousRows = (prompt: string) => Promise<readonly AnalyticsSummaryRow[]>;

export interface MalformedLine {
  key: string;
  line: number;
  reason: string;
}

/** At most this many malformed lines and objects are listed in a report; all are counted. */
export const MALFORMED_SAMPLES = 20;

const NEWLINE = 0x0a;

/** A reason quotes the event (a schema error names the property), which an app may have made megabytes long. */
const MAX_REASON = 200;

export interface AggregateCounts {
  events: number;
  usage: number;
  metrics: number;
  heartbeats: number;
  /** Usage and metrics events of prompts, versions, variants or aliases the registry does not have. */
  unknown: number;
  malformedLines: number;
}

type RowId = Pick<AnalyticsSummaryRow, "day" | "version" | "variant" | "alias" | "canary">;

function rowKey(id: RowId): string {
  return `${id.day}\u0000${id.version}\u0000${id.variant ?? ""}\u0000${id.alias ?? ""}\u0000${id.canary ? 1 : 0}`;
}

/**
 * Folds events into per-prompt rows (day, version, variant, alias, canary side) one line at a time: memory grows with
 * the rows, never with the events. Lines that are not JSON or not events of this project are counted and
 * skipped. With a registry catalog, events of prompts the registry does not have share one row per day under
 * UNKNOWN_PROMPT, so made-up names, versions or variants add no summaries and no rows.
 *
 * A prompt's previous rows are merged in (mergePrevious) before its first custom metric is summed, so the metric
 * names its summary already keeps come first (metrics.ts); the build merges those of the other prompts at the end.
 */
export class Aggregator {
  readonly prompts = new Map<string, Map<string, Row>>();
  readonly counts: AggregateCounts = { events: 0, usage: 0, metrics: 0, heartbeats: 0, unknown: 0, malformedLines: 0 };
  readonly malformed: MalformedLine[] = [];
  private readonly project: string;
  private readonly catalog: RegistryCatalog | undefined;
  private readonly previous: PreviousRows | undefined;
  /** Prompt → the custom metric names its summary keeps. */
  private readonly metricNames = new Map<string, MetricNames>();
  /** Prompts whose previous rows are merged in (or being read). */
  private readonly merged = new Map<string, Promise<void>>();

  constructor(project: string, catalog?: RegistryCatalog, previous?: PreviousRows) {
    this.project = project;
    this.catalog = catalog;
    this.previous = previous;
  }

  /** One object's NDJSON text (UTF-8), stored at `storedAt` (by the store's clock): no event in it can be later. */
  async addBatch(key: string, text: Buffer, storedAt: Date): Promise<void> {
    for (let start = 0, line = 1; start < text.length; line++) {
      let end = text.indexOf(NEWLINE, start);
      if (end < 0) end = text.length;
      const event = end > start ? this.parseLine(key, line, text.toString("utf8", start, end)) : undefined;
      if (event) {
        if (this.catalog && event.type !== "heartbeat" && !this.catalog.ready(event)) await this.catalog.prepare(event);
        if (event.type === "heartbeat") {
          this.counts.events++;
          this.counts.heartbeats++;
        } else {
          const prompt = this.catalog && !this.catalog.has(event) ? UNKNOWN_PROMPT : event.prompt;
          if (event.type === "metrics" && !this.merged.has(prompt) && hasCustomNumbers(event.metrics)) await this.mergePrevious(prompt);
          this.add(event, prompt, storedAt);
        }
      }
      start = end + 1;
    }
  }

  private parseLine(key: string, line: number, text: string): TelemetryEvent | undefined {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return this.reject(key, line, "not JSON");
    }
    const valid = isPlainEvent(event) ? event : this.validate(key, line, event);
    if (valid && valid.project !== this.project) return this.reject(key, line, `an event of project "${valid.project}"`);
    return valid;
  }

  private validate(key: string, line: number, event: unknown): TelemetryEvent | undefined {
    const checked = validateTelemetryEvent(event);
    if (!checked.ok) return this.reject(key, line, `not a telemetry event (${checked.issues[0]?.instancePath || "/"} ${checked.issues[0]?.message ?? ""})`.trim());
    return checked.value;
  }

  /** A usage or metrics event, counted in `prompt`'s summary. */
  private add(event: UsageEvent | MetricsEvent, prompt: string, storedAt: Date): void {
    this.counts.events++;
    const row = prompt === UNKNOWN_PROMPT ? this.unknownRow(storedAt) : this.servedRow(event, storedAt);
    if (event.type === "usage") {
      this.counts.usage++;
      row.calls = addCount(row.calls, event.count);
      return;
    }
    this.counts.metrics++;
    row.reports++;
    const { success, latency_ms: latency } = event.metrics;
    if (success === true) row.successes++;
    if (success === false) row.failures++;
    if (typeof latency === "number") record(row.latency, latency);
    const dropped = addEventMetrics(row.metrics, this.namesOf(prompt), event.metrics);
    if (dropped) row.metricsDropped = addCount(row.metricsDropped, dropped);
  }

  private namesOf(prompt: string): MetricNames {
    let names = this.metricNames.get(prompt);
    if (!names) this.metricNames.set(prompt, (names = new MetricNames()));
    return names;
  }

  /** Merges the prompt's previous rows in, once (later calls wait for the first). */
  mergePrevious(prompt: string): Promise<void> {
    let merging = this.merged.get(prompt);
    if (!merging) {
      merging = this.previous ? this.previous(prompt).then((rows) => this.addRows(prompt, rows)) : Promise.resolve();
      this.merged.set(prompt, merging);
    }
    return merging;
  }

  /**
   * Adds rows aggregated earlier (a previous build's summary). Their metric names are admitted in row order after
   * those already kept; numbers under any other name are counted as dropped.
   */
  addRows(prompt: string, rows: readonly AnalyticsSummaryRow[]): void {
    const names = this.namesOf(prompt);
    for (const r of rows) {
      const row = this.row(prompt, r);
      row.calls = addCount(row.calls, r.calls);
      row.reports = addCount(row.reports, r.reports);
      row.successes = addCount(row.successes, r.successes);
      row.failures = addCount(row.failures, r.failures);
      addHistogram(row.latency, r.latency);
      row.metricsDropped = addCount(row.metricsDropped, r.metricsDropped ?? 0);
      for (const [name, { count, sum }] of Object.entries(r.metrics ?? {})) {
        if (names.admit(name)) addMetric(row.metrics, name, count, sum);
        else row.metricsDropped = addCount(row.metricsDropped, count);
      }
    }
  }

  rowsOf(prompt: string): AnalyticsSummaryRow[] {
    return [...(this.prompts.get(prompt)?.values() ?? [])]
      .map(({ latency, metrics, metricsDropped, ...row }) => ({
        ...row,
        latency: toHistogram(latency),
        // Both optional: a row without custom metrics is stored as before.
        ...(metrics.size > 0 && { metrics: toStoredMetrics(metrics) }),
        ...(metricsDropped > 0 && { metricsDropped }),
      }))
      .sort((a, b) => a.day.localeCompare(b.day) || compareRows(a, b));
  }

  private row(prompt: string, id: RowId): Row {
    let rows = this.prompts.get(prompt);
    if (!rows) this.prompts.set(prompt, (rows = new Map()));
    const key = rowKey(id);
    let row = rows.get(key);
    if (!row) {
      const { day, version, variant, alias, canary } = id;
      row = { day, version, variant, alias, canary, calls: 0, reports: 0, successes: 0, failures: 0, latency: new Map(), metrics: new Map(), metricsDropped: 0 };
      rows.set(key, row);
    }
    return row;
  }

  private servedRow(event: UsageEvent | MetricsEvent, storedAt: Date): Row {
    const { prompt, version, variant, alias, canary } = event;
    return this.row(prompt, { day: dayOf(event.ts, storedAt), version, variant, alias, canary });
  }

  /** Unknown events count on the day their batch was stored: their own dates are as made up as their names. */
  private unknownRow(storedAt: Date): Row {
    this.counts.unknown++;
    return this.row(UNKNOWN_PROMPT, { day: storedAt.toISOString().slice(0, 10), version: "-", variant: null, alias: null, canary: false });
  }

  private reject(key: string, line: number, reason: string): undefined {
    this.counts.malformedLines++;
    if (this.malformed.length < MALFORMED_SAMPLES) this.malformed.push({ key, line, reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason });
    return undefined;
  }
}

/** The UTC day of an event: its own time, unless that is after its batch was stored (a clock ahead, or a lie). */
function dayOf(ts: string, storedAt: Date): string {
  return Date.parse(ts) > storedAt.getTime() ? storedAt.toISOString().slice(0, 10) : ts.slice(0, 10);
}
