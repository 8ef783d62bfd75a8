import type { AnalyticsSummaryRow } from "../formats/types.ts";
import type { TelemetryEvent } from "../telemetry/events.ts";
import { validateTelemetryEvent } from "../formats/validate.ts";
import { addHistogram, record, toHistogram, type HistogramCounts } from "./histogram.ts";

type Row = Omit<AnalyticsSummaryRow, "latency"> & { latency: HistogramCounts };

export interface MalformedLine {
  key: string;
  line: number;
  reason: string;
}

/** At most this many malformed lines and objects are listed in a report; all are counted. */
export const MALFORMED_SAMPLES = 20;

export interface AggregateCounts {
  events: number;
  usage: number;
  metrics: number;
  heartbeats: number;
  malformedLines: number;
}

type RowId = Pick<AnalyticsSummaryRow, "day" | "version" | "variant" | "alias" | "canary">;

/** Rows in version, variant, alias, canary-side order. */
export function compareRows(a: Omit<RowId, "day">, b: Omit<RowId, "day">): number {
  return (
    a.version.localeCompare(b.version) ||
    (a.variant ?? "").localeCompare(b.variant ?? "") ||
    (a.alias ?? "").localeCompare(b.alias ?? "") ||
    Number(a.canary) - Number(b.canary)
  );
}

function rowKey(id: RowId): string {
  return `${id.day}\u0000${id.version}\u0000${id.variant ?? ""}\u0000${id.alias ?? ""}\u0000${id.canary ? 1 : 0}`;
}

/**
 * Folds events into per-prompt rows (day, version, variant, alias, canary side) one line at a time: memory grows with
 * the rows, never with the events. Lines that are not JSON or not events of this project are counted and
 * skipped.
 */
export class Aggregator {
  readonly prompts = new Map<string, Map<string, Row>>();
  readonly counts: AggregateCounts = { events: 0, usage: 0, metrics: 0, heartbeats: 0, malformedLines: 0 };
  readonly malformed: MalformedLine[] = [];
  private readonly project: string;

  constructor(project: string) {
    this.project = project;
  }

  /** One object's NDJSON text. */
  addText(key: string, text: string): void {
    let start = 0;
    let line = 0;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      line++;
      if (end > start) this.addLine(key, line, text.slice(start, end));
      start = end + 1;
    }
  }

  private addLine(key: string, line: number, text: string): void {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return this.reject(key, line, "not JSON");
    }
    const checked = validateTelemetryEvent(event);
    if (!checked.ok) return this.reject(key, line, `not a telemetry event (${checked.issues[0]?.instancePath || "/"} ${checked.issues[0]?.message ?? ""})`.trim());
    if (checked.value.project !== this.project) return this.reject(key, line, `an event of project "${checked.value.project}"`);
    this.add(checked.value);
  }

  add(event: TelemetryEvent): void {
    this.counts.events++;
    if (event.type === "heartbeat") {
      this.counts.heartbeats++;
      return;
    }
    const row = this.row(event.prompt, { day: event.ts.slice(0, 10), version: event.version, variant: event.variant, alias: event.alias, canary: event.canary });
    if (event.type === "usage") {
      this.counts.usage++;
      row.calls += event.count;
      return;
    }
    this.counts.metrics++;
    row.reports++;
    const { success, latency_ms: latency } = event.metrics;
    if (success === true) row.successes++;
    if (success === false) row.failures++;
    if (typeof latency === "number") record(row.latency, latency);
  }

  /** Adds rows aggregated earlier (a previous build's summary). */
  addRows(prompt: string, rows: readonly AnalyticsSummaryRow[]): void {
    for (const r of rows) {
      const row = this.row(prompt, r);
      row.calls += r.calls;
      row.reports += r.reports;
      row.successes += r.successes;
      row.failures += r.failures;
      addHistogram(row.latency, r.latency);
    }
  }

  rowsOf(prompt: string): AnalyticsSummaryRow[] {
    return [...(this.prompts.get(prompt)?.values() ?? [])].map((row) => ({ ...row, latency: toHistogram(row.latency) })).sort(
      (a, b) => a.day.localeCompare(b.day) || compareRows(a, b),
    );
  }

  private row(prompt: string, id: RowId): Row {
    let rows = this.prompts.get(prompt);
    if (!rows) this.prompts.set(prompt, (rows = new Map()));
    const key = rowKey(id);
    let row = rows.get(key);
    if (!row) {
      const { day, version, variant, alias, canary } = id;
      row = { day, version, variant, alias, canary, calls: 0, reports: 0, successes: 0, failures: 0, latency: new Map() };
      rows.set(key, row);
    }
    return row;
  }

  private reject(key: string, line: number, reason: string): void {
    this.counts.malformedLines++;
    if (this.malformed.length < MALFORMED_SAMPLES) this.malformed.push({ key, line, reason });
  }
}
