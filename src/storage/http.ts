import { backoff } from "../concurrency.ts";
import { InvalidBundleError, NetworkError } from "../errors.ts";
import { bodyLimitOf } from "../formats/layout.ts";
import { readBounded, tooLarge } from "./body-limit.ts";
import { checkRegistryKey } from "./key.ts";
import type { RegistryReader, Revalidation, StoredObject } from "./types.ts";

export interface HttpReaderOptions {
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** Per-request timeout in milliseconds. @default 10000 */
  timeoutMs?: number;
  /** Retries after a network error, a 429 or a 5xx, with jittered exponential backoff. @default 2 */
  retries?: number;
  /** First backoff in milliseconds; doubles with each retry. @default 100 */
  retryBackoffMs?: number;
}

/**
 * Reads a registry over HTTP(S): a bucket's public endpoint, a CDN, or `promptsync serve`. Of the optional
 * capabilities it has getIfChanged (a conditional GET), not list: HTTP cannot list.
 */
export class HttpReader implements RegistryReader {
  readonly url: string;
  private readonly fetch: typeof globalThis.fetch;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBackoffMs: number;

  constructor(baseUrl: string, options: HttpReaderOptions = {}) {
    this.url = baseUrl.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 2;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const result = await this.request(key, undefined);
    return result.status === "changed" ? result.object : undefined;
  }

  /** A conditional GET: a 304 costs no body. */
  getIfChanged(key: string, etag: string): Promise<Revalidation> {
    return this.request(key, etag);
  }

  private async request(key: string, etag: string | undefined): Promise<Revalidation> {
    const url = `${this.url}/${checkRegistryKey(key).split("/").map(encodeURIComponent).join("/")}`;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(url, {
          signal: AbortSignal.timeout(this.timeoutMs),
          ...(etag && { headers: { "If-None-Match": etag } }),
        });
      } catch (error) {
        if (attempt < this.retries) {
          await backoff(attempt, this.retryBackoffMs);
          continue;
        }
        throw new NetworkError(url, `Cannot reach the registry: ${(error as Error).message}`, { cause: error });
      }
      if (response.status === 304) return { status: "unchanged" };
      if (response.status === 404 || response.status === 403) {
        // Buckets answer 403 for a missing key when listing is not public.
        await response.body?.cancel();
        return { status: "missing" };
      }
      if (!response.ok) {
        await response.body?.cancel();
        if ((response.status === 429 || response.status >= 500) && attempt < this.retries) {
          await backoff(attempt, this.retryBackoffMs);
          continue;
        }
        throw new NetworkError(url, `The registry answered ${response.status} ${response.statusText}`, { status: response.status });
      }
      const body = await this.readBody(key, response, url);
      return { status: "changed", object: { body, etag: response.headers.get("etag") ?? "" } };
    }
  }

  /** Counted as it arrives: refused by its Content-Length, or cut off at the key's limit. */
  private async readBody(key: string, response: Response, url: string): Promise<Uint8Array> {
    const limit = bodyLimitOf(key);
    if (Number(response.headers.get("content-length")) > limit.bytes) {
      await response.body?.cancel();
      throw tooLarge(key, limit);
    }
    if (!response.body) return new Uint8Array(0);
    try {
      return await readBounded(key, response.body, limit);
    } catch (error) {
      if (error instanceof InvalidBundleError) throw error;
      throw new NetworkError(url, `The registry's answer broke off: ${(error as Error).message}`, { cause: error });
    }
  }
}
