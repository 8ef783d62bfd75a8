import { NetworkError } from "../errors.ts";
import type { RegistryReader, StoredObject } from "./types.ts";

export interface HttpReaderOptions {
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** Per-request timeout in milliseconds. @default 10000 */
  timeoutMs?: number;
}

/** Reads a registry over HTTP(S): a bucket's public endpoint, a CDN, or `promptsync serve`. */
export class HttpReader implements RegistryReader {
  readonly url: string;
  private readonly fetch: typeof globalThis.fetch;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: HttpReaderOptions = {}) {
    this.url = baseUrl.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const url = `${this.url}/${key.split("/").map(encodeURIComponent).join("/")}`;
    let response: Response;
    try {
      response = await this.fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new NetworkError(url, `Cannot reach the registry: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 404 || response.status === 403) {
      // Buckets answer 403 for a missing key when listing is not public.
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new NetworkError(url, `The registry answered ${response.status} ${response.statusText}`, { status: response.status });
    }
    const body = new Uint8Array(await response.arrayBuffer());
    return { body, etag: response.headers.get("etag") ?? "" };
  }
}
