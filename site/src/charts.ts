/** Round axis values from `lo` (rounded down) up to at least `hi`, about `count` steps apart; [0, 1] without a range. */
export function ticks(lo: number, hi: number, count = 4): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [0, 1];
  const raw = (hi - lo) / count || 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  // A span near the largest or smallest numbers has no round step.
  if (step === undefined || !Number.isFinite(step) || step <= 0) return lo === hi ? [lo] : [lo, hi];
  const first = Math.floor(lo / step) * step;
  const out: number[] = [];
  // count + 2 steps always reach hi; the bound holds where adding a step no longer changes a huge value.
  for (let i = 0; i <= count + 2; i++) {
    const value = Number((first + i * step).toPrecision(12));
    out.push(value);
    if (value >= hi) return out;
  }
  return [...out, hi];
}

/** YYYY-MM-DD → MM-DD: the charts' day labels (the page says which year). */
export const dayLabel = (day: string): string => day.slice(5);

/** Which day labels fit under a chart whose bands are `step` wide: every nth. */
export const labelEvery = (step: number): number => Math.max(1, Math.ceil(36 / step));

/** Both charts' SVG box. */
export const CHART = { width: 440, height: 220, right: 6, top: 16, bottom: 22 } as const;

/** Room for each chart's axis labels: counts, or values with a unit. */
export const CHART_LEFT = { bar: 40, line: 52 } as const;

export interface Axis {
  ticks: number[];
  /** The SVG y of a value. */
  y(value: number): number;
}

/**
 * The y axis for these values (those that are not finite numbers ignored), from zero or from near the lowest. A
 * single value, or the same value throughout, sits mid-height; no values at all give the axis 0 to 1.
 */
export function yAxis(values: readonly number[], fromZero: boolean): Axis {
  let lo = fromZero ? 0 : Infinity;
  let hi = fromZero ? 0 : -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    lo = Math.min(lo, value);
    hi = Math.max(hi, value);
  }
  const axis = ticks(lo, hi);
  const [bottom, top] = [axis[0]!, axis.at(-1)!];
  const height = CHART.height - CHART.top - CHART.bottom;
  return { ticks: axis, y: (value) => CHART.top + height * (top === bottom ? 0.5 : 1 - (value - bottom) / (top - bottom)) };
}

/** The width of each label's band, and which labels are shown. */
export function bands(labels: readonly string[], left: number): { step: number; every: number } {
  const step = (CHART.width - left - CHART.right) / Math.max(1, labels.length);
  return { step, every: labelEvery(step) };
}

export interface BarSeries {
  name: string;
  color: string;
  values: number[];
}

/**
 * Stacked bars: each label's segments bottom to top, and its total. Missing or non-finite values count as 0. The
 * axis goes from 0 to at least `least`: 1 by default, so a day without calls still has a scale; 0 for fractions
 * such as a cost per call, which would be flat on an axis to 1.
 */
export function stackedBars(labels: readonly string[], series: readonly BarSeries[], { least = 1 } = {}) {
  const value = (s: BarSeries, i: number) => (Number.isFinite(s.values[i]) ? s.values[i]! : 0);
  const sums = labels.map((_, i) => series.reduce((sum, s) => sum + value(s, i), 0));
  const axis = yAxis([least, ...sums], true);
  // Room for the longest tick label (0.0025, 12000), about 7 units a character.
  const left = Math.max(CHART_LEFT.bar, 12 + 7 * Math.max(...axis.ticks.map((t) => String(t).length)));
  const { step, every } = bands(labels, left);
  const barWidth = Math.min(36, step * 0.7);
  const bars = labels.map((label, i) => {
    let below = 0;
    const x = left + step * i + (step - barWidth) / 2;
    const segments = series.flatMap((s) => {
      const v = value(s, i);
      if (!v) return [];
      const [y0, y1] = [axis.y(below), axis.y((below += v))];
      return [{ name: s.name, color: s.color, value: v, y: y1, height: y0 - y1 }];
    });
    return { label, x, segments, sum: sums[i]!, showLabel: i % every === 0 };
  });
  return { axis, left, step, barWidth, bars };
}

export interface LineSeries {
  name: string;
  color: string;
  values: (number | null)[];
  dashed?: boolean;
}

/** One path per series, broken where a day has no value, and its points; `empty` when no series has a value. */
export function lines(labels: readonly string[], series: readonly LineSeries[], options: { fromZero: boolean; digits: number }) {
  const has = (v: number | null | undefined): v is number => Number.isFinite(v);
  const known = series.flatMap((s) => s.values.filter(has));
  const axis = yAxis(known, options.fromZero);
  const { step, every } = bands(labels, CHART_LEFT.line);
  const x = (i: number) => CHART_LEFT.line + step * (i + 0.5);
  const paths = series.map((s, n) => ({
    ...s,
    path: s.values.map((v, i) => (has(v) ? `${i === 0 || !has(s.values[i - 1]) ? "M" : "L"}${x(i)},${axis.y(v)}` : "")).join(""),
    points: s.values.flatMap((v, i) => (has(v) ? [{ i, x: x(i), y: axis.y(v), label: v.toFixed(options.digits) }] : [])),
    // The first series' labels go above its points, the next one's below, so two close lines' labels do not overlap.
    dy: n % 2 ? 15 : -7,
  }));
  return { empty: known.length === 0, axis, step, every, x, lines: paths };
}
