import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { headersFor } from "../layout.ts";
import type { RegistryReader } from "../storage/types.ts";

/**
 * A registry over HTTP as a bucket behind a CDN serves it: the objects' Cache-Control and Content-Type, strong
 * ETags, 304 for a matching If-None-Match, HEAD, and CORS for GET so that browsers can read it too.
 */
export function originHandler(reader: RegistryReader): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Expose-Headers", "ETag, Cache-Control, Content-Length");
    if (req.method === "OPTIONS") {
      res.writeHead(204, { "Access-Control-Allow-Methods": "GET, HEAD", "Access-Control-Allow-Headers": "If-None-Match", "Access-Control-Max-Age": "86400" }).end();
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD, OPTIONS" }).end();
      return;
    }
    const key = keyOf(req.url ?? "/");
    let object;
    try {
      object = key === undefined ? undefined : await reader.get(key);
    } catch (error) {
      const status = (error as { code?: string }).code === "NETWORK" ? 502 : key !== undefined && /Invalid registry key/.test(String(error)) ? 404 : 500;
      res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }).end(`${(error as Error).message}\n`);
      return;
    }
    if (!object) {
      // Short, so that an object published right after a miss shows up quickly behind a CDN.
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=1" }).end("Not found\n");
      return;
    }
    const headers = headersFor(key!);
    const common = { ETag: object.etag, "Cache-Control": headers.cacheControl, "Content-Type": headers.contentType };
    if (etagMatches(req.headers["if-none-match"], object.etag)) {
      res.writeHead(304, common).end();
      return;
    }
    res.writeHead(200, { ...common, "Content-Length": object.body.byteLength });
    res.end(req.method === "HEAD" ? undefined : object.body);
  };
}

/** `/prompts/p/a.json` → `prompts/p/a.json`; undefined for paths that cannot be keys. */
function keyOf(url: string): string | undefined {
  try {
    const path = new URL(url, "http://origin").pathname;
    const segments = path.split("/").slice(1).map(decodeURIComponent);
    if (segments.some((s) => s === "" || s === "." || s === "..")) return undefined;
    // Only the registry: telemetry next to it is never served.
    return segments[0] === "prompts" ? segments.join("/") : undefined;
  } catch {
    return undefined;
  }
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header || !etag) return false;
  const weak = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || weak(tag) === weak(etag));
}

export interface RunningOrigin {
  url: string;
  close(): Promise<void>;
}

export async function startOrigin(reader: RegistryReader, options: { port?: number; host?: string } = {}): Promise<RunningOrigin> {
  const handle = originHandler(reader);
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
