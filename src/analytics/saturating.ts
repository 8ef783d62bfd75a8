/**
 * Apps write the counts, so a sum could pass 2^53 - 1 (inexact) or reach Infinity (written as null, which no later
 * build could read back): counts stop at the largest integer a summary holds exactly.
 */
export function addCount(total: number, count: number): number {
  return Math.min(total + count, Number.MAX_SAFE_INTEGER);
}
