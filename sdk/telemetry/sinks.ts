import { encodeJsonLine } from "../../src/formats/codec.ts";
import { headersFor, telemetryLayout } from "../../src/formats/layout.ts";
import type { RegistryStore } from "../../src/storage/types.ts";
import { batchKey, encodeBatch, toNdjson } from "../../src/telemetry/batch.ts";
import type { HeartbeatEvent, TelemetryEvent } from "../../src/formats/telemetry-events.ts";
import type { TelemetryCallback } from "../options.ts";

/**
 * Delivers one batch; a rejection leaves the batch with the recorder, to be sent again. A batch that was delivered
 * but with a side effect that failed resolves with a warning instead, so that it is never sent twice.
 */
export interface TelemetrySink {
  send(batch: readonly TelemetryEvent[]): Promise<void | { warning: string }>;
}

/**
 * Writes each batch as a new gzipped NDJSON object in its hour's partition, and the newest heartbeat as the
 * client's pointer, which `promptsync status` reads.
 */
export function storeSink(store: RegistryStore, project: string, client: string, now: () => number): TelemetrySink {
  let sequence = 0;
  // Assumed missing at first: without s3:ListBucket, a HEAD of a missing key is a 403, not a 404.
  let heartbeatEtag: string | null | undefined = null;
  const clientKey = telemetryLayout.client(project, client);
  const writeHeartbeat = async (heartbeat: HeartbeatEvent) => {
    const body = encodeJsonLine(heartbeat);
    for (let attempt = 0; attempt < 3; attempt++) {
      heartbeatEtag ??= (await store.head(clientKey))?.etag ?? null;
      const result = await store.swap(clientKey, body, heartbeatEtag, headersFor(clientKey));
      heartbeatEtag = result.ok ? result.etag : undefined;
      if (result.ok) return;
    }
    throw new Error(`Cannot replace ${clientKey}: another writer uses client ID ${client}`);
  };
  return {
    async send(batch) {
      const key = batchKey(project, client, new Date(now()), sequence++);
      const body = await encodeBatch(batch);
      try {
        // False means the key exists: keys are this client's own, so a retried request already stored it.
        await store.create(key, body, headersFor(key));
      } catch (error) {
        // The write may have been stored before its answer was lost: then the batch is delivered.
        if (!(await store.head(key).catch(() => undefined))) throw error;
      }
      const heartbeat = batch.findLast((e): e is HeartbeatEvent => e.type === "heartbeat");
      if (!heartbeat) return;
      try {
        await writeHeartbeat(heartbeat);
      } catch (error) {
        heartbeatEtag = undefined;
        return { warning: `The batch was written, but not the client's heartbeat: ${(error as Error).message}` };
      }
    },
  };
}

/** POSTs each batch as NDJSON; anything but a 2xx answer is a failure. */
export function httpSink(url: string, headers: Record<string, string>, fetch: typeof globalThis.fetch, timeoutMs: number): TelemetrySink {
  return {
    async send(batch) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", ...headers },
        body: toNdjson(batch),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`${url} answered ${response.status} ${response.statusText}`);
    },
  };
}

export function callbackSink(callback: TelemetryCallback): TelemetrySink {
  return { send: (batch) => callback([...batch]) };
}
