import { randomUUID } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { backoff } from "../concurrency.ts";
import { InvalidBundleError, PromptSyncError } from "../errors.ts";
import { resolveS3Settings, s3Key, type S3Location, type S3Settings, type S3StoreOptions } from "./s3-settings.ts";
import { isConditionFailure, isMissing, s3Failure, statusOf } from "./s3-errors.ts";
import { bodyLimitOf, layout } from "../formats/layout.ts";
import { readBounded, tooLarge } from "./body-limit.ts";
import { checkRegistryKey, checkRegistryPrefix, registryKeyProblem } from "./key.ts";
import type { RegistryStore, StoredObject, SwapResult, WriteOptions } from "./types.ts";

/** A 409 means another conditional write to the key is in flight (AWS); it settles quickly. */
const CONFLICT_RETRIES = 5;

/** S3Store's options: the settings, and a ready client instead of one built from them (custom middleware, tests). */
export interface S3StoreInit extends S3StoreOptions {
  client?: S3Client | undefined;
}

/**
 * A registry in an S3 bucket (AWS S3, R2, MinIO, Ceph RGW). Immutable objects are written with
 * `If-None-Match: *`; pointers by compare-and-swap with `If-Match`. Before its first write it checks that the
 * bucket really enforces those conditions, since a store that ignores them would let a push overwrite a
 * published version.
 */
export class S3Store implements RegistryStore {
  readonly url: string;
  private readonly location: S3Location;
  private readonly settings: S3Settings;
  private readonly client: S3Client;
  private safety: Promise<void> | undefined;
  /** Ceph RGW 16 matches If-Match only against the unquoted ETag; learnt on the first such refusal. */
  private unquotedIfMatch = false;

