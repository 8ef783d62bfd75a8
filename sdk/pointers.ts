import { AliasNotFoundError, isUnavailable, SourcesUnavailableError, VersionNotFoundError, type PromptSyncError, type SourceAttempt } from "../src/errors.ts";
import { decodeJson } from "../src/formats/codec.ts";
import { validateAlias, validateProjectIndex } from "../src/formats/validate-pointers.ts";
import { layout } from "../src/formats/layout.ts";
import { isValidAliasName } from "../src/formats/names.ts";
import { LATEST } from "../src/registry/read.ts";
import { revalidate } from "../src/storage/conditional.ts";
import type { RegistryReader } from "../src/storage/types.ts";
import { compareVersions, newestVersion } from "../src/formats/version.ts";
import { deepObjectError } from "../src/formats/refuse-deep.ts";
import type { DiskCache } from "./disk-cache.ts";
import type { Verifier } from "./verifier.ts";

/** What an alias (or `latest`) points to, as this process last saw it. */
interface PointerState {
  version: string;
  /** The alias, when the reference was one. */
  alias: string | undefined;
  etag: string;
  body: Uint8Array;
  /** When the registry last confirmed this pointer (ms since the epoch). */
  checkedAt: number;
  /** The registry could not be asked (or answered invalidly) when it was due: this may be out of date. */
  stale: boolean;
  /** A canary running on the alias. */
  canary: { version: string; percentage: number; salt: string } | undefined;
}

interface PointerCacheOptions {
  project: string;
  network: RegistryReader;
  snapshot: RegistryReader | undefined;
  disk: DiskCache | undefined;
  now: () => number;
  memoryTtlMs: number;
  fileTtlMs: number;
  /** How long the first use of a pointer from disk waits for the registry to confirm it. */
  startupRevalidationMs: number;
  strategy: "background" | "on-demand" | "none";
  /**
   * Called before a pointer in use switches version: loads the new version's prompts that are in use, so callers
   * move from the old content to the new at once. Throwing keeps the old version.
   */
  prepare: (ref: string, versions: string[]) => Promise<void>;
  /** Set when pointers must be signed by a trusted key. */
  verifier: Verifier | undefined;
  /** Called after a refresh moved a pointer in use: another version, or a canary started, moved, changed or ended. */
  changed: (ref: string, from: PointerState, to: PointerState) => void;
}

/**
 * Aliases and `latest`, cached with stale-while-revalidate. Revalidation is a conditional GET of the pointer
 * (one small request per alias in use, whatever the number of prompts), one at a time per pointer. A tombstone
 * or a 404 says the alias was deleted and is no longer served; when verifying, only a signed tombstone does, and
 * a 404 is refused like any unsigned answer. Network errors, 5xx, invalid or refused answers, and a new version
 * whose content cannot be loaded keep the last good pointer, marked stale. Verification runs here, on fetch,
 * never when a cached pointer is served.
 */
export class PointerCache {
  private readonly options: PointerCacheOptions;
  private readonly entries = new Map<string, PointerState>();
  private readonly inFlight = new Map<string, Promise<PointerState>>();

  constructor(options: PointerCacheOptions) {
    this.options = options;
  }

  /** The references resolved so far, for the periodic refresh. */
  refs(): string[] {
    return [...this.entries.keys()];
  }

  peek(ref: string): PointerState | undefined {
    return this.entries.get(ref);
  }

  resolve(ref: string): PointerState | Promise<PointerState> {
    const entry = this.entries.get(ref);
    if (!entry) return this.refresh(ref);
    const { now, memoryTtlMs, strategy } = this.options;
    if (now() - entry.checkedAt < memoryTtlMs || strategy === "none") return entry;
    if (strategy === "on-demand") return this.refresh(ref);
    if (!this.inFlight.has(ref)) this.refresh(ref).catch(() => undefined);
    return entry;
  }

  /** Re-reads the pointer now; concurrent callers share one request. */
  refresh(ref: string): Promise<PointerState> {
    return this.inFlight.get(ref) ?? this.share(ref, this.fetch(ref));
  }

  /** Registers a request for ref until it settles (unless another took its place meanwhile). */
  private share(ref: string, request: Promise<PointerState>): Promise<PointerState> {
    const running: Promise<PointerState> = request.finally(() => {
      if (this.inFlight.get(ref) === running) this.inFlight.delete(ref);
    });
    this.inFlight.set(ref, running);
    return running;
  }

  private async fetch(ref: string): Promise<PointerState> {
    const key = this.key(ref);
    const current = this.entries.get(ref);
    if (current) return this.revalidate(ref, key, current, false);
    const disk = await this.fromDisk(ref, key);
    return disk ? this.startUp(ref, key, disk) : this.revalidate(ref, key, undefined, false);
  }

