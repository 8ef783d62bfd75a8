import { Client } from "minio";
import { describe, expect, it } from "vitest";
import { headersFor } from "../src/formats/layout.ts";
import { S3Store } from "../src/storage/s3.ts";
import { awsEnv, ensureBucket, freshRegistry, requireS3, type TestS3 } from "./helpers/s3.ts";

/**
 * The S3 driver cross-checked with a second, independent S3 client (MinIO's, which shares no code with the AWS
 * SDK the driver is built on): what the driver writes is read back byte for byte, with its Content-Type and
 * Cache-Control, and what MinIO writes is read by the driver (get, head, list).
 */
const s3 = requireS3();

function minioClient(server: TestS3): Client {
  const url = new URL(server.endpoint);
  const useSSL = url.protocol === "https:";
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: server.accessKeyId,
    secretKey: server.secretAccessKey,
    region: server.region,
    pathStyle: true,
  });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return new Uint8Array(Buffer.concat(chunks));
}

const unquote = (etag: string) => etag.replace(/^"(.*)"$/, "$1");

/** Bytes that catch any re-encoding: every byte value, multi-byte UTF-8, CRLF, a trailing NUL. */
function awkwardBytes(): Uint8Array {
  const text = new TextEncoder().encode("héllo 你好 🙂\r\n{{ name }}\n");
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  return new Uint8Array([...text, ...all, 0]);
}

if (s3) {
  // The driver takes credentials from the standard AWS chain, as in production.
  Object.assign(process.env, awsEnv(s3));

  describe("s3 driver against MinIO's client (Ceph RGW): the same objects, seen by two independent clients", () => {
    const bucket = s3.bucket;
    const minio = minioClient(s3);
    const registryOf = () => {
      const url = freshRegistry(s3);
      return { store: new S3Store({ url, env: awsEnv(s3) }), prefix: url.slice(`s3://${bucket}/`.length) };
    };

    it("what the driver writes (create and swap) MinIO reads byte for byte, with its Content-Type, Cache-Control and ETag", async () => {
      await ensureBucket(s3);
      const { store, prefix } = registryOf();
      const body = awkwardBytes();
      const keys = [
        "prompts/web/aliases/production.json",
        "prompts/web/greet/v0.1.0/default.yaml",
        "prompts/web/_bundles/v0.1.0.json",
        "telemetry/web/events/dt=2026-12-01/hour=15/batch.ndjson.gz",
        "prompts/web/notes.bin",
      ];
      for (const key of keys) expect(await store.create(key, body, headersFor(key)), key).toBe(true);

      for (const key of keys) {
        const stat = await minio.statObject(bucket, `${prefix}/${key}`);
        expect(stat.size, key).toBe(body.length);
        expect({ contentType: stat.metaData["content-type"], cacheControl: stat.metaData["cache-control"] }, key).toEqual(headersFor(key));
        expect(unquote(stat.etag), key).toBe(unquote((await store.head(key))!.etag));
        expect(await readAll(await minio.getObject(bucket, `${prefix}/${key}`)), key).toEqual(body);
      }

      // A swap replaces the bytes and keeps the pointer's headers; MinIO sees exactly the new object.
      const pointer = "prompts/web/aliases/production.json";
      const next = new TextEncoder().encode('{"version":"v0.1.1"}\n');
      const swapped = await store.swap(pointer, next, (await store.head(pointer))!.etag, headersFor(pointer));
      expect(swapped.ok).toBe(true);
      const stat = await minio.statObject(bucket, `${prefix}/${pointer}`);
      expect(unquote(stat.etag)).toBe(unquote((swapped as { etag: string }).etag));
      expect(stat.metaData["cache-control"]).toBe(headersFor(pointer).cacheControl);
      expect(await readAll(await minio.getObject(bucket, `${prefix}/${pointer}`))).toEqual(next);
    });

    it("what MinIO writes the driver reads: get (bytes and ETag), head (size and ETag), list (sorted, below the registry only)", async () => {
      await ensureBucket(s3);
      const { store, prefix } = registryOf();
      const body = Buffer.from(awkwardBytes());
      const keys = ["prompts/web/b/v0.1.0/default.yaml", "prompts/web/a/v0.1.0/default.yaml", "prompts/web/aliases/dev.json", "prompts/webshop/x.json"];
      for (const key of keys) {
        const { contentType, cacheControl } = headersFor(key);
        await minio.putObject(bucket, `${prefix}/${key}`, body, body.length, { "Content-Type": contentType, "Cache-Control": cacheControl });
      }
      // An object beside the registry, which the driver must not see.
      await minio.putObject(bucket, `${prefix}-beside/prompts/web/z.json`, Buffer.from("{}"), 2, { "Content-Type": "application/json" });

      for (const key of keys) {
        const stat = await minio.statObject(bucket, `${prefix}/${key}`);
        const object = await store.get(key);
        expect(object, key).toBeDefined();
        expect(new Uint8Array(object!.body), key).toEqual(new Uint8Array(body));
        expect(unquote(object!.etag), key).toBe(unquote(stat.etag));
        expect(await store.head(key), key).toEqual({ etag: object!.etag, size: body.length });
      }
      expect(await store.list("prompts/web/")).toEqual(["prompts/web/a/v0.1.0/default.yaml", "prompts/web/aliases/dev.json", "prompts/web/b/v0.1.0/default.yaml"]);
      expect(await store.list("prompts/")).toEqual([...keys].sort());
      expect(await store.get("prompts/web/z.json")).toBeUndefined();

      // A MinIO overwrite is what the driver reads next, and a stale ETag no longer swaps.
      const before = (await store.head("prompts/web/aliases/dev.json"))!.etag;
      await minio.putObject(bucket, `${prefix}/prompts/web/aliases/dev.json`, Buffer.from('{"version":"v2"}'), 16, { "Content-Type": "application/json; charset=utf-8" });
      expect(new TextDecoder().decode((await store.get("prompts/web/aliases/dev.json"))!.body)).toBe('{"version":"v2"}');
      const refused = await store.swap("prompts/web/aliases/dev.json", Buffer.from("{}"), before, headersFor("prompts/web/aliases/dev.json"));
      expect(refused).toEqual({ ok: false });
    });
  });
}
