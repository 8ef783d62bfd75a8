// Telemetry figures: getPrompt's hot path with telemetry off, on, and with its sink hanging; analytics build over
// a million events (targets: peak RSS ≤ 150 MB, time no worse than before), in a child process for an honest peak RSS.
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { headersFor, partitionOf, telemetryLayout } from "../../src/formats/layout.ts";
import { setAlias } from "../../src/registry/aliases.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import type { RegistryStore } from "../../src/storage/types.ts";
import { encodeBatch } from "../../src/telemetry/batch.ts";
import type { TelemetryEvent } from "../../src/formats/telemetry-events.ts";
import type { TelemetryOptions } from "../../sdk/options.ts";
import { PromptManager } from "../../sdk/index.ts";
import { measureAsync, report } from "./measure.ts";

const EVENTS = Number(process.env.BENCH_TELEMETRY_EVENTS ?? 1_000_000);
const MAX_BUILD_RSS_MB = 150;
/** Seconds per batch size before the build streamed its batches (README's machine): the time target is "no slower". */
const PREVIOUS_BUILD_SECONDS: Record<number, number> = { 5000: 4.8, 100: 6.2 };

function line(name: string, value: string): void {
  console.log(`${name.padEnd(58)} ${value}`);
}

export async function telemetryBench(work: string): Promise<void> {
  await hotPath(work);
  await analyticsBuildBench(work);
}

async function hotPath(work: string): Promise<void> {
  const compiled = compilePrompts([{ path: "support.yaml", text: "content: Hello {{ name }}\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}\n" }]);
  if (!compiled.ok) throw new Error("bench prompt did not compile");
  const root = join(work, "telemetry-registry");
  const store = new FolderStore(root);
  await pushRelease(store, { project: "bench", prompts: compiled.prompts });
  await setAlias(store, { project: "bench", alias: "production", ref: "v0.1.0", actor: "bench" });
  // A sink that never answers: flushes fail after the timeout, the buffer fills and drops.
  const hanging = createServer(() => undefined);
  await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`;
  // The measuring loops never yield to the event loop, so no flush runs during them: the folder sink's bound is
  // large enough to buffer every event (the cost of recording one); the hanging sink's small bound makes most
  // calls drops (the cost of dropping one), and shows the bound holding.
  const variants: [string, TelemetryOptions | undefined][] = [
    ["telemetry off", undefined],
    ["telemetry on, folder sink, every event buffered", { sink: "folder", dir: join(work, "telemetry-sink"), flushInterval: 1, maxBufferedEvents: 1_000_000 }],
    ["telemetry on, sink hanging, buffer full", { sink: "http", url, flushInterval: 1, maxBufferedEvents: 1000 }],
  ];
  for (const [name, telemetry] of variants) {
    const pm = new PromptManager({ registry: root, project: "bench", timeoutMs: 500, ...(telemetry && { telemetry }) });
    const options = { tags: { locale: "fr" } };
    await pm.getPrompt("support", options);
    report(`getPrompt: ${name}`, await measureAsync(() => pm.getPrompt("support", options), { iterations: 500_000 }));
    report(`getPrompt + reportMetrics: ${name}`, await measureAsync(async () => {
      pm.reportMetrics({ prompt: await pm.getPrompt("support", options), metrics: { success: true, latency_ms: 250 } });
    }, { iterations: 200_000 }));
    await pm.close();
    const stats = pm.telemetryStats();
    if (stats) line(`  then close(): sent, buffered, dropped`, `${stats.sent}, ${stats.buffered} (bound ${telemetry!.maxBufferedEvents ?? 10_000}), ${stats.dropped}`);
  }
  hanging.closeAllConnections();
  await new Promise((resolve) => hanging.close(resolve));
}

export async function analyticsBuildBench(work: string): Promise<void> {
  // Large batches (a busy client's minute) and small ones (a quiet client's): per-event and per-object costs.
  for (const batch of [5000, 100]) {
    const root = join(work, `telemetry-million-${batch}`);
    const started = performance.now();
    const objects = await writeEvents(new FolderStore(root), batch);
    const generated = (performance.now() - started) / 1000;
    const bytes = Number(execFileSync("du", ["-sb", root], { encoding: "utf8" }).split("\t")[0]);
    line(`analytics build input: ${EVENTS.toLocaleString("en-US")} events`, `${objects.toLocaleString("en-US")} gzipped batches of ${batch}, ${(bytes / 1e6).toFixed(0)} MB, generated in ${generated.toFixed(1)} s`);
    const child = join(import.meta.dirname, "analytics-build-child.mjs");
    const result = JSON.parse(execFileSync(process.execPath, [child, root, "bench"], { encoding: "utf8" })) as { seconds: number; maxRssMb: number; events: number };
    if (result.events !== EVENTS) throw new Error(`analytics build read ${result.events} events, not ${EVENTS}`);
    const rss = `peak RSS ${result.maxRssMb.toFixed(0)} MB (target ≤ ${MAX_BUILD_RSS_MB} MB: ${result.maxRssMb <= MAX_BUILD_RSS_MB ? "met" : "MISSED"})`;
    line(`analytics build (built package), batches of ${batch}`, `${result.seconds.toFixed(1)} s (${PREVIOUS_BUILD_SECONDS[batch]} s in the README before), ${rss}`);
    const again = JSON.parse(execFileSync(process.execPath, [child, root, "bench"], { encoding: "utf8" })) as { seconds: number; events: number };
    line("analytics build again: nothing new (incremental)", `${again.seconds.toFixed(2)} s, ${again.events} events read`);
  }
}

/** EVENTS events over a week, 20 prompts, two versions (a 20% canary), two variants, 16 clients; the batch count. */
async function writeEvents(store: RegistryStore, batchSize: number): Promise<number> {
  const day = Date.parse("2026-11-20T00:00:00Z");
  const batches = Math.ceil(EVENTS / batchSize);
  let written = 0;
  for (let b = 0; written < EVENTS; b++) {
    const events: TelemetryEvent[] = [];
    const base = day + Math.floor((b * 7 * 86_400_000) / batches);
    for (let i = 0; i < batchSize && written < EVENTS; i++, written++) {
      const n = written * 2654435761;
      const served = {
        prompt: `prompt_${n % 20}`,
        version: n % 10 < 2 ? "v1.1.0" : "v1.0.0",
        variant: n % 3 === 0 ? "fr" : null,
        alias: "production",
        canary: n % 10 < 2,
      };
      const ts = new Date(base + (i % 3600) * 1000).toISOString();
      events.push(
        i % 50 === 0
          ? { v: 1, type: "usage", ts, project: "bench", client: `pod-${b % 16}`, ...served, count: 1 + (n % 40) }
          : { v: 1, type: "metrics", ts, project: "bench", client: `pod-${b % 16}`, ...served, metrics: { success: n % 17 !== 0, latency_ms: 80 + (n % 4000), tokens: n % 2000 } },
      );
    }
    const key = `${telemetryLayout.partition("bench", partitionOf(new Date(base)))}batch-${String(b).padStart(6, "0")}.ndjson.gz`;
    await store.create(key, await encodeBatch(events), headersFor(key));
  }
  return batches;
}
