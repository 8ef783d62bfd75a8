/**
 * The storage interface every registry driver implements, one driver per file: the folder (folder.ts), an S3
 * bucket (s3.ts), HTTP for reading (http.ts), and memory (memory.ts, for tests). Keys are `/`-separated paths from
 * the registry root, checked by every driver with one rule (key.ts) before anything is touched. Drivers guarantee:
 * `create` never overwrites, `swap` replaces an object only if it still has the ETag the caller read (so concurrent
 * writers never lose an update), `list` is sorted, and `get` reads no more than the key's body limit. What a driver
 * can do beyond `get` is declared here, as optional members of the reader, never guessed from the object. One
 * contract suite (test/helpers/storage-contract.ts) runs against every driver.
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

/** A re-read of an object the caller holds with an ETag. */
export type Revalidation = { status: "unchanged" } | { status: "changed"; object: StoredObject } | { status: "missing" };

/** What readers need: the SDK reads through this alone. */
export interface RegistryReader {
  /** Where it reads from, without credentials. */
  readonly url: string;
  /** The object, or undefined when it does not exist. */
  get(key: string): Promise<StoredObject | undefined>;
  /**
   * Optional capability: re-reads an object the caller holds with `etag`, sending no body when it is unchanged
   * (HTTP: a conditional GET answered 304). Without it, revalidate() (conditional.ts) reads and compares ETags.
   */
  getIfChanged?(key: string, etag: string): Promise<Revalidation>;
  /**
   * Optional capability: every key that starts with `prefix`, sorted. Every store has it; a reader over HTTP,
   * which cannot list, does not.
   */
  list?(prefix: string): Promise<string[]>;
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
  /**
   * Optional capability: `swap`, with the object as the caller read it instead of its ETag; writes only if the
   * object still holds those bytes (null: only if it does not exist). For a store that compares the bytes without
   * hashing them (the folder), so that a command changing a pointer computes no ETag (issue 15).
   */
  swapRead?(key: string, body: Uint8Array, read: StoredObject | null, options: WriteOptions): Promise<SwapResult>;
  /** Removes an object; a missing one is not an error. Only for objects nothing points to any more. */
  delete(key: string): Promise<void>;
}
