import { randomBytes } from "node:crypto";
import { mapLimit } from "../concurrency.ts";
import { InvalidBundleError, PromptSyncError } from "../errors.ts";
import { decodeJson, encodeJsonLine } from "../formats/codec.ts";
import type { AnalyticsState, AnalyticsSummary } from "../formats/types.ts";
import { validateAnalyticsState, validateAnalyticsSummary, type Validation } from "../formats/validate.ts";
import { headersFor, partitionOf, telemetryLayout } from "../formats/layout.ts";
import type { RegistryStore, StoredObject } from "../storage/types.ts";
import { decodeBatch } from "../telemetry/batch.ts";
import { Aggregator, MALFORMED_SAMPLES, type AggregateCounts, type MalformedLine } from "./aggregate.ts";
import type { RegistryCatalog } from "./registry-catalog.ts";
import { encodeSummary } from "./summary-size.ts";

const PARTITION = /^dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})$/;
const HOUR_MS = 3_600_000;

interface AnalyticsBuildOptions {
  /** @default new Date() */
  now?: Date;
  /** How long after its hour a partition may still receive batches (clients' clock skew). @default 1 hour */
  graceMs?: number;
  /** Batch objects downloaded at once, to hide the store's latency (they are decoded one at a time). @default 8 */
  concurrency?: number;
  /** What the registry has: events of anything else are counted under UNKNOWN_PROMPT. Without it, every name counts. */
  catalog?: RegistryCatalog | undefined;
}

export interface AnalyticsBuildReport extends AggregateCounts {
  build: string;
  /** Batch objects read by this build (already aggregated ones are not read again). */
  objects: number;
  malformedObjects: number;
  /** Up to 20 of each, with the reason. */
  malformedObjectSamples: { key: string; reason: string }[];
  malformedLineSamples: MalformedLine[];
  prompts: string[];
  /** Summaries that would have passed MAX_SUMMARY_BYTES, and how many of their oldest rows were left out. */
  trimmed: { prompt: string; rows: number }[];
  sealedThrough: string | null;
}

/**
 * Aggregates the event batches no earlier build read into per-prompt summaries. Reads one bounded batch at a
 * time per worker, so memory grows with the summaries, not the events. Publishes by writing new summary objects
 * and then swapping the state, so a crash or a concurrent build never counts a batch twice.
 */
export async function buildAnalytics(store: RegistryStore, project: string, options: AnalyticsBuildOptions = {}): Promise<AnalyticsBuildReport> {
  const now = options.now ?? new Date();
  const build = `${now.toISOString().replace(/[-:.]/g, "")}-${randomBytes(4).toString("hex")}`;
  const stateKey = telemetryLayout.analyticsState(project);
  const stored = await store.get(stateKey);
  const state = stored ? parseState(stateKey, stored.body) : emptyState(project);

  const pending = await unreadBatches(store, project, state, now);
  const superseded: string[] = [];
  // A prompt's previous summary, read once: before its first custom metric is summed, or after the batches.
  const previousRows = async (prompt: string) => {
    const key = summaryKeyOf(state, prompt);
    if (!key) return [];
    superseded.push(key);
    try {
      return (await readSummary(store, key)).rows;
    } catch (error) {
      // A summary that vanished means another build replaced it.
      throw (await store.head(stateKey))?.etag !== stored?.etag ? conflict(project) : error;
    }
  };
  const aggregator = new Aggregator(project, options.catalog, previousRows);
  const malformedObjects: { key: string; reason: string }[] = [];
  let malformedCount = 0;
  // Downloads overlap; decoding is one batch at a time, so only one batch's text and events are alive at once.
  let decoding = Promise.resolve();
  await mapLimit(pending, options.concurrency ?? 8, async ({ key }) => {
    let object: StoredObject | undefined;
    try {
      object = await store.get(key);
    } catch (error) {
      // Over its kind's size limit: the app wrote it, so it is skipped like any malformed batch.
      if (!(error instanceof InvalidBundleError)) throw error;
      malformedCount++;
      if (malformedObjects.length < MALFORMED_SAMPLES) malformedObjects.push({ key, reason: error.message });
      return;
    }
    if (!object) return;
    // An object cannot have been stored after it was read, where the store does not say when it was.
    const storedAt = object.modified ?? new Date();
    const decoded = decoding.then(async () => {
      try {
        if (!/\.ndjson(\.gz)?$/.test(key)) throw new Error("not an .ndjson or .ndjson.gz batch");
        await aggregator.addBatch(key, decodeBatch(key, object.body), storedAt);
      } catch (error) {
        // Reading the registry's variants failed: the build fails, and the batch stays unread for the next one.
        if (error instanceof PromptSyncError) throw error;
        malformedCount++;
        if (malformedObjects.length < MALFORMED_SAMPLES) malformedObjects.push({ key, reason: (error as Error).message });
      }
    });
    decoding = decoded;
    await decoded;
  });

  const prompts = [...aggregator.prompts.keys()].sort();
  const written: string[] = [];
  const trimmed: AnalyticsBuildReport["trimmed"] = [];
  const summaries = { ...state.summaries };
  const open = { ...state.open };
  for (const { partition, key } of pending) (open[partition] ??= []).push(key);
  const sealedThrough = seal(open, state.sealedThrough, now, options.graceMs ?? HOUR_MS);
  try {
    await mapLimit(prompts, 8, async (prompt) => {
      await aggregator.mergePrevious(prompt);
      const key = telemetryLayout.summary(project, prompt, build);
      const summary: AnalyticsSummary = { format: "promptsync.analytics-summary/v1", project, prompt, build, rows: aggregator.rowsOf(prompt) };
      const { body, droppedRows } = encodeSummary(summary);
      if (droppedRows) trimmed.push({ prompt, rows: droppedRows });
      written.push(key);
      await store.create(key, body, headersFor(key));
      summaries[prompt] = key;
    });
    const next: AnalyticsState = {
      format: "promptsync.analytics-state/v1",
      project,
      build,
      builtAt: now.toISOString(),
      sealedThrough,
      open,
      summaries,
      totals: {
        objects: state.totals.objects + pending.length,
        events: state.totals.events + aggregator.counts.events,
        malformedObjects: state.totals.malformedObjects + malformedCount,
        malformedLines: state.totals.malformedLines + aggregator.counts.malformedLines,
      },
    };
    const swapped = await store.swap(stateKey, encodeJsonLine(next), stored?.etag ?? null, headersFor(stateKey));
    if (!swapped.ok) throw conflict(project);
  } catch (error) {
    // Nothing of this build stays behind; a summary that vanished means another build replaced it.
    await Promise.all(written.map((key) => store.delete(key).catch(() => undefined)));
    const replaced = (await store.head(stateKey))?.etag !== stored?.etag;
    throw replaced ? conflict(project) : error;
  }
  // Nothing points to the previous summaries any more.
  await Promise.all(superseded.map((key) => store.delete(key).catch(() => undefined)));
  return {
    build,
    objects: pending.length,
    ...aggregator.counts,
    malformedObjects: malformedCount,
    malformedObjectSamples: malformedObjects,
    malformedLineSamples: aggregator.malformed,
    prompts,
    trimmed,
    sealedThrough,
  };
}

