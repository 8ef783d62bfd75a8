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

/** A batch's text: gzipped when the key ends in .gz, else plain NDJSON. */
export async function decodeBatch(key: string, body: Uint8Array): Promise<string> {
  const bytes = key.endsWith(".gz") ? await gunzipAsync(body) : body;
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
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
