import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
export interface Measurement {
  iterations: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
}

const DEFAULT_ITERATIONS = 200_000;

function summarize(samples: number[]): Measurement {
  samples.sort((a, b) => a - b);
  const total = samples.reduce((a, b) => a + b, 0);
  return {
    iterations: samples.length,
    opsPerSecond: samples.length / (total / 1000),
    p50: samples[Math.floor(samples.length * 0.5)]!,
    p99: samples[Math.floor(samples.length * 0.99)]!,
  };
}

/** Times each call separately (milliseconds) after a warm-up of a tenth of the iterations. */
export async function measureAsync(fn: () => Promise<unknown>, { iterations = DEFAULT_ITERATIONS } = {}): Promise<Measurement> {
  for (let i = 0; i < Math.ceil(iterations / 10); i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

export function measureSync(fn: () => unknown, { iterations = DEFAULT_ITERATIONS } = {}): Measurement {
  for (let i = 0; i < Math.ceil(iterations / 10); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

function duration(ms: number): string {
  return ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(2)} µs`;
}

export function report(name: string, m: Measurement): void {
  console.log(`${name.padEnd(58)} p50 ${duration(m.p50).padStart(10)}  p99 ${duration(m.p99).padStart(10)}  ${Math.round(m.opsPerSecond).toLocaleString("en-US").padStart(11)} ops/s`);
}

/** Runs one bench on its own (`node scripts/bench/<name>.ts`) in a temporary folder, removed afterwards. */
export async function runAlone(bench: (work: string) => Promise<void>): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "promptsync-bench-"));
  try {
    await bench(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
