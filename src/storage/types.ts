/**
 * The storage interface every registry driver implements (folder here; S3 next). Keys are `/`-separated
 * paths from the registry root. Drivers guarantee: `create` never overwrites, and `swap` replaces an object
 * only if it still has the ETag the caller read, so concurrent writers never lose an update.
 */

export interface StoredObject {
  body: Uint8Array;
  /** Strong validator of the bytes. */
  etag: string;
  /** When the store wrote it, by the store's clock (mtime, Last-Modified), where the store says. */
  modified?: Date;
}

export interface WriteOptions {
  contentType: string;
  cacheControl: string;
}

export type SwapResult = { ok: true; etag: string } | { ok: false };

/** What readers need: the SDK reads through this alone. */
export interface RegistryReader {
  /** Where it reads from, without credentials. */
  readonly url: string;
  /** The object, or undefined when it does not exist. */
  get(key: string): Promise<StoredObject | undefined>;
}

export interface RegistryStore extends RegistryReader {
  head(key: string): Promise<{ etag: string; size: number } | undefined>;
  /** Every key that starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Create-only write: false (and nothing written) when the key exists. */
  create(key: string, body: Uint8Array, options: WriteOptions): Promise<boolean>;
  /**
   * Compare-and-swap: writes only if the object's ETag is still `expectedEtag`, or, with null, if the object
   * does not exist.
   */
  swap(key: string, body: Uint8Array, expectedEtag: string | null, options: WriteOptions): Promise<SwapResult>;
  /** Removes an object; a missing one is not an error. Only for objects nothing points to any more. */
  delete(key: string): Promise<void>;
}