  constructor(options: S3StoreInit) {
    this.settings = resolveS3Settings(options);
    this.location = this.settings.location;
    this.url = this.location.url;
    this.client = options.client ?? new S3Client(this.settings.clientConfig);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const objectKey = this.key(key);
    const limit = bodyLimitOf(key);
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: objectKey }));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.failure("read", key, error);
    }
    // In Node the body is a stream: destroyed unread when ContentLength is over the limit, else counted as it comes.
    const stream = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if ((response.ContentLength ?? 0) > limit.bytes) {
      stream?.destroy?.();
      throw tooLarge(key, limit);
    }
    try {
      return { body: stream ? await readBounded(key, stream, limit) : new Uint8Array(0), etag: response.ETag ?? "", modified: response.LastModified };
    } catch (error) {
      if (error instanceof InvalidBundleError) throw error;
      throw this.failure("read", key, error);
    }
  }

  async head(key: string): Promise<{ etag: string; size: number } | undefined> {
    const objectKey = this.key(key);
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: objectKey }));
      return { etag: response.ETag ?? "", size: response.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.failure("read", key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const root = s3Key(this.location, "");
    const listed = s3Key(this.location, checkRegistryPrefix(prefix));
    let token: string | undefined;
    do {
      try {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: listed, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          // A key no driver could read (written to the bucket by other means) is not part of the registry.
          const key = object.Key?.slice(root.length);
          if (key !== undefined && registryKeyProblem(key) === undefined) keys.push(key);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } catch (error) {
        throw this.failure("list", prefix, error);
      }
    } while (token);
    return keys.sort();
  }

  async create(key: string, body: Uint8Array, options: WriteOptions): Promise<boolean> {
    await this.ensureSafe();
    return (await this.put(key, body, options, { IfNoneMatch: "*" })) !== undefined;
  }

  async swap(key: string, body: Uint8Array, expectedEtag: string | null, options: WriteOptions): Promise<SwapResult> {
    await this.ensureSafe();
    if (expectedEtag === null) return this.result(await this.put(key, body, options, { IfNoneMatch: "*" }));
    // Decided before the request: concurrent swaps may learn the unquoted form while this one is in flight.
    const sentQuoted = !this.unquotedIfMatch && unquote(expectedEtag) !== expectedEtag;
    const etag = await this.put(key, body, options, { IfMatch: this.ifMatchValue(expectedEtag) });
    if (etag !== undefined || !sentQuoted) return this.result(etag);
    // Refused: either the object changed, or this server wants the ETag without quotes. Only the second
    // leaves the ETag as it was.
    const current = await this.head(key);
    if (current?.etag !== expectedEtag) return { ok: false };
    const retried = await this.put(key, body, options, { IfMatch: unquote(expectedEtag) });
    if (retried !== undefined) this.unquotedIfMatch = true;
    return this.result(retried);
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.key(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: objectKey }));
    } catch (error) {
      if (!isMissing(error)) throw this.failure("delete", key, error);
    }
  }

  /** The ETag written, or undefined when the condition failed. */
  private async put(
    key: string,
    body: Uint8Array,
    options: WriteOptions,
    condition: Pick<PutObjectCommandInput, "IfMatch" | "IfNoneMatch">,
  ): Promise<string | undefined> {
    const objectKey = this.key(key);
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.client.send(
          new PutObjectCommand({
            Bucket: this.location.bucket,
            Key: objectKey,
            Body: body,
            ContentType: options.contentType,
            CacheControl: options.cacheControl,
            ...condition,
          }),
        );
        return response.ETag ?? "";
      } catch (error) {
        if (statusOf(error) === 409 && attempt < CONFLICT_RETRIES) {
          await backoff(attempt, 20);
          continue;
        }
        if (isConditionFailure(error)) return undefined;
        // Ceph RGW answers the losers of concurrent If-Match writes with 500 (ECANCELED) as often as with 412.
        // Treated as a conflict, the caller re-reads; a server that keeps failing ends in POINTER_CONFLICT.
        if (condition.IfMatch !== undefined && statusOf(error) === 500) return undefined;
        throw this.failure("write", key, error);
      }
    }
  }

  private result(etag: string | undefined): SwapResult {
    return etag === undefined ? { ok: false } : { ok: true, etag };
  }

  private ifMatchValue(etag: string): string {
    return this.unquotedIfMatch ? unquote(etag) : etag;
  }

  private key(key: string): string {
    return s3Key(this.location, checkRegistryKey(key));
  }

  private ensureSafe(): Promise<void> {
    if (!this.settings.verifyConditionalWrites) return Promise.resolve();
    this.safety ??= this.probeCreateOnly().catch((error: unknown) => {
      this.safety = undefined;
      throw error;
    });
    return this.safety;
  }

  /** Writes a probe key twice with `If-None-Match: *` and once with a wrong `If-Match`: both must be refused. */
  private async probeCreateOnly(): Promise<void> {
    const probe = layout.storeProbe(randomUUID());
    const options: WriteOptions = { contentType: "text/plain; charset=utf-8", cacheControl: "no-store" };
    const body = new TextEncoder().encode("promptsync create-only probe\n");
    const ignored: string[] = [];
    try {
      if ((await this.put(probe, body, options, { IfNoneMatch: "*" })) === undefined) {
        throw new PromptSyncError("S3_ERROR", `The probe ${this.url}/${probe} already existed`, {
          suggestion: "Run the command again.",
        });
      }
      if ((await this.put(probe, body, options, { IfNoneMatch: "*" })) !== undefined) ignored.push("If-None-Match: *");
      if ((await this.put(probe, body, options, { IfMatch: '"promptsync-probe-mismatch"' })) !== undefined) ignored.push("If-Match");
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(probe) })).catch(() => undefined);
    }
    if (ignored.length === 0) return;
    const risk =
      `${this.url} ignores ${ignored.join(" and ")}: it overwrites objects that should be create-only, so a push could ` +
      "replace a published version and concurrent alias updates could be lost";
    if (!this.settings.allowUnsafeStore) {
      throw new PromptSyncError("UNSAFE_STORE", risk, {
        suggestion:
          "Use a store with conditional writes (AWS S3, Cloudflare R2, MinIO, Ceph RGW 16 or later), or pass " +
          "--allow-unsafe-store if you accept the risk and never push from two places at once.",
      });
    }
    this.settings.onWarning(`WARNING: ${risk}. Continuing because of --allow-unsafe-store.`);
  }

  private failure(operation: "read" | "list" | "write" | "delete", key: string, error: unknown): PromptSyncError {
    return s3Failure(error, this.settings, operation, `${this.url}/${key}`);
  }
}

function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, "$1");
}
