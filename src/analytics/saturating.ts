/**
 * Apps write the counts, so a sum could pass 2^53 - 1 (inexact) or reach Infinity (written as null, which no later
 * build could read back): counts stop at the largest integer a summary holds exactly.
 */
export function addCount(total: number, count: number): number {
  return Math.min(total + count, Number.MAX_SAFE_INTEGER);
}

/** The summary schema's bound on a custom metric's sum: reached only past 10^15 reports of 10^15 each. */
export const MAX_METRIC_SUM = 1e30;

/**
 * A custom metric's sum: each value is within ±10^15 (the event schema's bound), so the sum is finite, but it stops at
 * ±MAX_METRIC_SUM all the same, so that summaries merged over any number of builds stay within the summary schema.
 */
export function addSum(total: number, value: number): number {
  return Math.max(-MAX_METRIC_SUM, Math.min(total + value, MAX_METRIC_SUM));
}
