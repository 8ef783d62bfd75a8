/**
 * A least-recently-used map bounded by the total size of its values. A Map keeps insertion order, so a hit is
 * moved to the end by re-inserting it and eviction takes from the front. Hits on entries already in the newer
 * half are not moved: the order stays close to LRU while the hot path avoids a delete and an insert per hit.
 */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number; touched: number }>();
  private total = 0;
  private clock = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.total;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.clock - entry.touched > this.entries.size >> 1) {
      entry.touched = ++this.clock;
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry.value;
  }

  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    // One value larger than the whole cache is still used, just not kept.
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes, touched: ++this.clock });
    this.total += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= entry.bytes;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }
}