  /**
   * The first use in this process of a pointer kept on disk: the registry is asked whether it moved (a conditional
   * request), waiting at most startupRevalidationMs. When it does not answer in time, the disk pointer is served and
   * the request goes on, switching the pointer when it answers.
   */
  private async startUp(ref: string, key: string, disk: PointerState): Promise<PointerState> {
    let settled = false;
    const request = this.revalidate(ref, key, disk, true).finally(() => {
      settled = true;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, this.options.startupRevalidationMs, undefined);
    });
    try {
      const answer = await Promise.race([request, late]);
      if (answer) return answer;
    } finally {
      clearTimeout(timer);
    }
    // Answered as the time ran out: that answer (it may have forgotten a deleted alias).
    if (settled) return request;
    // Too slow: the disk pointer now, the answer when it comes (one request: later refreshes share it).
    this.share(ref, request).catch(() => undefined);
    return this.keep(ref, { ...disk, stale: this.expired(disk) });
  }

  /** A pointer from disk older than fileTtl, which the registry has not confirmed since. */
  private expired(state: PointerState): boolean {
    return this.options.now() - state.checkedAt >= this.options.fileTtlMs;
  }

  private async revalidate(ref: string, key: string, current: PointerState | undefined, fromDisk: boolean): Promise<PointerState> {
    const { now, verifier } = this.options;
    try {
      const result = await revalidate(this.options.network, key, current?.etag);
      if (result.status === "missing") {
        // Whoever stands between the bucket and the app can answer 404: it proves nothing.
        if (verifier) verifier.refuse(key, "the registry answered 404, and only a signed tombstone says an alias was deleted");
        return await this.forget(ref, key);
      }
      if (result.status === "unchanged") {
        // Same pointer, but its signed expiry may have passed since it was verified.
        if (verifier) await this.read(ref, key, current!.body, current!.etag, now());
        return await this.keep(ref, { ...current!, checkedAt: now(), stale: false }, true);
      }
      const next = await this.read(ref, key, result.object.body, result.object.etag, now());
      if (!next) return await this.forget(ref, key);
      if (ref === LATEST && current && compareVersions(next.version, current.version) < 0) {
        verifier?.refuse(key, `its newest version ${next.version} is older than ${current.version}, already verified: a replayed index`);
      }
      const moved = next.version !== current?.version || next.canary?.version !== current?.canary?.version;
      const inUse = this.entries.has(ref);
      if (inUse && moved) await this.options.prepare(ref, [next.version, ...(next.canary ? [next.canary.version] : [])]);
      const kept = await this.keep(ref, next, true);
      if (inUse && current && (moved || next.canary?.percentage !== current.canary?.percentage)) this.options.changed(ref, current, next);
      return kept;
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      // A pointer from disk within fileTtl is served unmarked, as before the registry was asked.
      if (fromDisk && current && !this.expired(current)) return this.keep(ref, current);
      return this.keepServing(ref, key, current, error);
    }
  }

  /** The alias was deleted: it is no longer served, from memory or disk. */
  private async forget(ref: string, key: string): Promise<never> {
    this.entries.delete(ref);
    await this.options.disk?.discardPointer(key);
    throw this.notFound(ref);
  }

  /** The registry cannot answer: the last good pointer (marked stale), else the snapshot's, else a SourcesUnavailableError. */
  private async keepServing(ref: string, key: string, current: PointerState | undefined, error: unknown): Promise<PointerState> {
    if (current) return this.keep(ref, { ...current, stale: true });
    const attempts: SourceAttempt[] = [{ source: "network", error: (error as Error).message }];
    const { snapshot } = this.options;
    if (snapshot) {
      try {
        const object = await snapshot.get(key);
        const state = object && (await this.read(ref, key, object.body, object.etag, 0));
        if (state) return this.keep(ref, { ...state, stale: true });
        attempts.push({ source: "snapshot", error: object ? `${ref} was deleted when the snapshot was taken` : `${ref} is not in the snapshot` });
      } catch (snapshotError) {
        attempts.push({ source: "snapshot", error: (snapshotError as Error).message });
      }
    }
    throw new SourcesUnavailableError(`"${ref}"`, attempts, error);
  }

  private async keep(ref: string, state: PointerState, persist = false): Promise<PointerState> {
    this.entries.set(ref, state);
    if (persist) await this.options.disk?.writePointer(this.key(ref), state);
    return state;
  }

  /** The pointer kept on disk, verified again: a file changed in cacheDir is discarded. */
  private async fromDisk(ref: string, key: string): Promise<PointerState | undefined> {
    const cached = await this.options.disk?.readPointer(key);
    if (!cached) return undefined;
    try {
      const state = await this.read(ref, key, cached.body, cached.etag, cached.checkedAt);
      if (state) return state;
    } catch {
      // Discarded below.
    }
    await this.options.disk?.discardPointer(key);
    return undefined;
  }

  /** The pointer's state, checked against the trusted keys when verifying; undefined for a tombstone. */
  private async read(ref: string, key: string, body: Uint8Array, etag: string, checkedAt: number): Promise<PointerState | undefined> {
    try {
      return await this.decode(ref, key, body, etag, checkedAt);
    } catch (error) {
      // A pointer nested too deeply for checking or hashing is refused like any malformed one.
      throw deepObjectError(key, error);
    }
  }

  private async decode(ref: string, key: string, body: Uint8Array, etag: string, checkedAt: number): Promise<PointerState | undefined> {
    const { verifier, now } = this.options;
    if (ref === LATEST) {
      const index = decodeJson(body, key, validateProjectIndex);
      verifier?.index(key, index);
      const version = newestVersion(index.versions.map((v) => v.version));
      if (!version) throw new VersionNotFoundError(LATEST, this.options.project);
      return { version, alias: undefined, etag, body, checkedAt, stale: false, canary: undefined };
    }
    const pointer = decodeJson(body, key, validateAlias);
    await verifier?.alias(key, pointer, ref, now());
    if (pointer.deleted) return undefined;
    const canary = pointer.canary && { version: pointer.canary.version, percentage: pointer.canary.percentage, salt: pointer.canary.salt };
    return { version: pointer.version, alias: ref, etag, body, checkedAt, stale: false, canary };
  }

  private key(ref: string): string {
    if (ref === LATEST) return layout.index(this.options.project);
    if (!isValidAliasName(ref)) throw this.notFound(ref);
    return layout.alias(this.options.project, ref);
  }

  private notFound(ref: string): PromptSyncError {
    return ref === LATEST ? new VersionNotFoundError(LATEST, this.options.project) : new AliasNotFoundError(ref, this.options.project);
  }
}
