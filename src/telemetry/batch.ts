import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { partitionOf, telemetryLayout } from "../layout.ts";
import type { TelemetryEvent } from "./events.ts";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

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

/** A batch's text: gzipped when the key ends in .gz, else plain NDJSON; over MAX_BATCH_TEXT_BYTES is an error. */
export async function decodeBatch(key: string, body: Uint8Array): Promise<string> {
  const bytes = key.endsWith(".gz") ? await inflate(body) : body;
  if (bytes.byteLength > MAX_BATCH_TEXT_BYTES) throw tooLarge();
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

async function inflate(body: Uint8Array): Promise<Uint8Array> {
  try {
    return await gunzipAsync(body, { maxOutputLength: MAX_BATCH_TEXT_BYTES });
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
