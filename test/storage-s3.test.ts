import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Client } from "minio";
import { describe, expect, it } from "vitest";
import { isUnavailable, NetworkError } from "../src/errors.ts";
import { headersFor } from "../src/formats/layout.ts";
import { S3Store } from "../src/storage/s3.ts";
import { prepareBucket } from "../src/storage/s3-bucket.ts";
import type { RegistryStore } from "../src/storage/types.ts";
import { awsEnv, ensureBucket, freshRegistry, rawClient, requireS3, type TestS3 } from "./helpers/s3.ts";
import { storageContract, type IndependentClient } from "./helpers/storage-contract.ts";

const s3 = requireS3();
const bytes = (text: string) => new TextEncoder().encode(text);

function store(server: TestS3, options: { url?: string; client?: S3Client; allowUnsafeStore?: boolean; onWarning?: (m: string) => void } = {}) {
  return new S3Store({ url: options.url ?? freshRegistry(server), env: awsEnv(server), ...options });
}

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

/** A client whose requests lose their conditional headers before signing: a store that silently overwrites. */
function overwritingClient(server: TestS3): S3Client {
  const client = rawClient(server);
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      for (const name of Object.keys(headers)) if (/^if-(none-)?match$/i.test(name)) delete headers[name];
      return next(args);
    },
    { step: "build", name: "dropConditionalHeaders" },
  );
  return client;
}

describe("s3 errors: one mapping for the store and the bucket setup", () => {
  it("an unreachable endpoint is a NetworkError, which isUnavailable recognises, from the store and from prepareBucket alike", async () => {
    const endpoint = "http://127.0.0.1:1";
    const options = {
      url: "s3://promptsync-unreachable/reg",
      endpoint,
      client: new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: "a", secretAccessKey: "b" } }),
    };
    const failures = [
      await new S3Store(options).get("prompts/p/aliases/dev.json").catch((e: unknown) => e),
      await prepareBucket(options).catch((e: unknown) => e),
    ];
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(NetworkError);
      expect(failure).toMatchObject({ code: "NETWORK", message: expect.stringContaining(`Cannot reach ${endpoint}`) });
      expect(isUnavailable(failure)).toBe(true);
    }
    expect((failures[0] as Error).message).toContain("s3://promptsync-unreachable/reg/prompts/p/aliases/dev.json");
    expect((failures[1] as Error).message).toContain("s3://promptsync-unreachable/reg");
  });
});

