/**
 * Waits before retry `attempt` (0 for the first): `baseMs` doubled with each attempt, at most `maxMs`, times a
 * random factor from 0.5 to 1.5 so that writers or clients retrying together spread out. Every retry loop in
 * PromptSync (HTTP reads, pointer compare-and-swap, S3 write conflicts, the folder lock) waits with this.
 */
export function backoff(attempt: number, baseMs: number, maxMs = Number.POSITIVE_INFINITY): Promise<void> {
  const ms = Math.min(baseMs * 2 ** attempt, maxMs) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
