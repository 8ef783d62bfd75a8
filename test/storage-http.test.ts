import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach } from "vitest";
import { etagOf, FolderStore } from "../src/storage/folder.ts";
import { HttpReader } from "../src/storage/http.ts";
import { S3Store } from "../src/storage/s3.ts";
import { tempDir } from "./helpers/fs.ts";
import { awsEnv, ensureBucket, freshRegistry, publicUrl, requireS3 } from "./helpers/s3.ts";
import { readerContract } from "./helpers/storage-contract.ts";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/**
 * A folder served as a bucket's public endpoint serves it: each file whole, with a strong ETag, a 304 for a
 * matching If-None-Match, 404 for anything else. It applies no body limit, so the reader's own are what is tested.
 */
async function bucketLikeServer(root: string): Promise<string> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const body = await readFile(join(root, path)).catch(() => undefined);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const etag = etagOf(body);
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { ETag: etag }).end();
      return;
    }
    res.writeHead(200, { ETag: etag, "Content-Length": body.byteLength }).end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The reader's requests, counted at its fetch. */
function countingFetch(): { fetch: typeof globalThis.fetch; count: () => number } {
  let count = 0;
  return {
    fetch: (input, init) => {
      count++;
      return globalThis.fetch(input, init);
    },
    count: () => count,
  };
}

readerContract("http (a folder behind a bucket-like static server)", async () => {
  const root = await tempDir();
  const requests = countingFetch();
  const reader = new HttpReader(await bucketLikeServer(root), { fetch: requests.fetch, retries: 0 });
  return { reader, writer: new FolderStore(root), requests: requests.count };
});

const s3 = requireS3();
if (s3) {
  // The writer takes credentials from the standard AWS chain, as in production.
  Object.assign(process.env, awsEnv(s3));
  // Apps read a public bucket anonymously over HTTP; the test bucket lets anyone GET under tests/.
  readerContract("http (Ceph RGW's public endpoint)", async () => {
    await ensureBucket(s3);
    const registry = freshRegistry(s3);
    const requests = countingFetch();
    const reader = new HttpReader(publicUrl(s3, registry), { fetch: requests.fetch, retries: 0 });
    return { reader, writer: new S3Store({ url: registry, env: awsEnv(s3) }), requests: requests.count };
  });
}
