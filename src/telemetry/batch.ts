import { isUtf8 } from "node:buffer";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { gunzipSync, gzip } from "node:zlib";
import { partitionOf, telemetryLayout } from "../formats/layout.ts";
import type { TelemetryEvent } from "../formats/telemetry-events.ts";

const gzipAsync = promisify(gzip);

/** NDJSON, one event per line. */
export function toNdjson(events: readonly TelemetryEvent[]): string {
  let out = "";
  for (const event of events) out += `${JSON.stringify(event)}\n`;
  return out;
}

/** A gzipped NDJSON batch; compressed off the event loop, so an app's requests never wait for it. */
export function encodeBatch(events: readonly TelemetryEvent[]): Promise<Uint8Array> {
  return gzipAsync(toNdjson(events));
}

/**
 * The most text a batch may hold: the SDK writes at most 5,000 events of well under a kilobyte each. Inflating stops
 * here, so a gzip bomb costs this much memory and a fraction of a second instead of gigabytes.
 */
const MAX_BATCH_TEXT_BYTES = 32 * 1024 * 1024;

/**
 * A batch's text as UTF-8 bytes, read line by line without a string of the whole batch: inflated when the key ends
 * in .gz, else plain NDJSON; over MAX_BATCH_TEXT_BYTES or not UTF-8 is an error, so a batch counts whole or not at all.
 */
export function decodeBatch(key: string, body: Uint8Array): Buffer {
  const bytes = key.endsWith(".gz") ? inflate(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.byteLength > MAX_BATCH_TEXT_BYTES) throw tooLarge();
  // TextDecoder's words, which reports of such batches have always quoted.
  if (!isUtf8(bytes)) throw new TypeError("The encoded data was not valid for encoding utf-8");
  // A byte order mark is not part of the first line.
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/**
 * Inflated on the event loop: batches are decoded one at a time anyway, and zlib's asynchronous path cost more CPU and
 * left tens of MB with the worker threads' allocators.
 */
function inflate(body: Uint8Array): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: MAX_BATCH_TEXT_BYTES });
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" ? tooLarge() : error;
  }
}

function tooLarge(): Error {
  return new Error(`more than ${MAX_BATCH_TEXT_BYTES / 1024 / 1024} MiB of text (the limit for a batch; the SDK writes far less)`);
}

/**
 * Where a client's batch goes: the partition of the hour it is written in, and a name that sorts by time and
 * never collides (client, sequence number, random suffix).
 */
export function batchKey(project: string, client: string, time: Date, sequence: number): string {
  const stamp = time.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const name = `${stamp}-${client.slice(0, 12)}-${String(sequence).padStart(6, "0")}-${randomBytes(3).toString("hex")}.ndjson.gz`;
  return `${telemetryLayout.partition(project, partitionOf(time))}${name}`;
}