if (s3) {
  // The driver takes credentials from the standard AWS chain, as in production.
  Object.assign(process.env, awsEnv(s3));

  const minio = minioClient(s3);
  /** The bucket and prefix an S3 store's URL names, reached through MinIO's client instead of the driver's. */
  const throughMinio = (target: RegistryStore): IndependentClient => {
    const prefix = target.url.slice(`s3://${s3.bucket}/`.length).replace(/\/?$/, "/");
    return {
      async read(key) {
        const stat = await minio.statObject(s3.bucket, prefix + key);
        const body = await readAll(await minio.getObject(s3.bucket, prefix + key));
        return { body, contentType: stat.metaData["content-type"] as string, cacheControl: stat.metaData["cache-control"] as string, etag: stat.etag };
      },
      async write(key, body, headers) {
        await minio.putObject(s3.bucket, prefix + key, Buffer.from(body), body.length, { "Content-Type": headers.contentType, "Cache-Control": headers.cacheControl });
      },
    };
  };

  // MinIO's client shares no code with the AWS SDK the driver is built on: the second, independent S3 client.
  storageContract(
    "s3 (Ceph RGW)",
    async () => {
      await ensureBucket(s3);
      return store(s3);
    },
    throughMinio,
  );

  describe("s3 store specifics", () => {
    it("an object beside the registry's prefix (written by MinIO's client) is neither listed nor read", async () => {
      await ensureBucket(s3);
      const registry = freshRegistry(s3);
      const target = store(s3, { url: registry });
      const prefix = registry.slice(`s3://${s3.bucket}/`.length);
      await minio.putObject(s3.bucket, `${prefix}-beside/prompts/web/z.json`, Buffer.from("{}"), 2, { "Content-Type": "application/json" });
      expect(await target.list("prompts/")).toEqual([]);
      expect(await target.get("prompts/web/z.json")).toBeUndefined();
    });

    it("stores Content-Type and Cache-Control with every object", async () => {
      await ensureBucket(s3);
      const registry = freshRegistry(s3);
      const target = store(s3, { url: registry });
      const keys = ["prompts/p/a/v0.1.0/default.yaml", "prompts/p/_releases/v0.1.0.json", "prompts/p/aliases/dev.json"];
      for (const key of keys) await target.create(key, bytes("x"), headersFor(key));
      const prefix = registry.slice(`s3://${s3.bucket}/`.length);
      for (const key of keys) {
        const head = await rawClient(s3).send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${key}` }));
        expect({ contentType: head.ContentType, cacheControl: head.CacheControl }, key).toEqual(headersFor(key));
      }
    });

    it("a fresh store's first swaps, many keys at once, all succeed while it learns the ETag form the server accepts", async () => {
      await ensureBucket(s3);
      const registry = freshRegistry(s3);
      const keys = Array.from({ length: 16 }, (_, i) => `site/page${i}.html`);
      const writer = store(s3, { url: registry });
      await Promise.all(keys.map((k) => writer.create(k, bytes("old"), headersFor(k))));
      const fresh = store(s3, { url: registry });
      const heads = await Promise.all(keys.map((k) => fresh.head(k)));
      const results = await Promise.all(keys.map((k, i) => fresh.swap(k, bytes("new"), heads[i]!.etag, headersFor(k))));
      expect(results.every((r) => r.ok)).toBe(true);
    });

    it("refuses a store that ignores conditional writes, naming the risk, and writes nothing", async () => {
      await ensureBucket(s3);
      const registry = freshRegistry(s3);
      const unsafe = store(s3, { url: registry, client: overwritingClient(s3) });
      const error = await unsafe.create("prompts/p/a.json", bytes("a"), headersFor("prompts/p/a.json")).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "UNSAFE_STORE" });
      expect((error as Error).message).toMatch(/ignores If-None-Match: \* and If-Match.*replace a published version/);
      expect((error as { suggestion: string }).suggestion).toContain("--allow-unsafe-store");
      expect(await store(s3, { url: registry }).list("")).toEqual([]);
    });

    it("--allow-unsafe-store writes after a loud warning", async () => {
      await ensureBucket(s3);
      const warnings: string[] = [];
      const unsafe = store(s3, { client: overwritingClient(s3), allowUnsafeStore: true, onWarning: (m) => warnings.push(m) });
      expect(await unsafe.create("prompts/p/a.json", bytes("a"), headersFor("prompts/p/a.json"))).toBe(true);
      expect(warnings).toEqual([expect.stringMatching(/^WARNING: .* ignores .*--allow-unsafe-store/)]);
    });

    it("a missing bucket and bad credentials are clear errors that never show the secret", async () => {
      const missing = new S3Store({ url: "s3://promptsync-no-such-bucket/x", env: awsEnv(s3) });
      await expect(missing.list("prompts/")).rejects.toMatchObject({ code: "BUCKET_NOT_FOUND" });
      await ensureBucket(s3);
      const secret = "wrong-secret-never-printed";
      const denied = store(s3, { client: rawClient({ ...s3, secretAccessKey: secret }) });
      const error = (await denied.list("prompts/").catch((e: unknown) => e)) as Error & { code: string; suggestion: string };
      expect(error.code).toBe("ACCESS_DENIED");
      expect(`${error.message} ${error.suggestion}`).not.toContain(secret);
    });
  });
}
