import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InvalidNameError, NetworkError, PromptSyncError } from "../errors.ts";
import { headersFor, isRegistryKey } from "../formats/layout.ts";
import { registryKeyProblem } from "../storage/key.ts";
import type { RegistryReader } from "../storage/types.ts";

interface OriginOptions {
  /** Where a failure is described in full; the client gets only its status. @default stderr */
  log?: (line: string) => void;
  /** Called once per request, when its response is done or the client went away. @default none */
  onRequest?: (request: ServedRequest) => void;
}

/** One request, for an access log. `path` is the request's path as sent, without its query string. */
export interface ServedRequest {
  method: string;
  path: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
  ms: number;
}

/**
 * A registry over HTTP as a bucket behind a CDN serves it: the objects' Cache-Control and Content-Type, strong
 * ETags, 304 for a matching If-None-Match, HEAD, and CORS for GET so that browsers can read it too.
 */
export function originHandler(reader: RegistryReader, options: OriginOptions = {}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { onRequest } = options;
  return async (req, res) => {
    const started = performance.now();
    const bytes = await respond(reader, log, req, res);
    if (onRequest) {
      const url = req.url ?? "";
      const end = url.search(/[?#]/);
      onRequest({ method: req.method ?? "", path: end < 0 ? url : url.slice(0, end), status: res.statusCode, bytes, ms: performance.now() - started });
    }
  };
}

/** Answers one request; returns the number of body bytes sent. */
async function respond(reader: RegistryReader, log: (line: string) => void, req: IncomingMessage, res: ServerResponse): Promise<number> {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Expose-Headers", "ETag, Cache-Control, Content-Length");
  const text = (status: number, headers: Record<string, string>, body: string): number => {
    res.writeHead(status, headers).end(req.method === "HEAD" ? undefined : body);
    return req.method === "HEAD" ? 0 : Buffer.byteLength(body);
  };
  if (req.method === "OPTIONS") {
    res.writeHead(204, { "Access-Control-Allow-Methods": "GET, HEAD", "Access-Control-Allow-Headers": "If-None-Match", "Access-Control-Max-Age": "86400" }).end();
    return 0;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD, OPTIONS" }).end();
    return 0;
  }
  const key = keyOf(req.url ?? "/");
  let object;
  try {
    object = key === undefined ? undefined : await reader.get(key);
  } catch (error) {
    // A key the driver refuses cannot exist; any other failure is described to the log, never to the client,
    // which would otherwise learn the bucket, the endpoint or the upstream's address.
    if (!(error instanceof InvalidNameError)) {
      const failure = failureOf(error);
      log(`promptsync serve: ${req.method} /${key} answered ${failure.status}: ${describe(error)}`);
      return text(failure.status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }, `${failure.text}\n`);
    }
  }
  if (!object) {
    // Short, so that an object published right after a miss shows up quickly behind a CDN.
    return text(404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=1" }, "Not found\n");
  }
  const headers = headersFor(key!);
  const common = { ETag: object.etag, "Cache-Control": headers.cacheControl, "Content-Type": headers.contentType };
  if (etagMatches(req.headers["if-none-match"], object.etag)) {
    res.writeHead(304, common).end();
    return 0;
  }
  res.writeHead(200, { ...common, "Content-Length": object.body.byteLength });
  res.end(req.method === "HEAD" ? undefined : object.body);
  return req.method === "HEAD" ? 0 : object.body.byteLength;
}

/**
 * `/prompts/p/a.json` → `prompts/p/a.json`; undefined for paths that cannot be keys. The whole path is decoded
 * before the check, so an encoded `/` (`%2f`) cannot hide `..` inside one segment; the raw path is used, not a
 * URL parser's, which would quietly resolve dot segments.
 */
function keyOf(url: string): string | undefined {
  if (!url.startsWith("/")) return undefined;
  const end = url.search(/[?#]/);
  let key: string;
  try {
    key = decodeURIComponent(url.slice(1, end < 0 ? undefined : end));
  } catch {
    return undefined;
  }
  // Only the registry: telemetry next to it is never served.
  return isRegistryKey(key) && registryKeyProblem(key) === undefined ? key : undefined;
}

/** By class, never by message: an unreachable upstream is a gateway failure, anything else the origin's own. */
function failureOf(error: unknown): { status: number; text: string } {
  return error instanceof NetworkError ? { status: 502, text: "Bad gateway" } : { status: 500, text: "Internal server error" };
}

/** One log line: an upstream's message could carry line breaks or terminal escapes. */
function describe(error: unknown): string {
  const text =
    error instanceof PromptSyncError
      ? `${error.code} ${error.message}${error.suggestion ? ` (${error.suggestion})` : ""}`
      : error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error);
  return text.replace(/\p{Cc}/gu, " ");
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header || !etag) return false;
  const weak = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || weak(tag) === weak(etag));
}

interface RunningOrigin {
  url: string;
  close(): Promise<void>;
}

export async function startOrigin(reader: RegistryReader, options: OriginOptions & { port?: number; host?: string } = {}): Promise<RunningOrigin> {
  const handle = originHandler(reader, options);
  const server: Server = createServer((req, res) => void handle(req, res));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8787, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
