import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { originHandler } from "../../src/serve/origin.ts";
import { FolderStore } from "../../src/storage/folder.ts";

export interface CountedRequest {
  path: string;
  status: number;
  conditional: boolean;
  /** Body bytes sent. */
  bytes: number;
}

/** `promptsync serve`'s origin over a folder registry on loopback, counting requests; it can stop and restart. */
export interface CountingOrigin {
  url: string;
  requests: CountedRequest[];
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function countingOrigin(root: string): Promise<CountingOrigin> {
  const handle = originHandler(new FolderStore(root));
  let server: Server | undefined;
  let port = 0;
  const requests: CountedRequest[] = [];
  const listen = async () => {
    server = createServer((req, res) => {
      const entry: CountedRequest = { path: req.url ?? "", status: 0, conditional: req.headers["if-none-match"] !== undefined, bytes: 0 };
      const end = res.end.bind(res);
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        entry.status = res.statusCode;
        if (chunk instanceof Uint8Array || typeof chunk === "string") entry.bytes = Buffer.byteLength(chunk);
        requests.push(entry);
        return end(chunk as never, ...(rest as []));
      }) as typeof res.end;
      void handle(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    port = (server!.address() as AddressInfo).port;
  };
  await listen();
  const stop = () =>
    new Promise<void>((resolve) => {
      server!.closeAllConnections();
      server!.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${port}`, requests, stop, restart: listen };
}
