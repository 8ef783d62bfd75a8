import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serveFolder, type StaticServer } from "./static-server.ts";

export interface HugeBodyServer {
  url: string;
  /** Request paths in the order they arrived. */
  requests: string[];
  /** Bytes of the huge body actually handed to the socket before the client gave up. */
  sent(): number;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, " ");

/**
 * Serves `root` as a bucket would, except `hugePath`: a body of `bytes` bytes generated as the client reads it
 * (never held in memory), with or without a Content-Length announcing it.
 */
export async function serveHugeBody(root: string, hugePath: string, bytes: number, options: { announceLength: boolean }): Promise<HugeBodyServer> {
  const files: StaticServer = await serveFolder(root);
  const requests: string[] = [];
  let sent = 0;
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push(path);
    if (path !== hugePath) {
      const answer = await fetch(`${files.url}${path}`);
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/octet-stream" });
      res.end(Buffer.from(await answer.arrayBuffer()));
      return;
    }
    res.writeHead(200, { "content-type": "application/json", ...(options.announceLength && { "content-length": String(bytes) }) });
    let closed = false;
    let wake: (() => void) | undefined;
    res.on("close", () => {
      closed = true;
      wake?.();
    });
    for (let left = bytes; left > 0 && !closed; ) {
      const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= chunk.length;
      sent += chunk.length;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once("drain", resolve);
        });
      }
    }
    if (!closed) res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    sent: () => sent,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await files.close();
    },
  };
}
