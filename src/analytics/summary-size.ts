import { encodeJsonLine } from "../formats/codec.ts";
import type { AnalyticsSummary } from "../formats/types.ts";

/**
 * The most bytes a summary is written with, half what a driver reads for one: apps choose the days, versions,
 * variants and latencies that make rows, and a summary too large to read back would stop every later build, the
 * `analytics` command and the dashboard.
 */
export const MAX_SUMMARY_BYTES = 8 * 1024 * 1024;

/** The summary encoded, without its oldest rows (rows are in day order) when it would pass MAX_SUMMARY_BYTES. */
export function encodeSummary(summary: AnalyticsSummary): { body: Uint8Array; droppedRows: number } {
  const body = encodeJsonLine(summary);
  if (body.byteLength <= MAX_SUMMARY_BYTES) return { body, droppedRows: 0 };
  let size = body.byteLength;
  let dropped = 0;
  const encoder = new TextEncoder();
  while (size > MAX_SUMMARY_BYTES && dropped < summary.rows.length) {
    // The row and the comma that separates it.
    size -= encoder.encode(JSON.stringify(summary.rows[dropped])).byteLength + 1;
    dropped++;
  }
  return { body: encodeJsonLine({ ...summary, rows: summary.rows.slice(dropped) }), droppedRows: dropped };
}
