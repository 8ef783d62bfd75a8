/** Round axis values from `lo` (rounded down) up to at least `hi`, about `count` steps apart. */
export function ticks(lo: number, hi: number, count = 4): number[] {
  const raw = (hi - lo) / count || 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let value = Math.floor(lo / step) * step; ; value += step) {
    out.push(Number(value.toPrecision(12)));
    if (value >= hi) return out;
  }
}

/** YYYY-MM-DD → MM-DD: the charts' day labels (the page says which year). */
export const dayLabel = (day: string): string => day.slice(5);

/** Which day labels fit under a chart whose bands are `step` wide: every nth. */
export const labelEvery = (step: number): number => Math.ceil(36 / step);
