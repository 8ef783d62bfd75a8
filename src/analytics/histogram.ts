import { addCount } from "./saturating.ts";

/**
 * Latency histograms that merge exactly: each value is kept at 3 significant digits (integers below 1000 exactly,
 * 1234.5 as 1230), with how many times it was seen. Percentiles over merged histograms are the same as over the
 * rounded raw values, whichever builds or days the counts came from.
 */
export type Histogram = Record<string, number>;

function roundLatency(ms: number): number {
  if (ms <= 0) return 0;
  const magnitude = Math.floor(Math.log10(ms)) - 2;
  // Dividing by a power of ten ≥ 1, or multiplying by one, keeps the result exact for the values kept.
  return magnitude >= 0 ? Math.round(ms / 10 ** magnitude) * 10 ** magnitude : Math.round(ms * 10 ** -magnitude) / 10 ** -magnitude;
}

/**
 * While aggregating, value → count in a Map: a million events leave hundreds of thousands of entries, which
 * string-keyed objects would hold at several times the memory.
 */
export type HistogramCounts = Map<number, number>;

/** Counts a latency; one that is not a finite number once rounded (a hostile 1.79e308 rounds to Infinity) is dropped. */
export function record(counts: HistogramCounts, ms: number, count = 1): void {
  const value = roundLatency(ms);
  if (!Number.isFinite(value)) return;
  counts.set(value, addCount(counts.get(value) ?? 0, count));
}

export function addHistogram(counts: HistogramCounts, histogram: Readonly<Histogram>): void {
  for (const [key, count] of Object.entries(histogram)) record(counts, Number(key), count);
}

/** The stored form: values ascending. */
export function toHistogram(counts: HistogramCounts): Histogram {
  const histogram: Histogram = {};
  for (const value of [...counts.keys()].sort((a, b) => a - b)) histogram[String(value)] = counts.get(value)!;
  return histogram;
}

export function merge(target: Histogram, source: Readonly<Histogram>): void {
  for (const [key, count] of Object.entries(source)) target[key] = (target[key] ?? 0) + count;
}

/**
 * Nearest-rank percentiles (the smallest value with at least p% of the values at or below it), for each p in
 * `ps` (0-100); undefined when the histogram is empty.
 */
export function percentiles(histogram: Readonly<Histogram>, ps: readonly number[]): (number | undefined)[] {
  const values = Object.entries(histogram).map(([key, count]) => [Number(key), count] as const).sort((a, b) => a[0] - b[0]);
  const total = values.reduce((sum, [, count]) => sum + count, 0);
  return ps.map((p) => {
    if (total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (const [value, count] of values) {
      seen += count;
      if (seen >= rank) return value;
    }
    return values.at(-1)![0];
  });
}
