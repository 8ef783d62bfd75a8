import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { isUnavailable, NetworkError } from "../src/errors.ts";
import { headersFor } from "../src/formats/layout.ts";
import { S3Store } from "../src/storage/s3.ts";
import { prepareBucket } from "../src/storage/s3-bucket.ts";
import { awsEnv, ensureBucket, freshRegistry, rawClient, requireS3, type TestS3 } from "./helpers/s3.ts";
import { storageContract } from "./helpers/storage-contract.ts";

const s3 = requireS3();
const bytes = (text: string) => new TextEncoder().encode(text);

function store(server: TestS3, options: { url?: string; client?: S3Client; allowUnsafeStore?: boolean; onWarning?: (m: string) => void } = {}) {
  return new S3Store({ url: options.url ?? freshRegistry(server), env: awsEnv(server), ...options });
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

  storageContract("s3 (Ceph RGW)", async () => {
    await ensureBucket(s3);
    return store(s3);
  });

  describe("s3 store specifics", () => {
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