function conflict(project: string): PromptSyncError {
  return new PromptSyncError("ANALYTICS_CONFLICT", `Another analytics build of ${project} finished while this one ran; nothing was published`, {
    suggestion: "Run `promptsync analytics build` again: it reads only what the other build did not.",
  });
}

export async function readSummary(store: Pick<RegistryStore, "get">, key: string): Promise<AnalyticsSummary> {
  // Building again reads the summary again: only a state without it starts over.
  const state = telemetryLayout.analyticsStateOfSummary(key);
  const suggestion = `Delete ${state} and run \`promptsync analytics build\`: it aggregates every stored batch again (batches already expired are not counted).`;
  const object = await store.get(key);
  if (!object) throw new PromptSyncError("ANALYTICS_INVALID", `The analytics summary ${key} is missing`, { suggestion });
  return decodeAnalytics(object.body, key, validateAnalyticsSummary, suggestion);
}

export function parseState(key: string, body: Uint8Array): AnalyticsState {
  return decodeAnalytics(body, key, validateAnalyticsState, "Delete it to aggregate every batch again from scratch.");
}

/** The key of a prompt's current summary; prompt names such as `toString` are plain names. */
export function summaryKeyOf(state: AnalyticsState, prompt: string): string | undefined {
  return Object.hasOwn(state.summaries, prompt) ? state.summaries[prompt] : undefined;
}

/** A registry object's decoding and schema check, failing as ANALYTICS_INVALID with what to do about it. */
function decodeAnalytics<T>(body: Uint8Array, key: string, validate: (value: unknown) => Validation<T>, suggestion: string): T {
  try {
    return decodeJson(body, key, validate);
  } catch (error) {
    if (!(error instanceof InvalidBundleError)) throw error;
    throw new PromptSyncError("ANALYTICS_INVALID", error.message, { suggestion });
  }
}

function emptyState(project: string): AnalyticsState {
  return {
    format: "promptsync.analytics-state/v1",
    project,
    build: "",
    builtAt: "",
    sealedThrough: null,
    open: {},
    summaries: {},
    totals: { objects: 0, events: 0, malformedObjects: 0, malformedLines: 0 },
  };
}

/**
 * Batches no build has read: the first build lists every partition; later ones list only the days from the
 * sealed hour on (and tomorrow, for clients whose clocks run ahead), and skip the batches already read.
 */
async function unreadBatches(store: RegistryStore, project: string, state: AnalyticsState, now: Date): Promise<{ key: string; partition: string }[]> {
  const root = telemetryLayout.events(project);
  let keys: string[];
  if (state.sealedThrough === null) {
    keys = await store.list(root);
  } else {
    const from = PARTITION.exec(state.sealedThrough)![1]!;
    const days: string[] = [];
    for (let day = new Date(`${from}T00:00:00Z`); day.getTime() <= now.getTime() + 24 * HOUR_MS; day = new Date(day.getTime() + 24 * HOUR_MS)) {
      days.push(day.toISOString().slice(0, 10));
    }
    keys = (await Promise.all(days.map((day) => store.list(`${root}dt=${day}/`)))).flat();
  }
  const unread: { key: string; partition: string }[] = [];
  const read = new Map(Object.entries(state.open).map(([partition, list]) => [partition, new Set(list)]));
  for (const key of keys) {
    const rest = key.slice(root.length);
    const partition = rest.includes("/") ? rest.slice(0, rest.lastIndexOf("/")) : "";
    if (state.sealedThrough !== null && PARTITION.test(partition) && partition <= state.sealedThrough) continue;
    if (read.get(partition)?.has(key)) continue;
    unread.push({ key, partition });
  }
  return unread;
}

/** The newest hour whose partition can no longer receive batches; its and older partitions' lists are dropped. */
function seal(open: Record<string, string[]>, sealedThrough: string | null, now: Date, graceMs: number): string | null {
  const closed = partitionOf(new Date(now.getTime() - graceMs - HOUR_MS));
  const sealed = sealedThrough === null || closed > sealedThrough ? closed : sealedThrough;
  for (const partition of Object.keys(open)) {
    if (PARTITION.test(partition) && partition <= sealed) delete open[partition];
  }
  return sealed;
}
