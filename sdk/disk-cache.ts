import { createHash, randomBytes } from "node:crypto";
import { rename, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { bodyLimitOf, type BodyLimit } from "../src/formats/layout.ts";
import { ConfinedFolder } from "../src/storage/confined-folder.ts";
import { checkRegistryKey } from "../src/storage/key.ts";

/**
 * Prompt versions kept on disk across restarts. Entries are written to a temporary file and renamed, so a
 * crash never leaves a half-written entry under its real name; the caller still validates what it reads and
 * calls `discard` for anything corrupt. Every path is a checked registry key below cacheDir, and symbolic links
 * out of cacheDir are neither read nor written through: such an entry is simply not cached.
 */
export class DiskCache {
  private readonly base: string;
  private readonly folder: ConfinedFolder;

  constructor(cacheDir: string, registryUrl: string) {
    // One folder per registry, so two registries never share entries.
    this.base = join(cacheDir, createHash("sha256").update(registryUrl).digest("hex").slice(0, 16));
    this.folder = new ConfinedFolder(cacheDir);
  }

  private path(key: string): string {
    return join(this.base, ...checkRegistryKey(key).split("/"));
  }

  async read(key: string, limit: BodyLimit = bodyLimitOf(key)): Promise<Uint8Array | undefined> {
    try {
      return await this.folder.read(key, this.path(key), limit);
    } catch {
      return undefined;
    }
  }

  /** Best effort: a cache that cannot be written must never fail the app. */
  async write(key: string, body: Uint8Array): Promise<void> {
    let temp: string | undefined;
    try {
      const target = this.path(key);
      await this.folder.prepareFolder(key, dirname(target));
      temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(temp, body, { flag: "wx" });
      await rename(temp, target);
    } catch {
      if (temp) await unlink(temp).catch(() => undefined);
    }
  }

  /** A pointer as last read from the registry, with when; undefined (and discarded) when missing or corrupt. */
  async readPointer(key: string): Promise<CachedPointer | undefined> {
    const bytes = await this.read(pointerKey(key), pointerEntryLimit(key));
    if (!bytes) return undefined;
    try {
      const entry = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Partial<StoredPointer>;
      if (typeof entry.etag !== "string" || typeof entry.checkedAt !== "number" || typeof entry.body !== "string") throw new Error("corrupt");
      return { etag: entry.etag, checkedAt: entry.checkedAt, body: new TextEncoder().encode(entry.body) };
    } catch {
      await this.discard(pointerKey(key));
      return undefined;
    }
  }

  async writePointer(key: string, pointer: CachedPointer): Promise<void> {
    const stored: StoredPointer = { etag: pointer.etag, checkedAt: pointer.checkedAt, body: new TextDecoder().decode(pointer.body) };
    await this.write(pointerKey(key), new TextEncoder().encode(JSON.stringify(stored)));
  }

  async discardPointer(key: string): Promise<void> {
    await this.discard(pointerKey(key));
  }

  /** The highest revision of a pointer verified so far; 0 when none was. */
  async readRevision(key: string): Promise<number> {
    const bytes = await this.read(revisionKey(key), { kind: "verified revision", bytes: 64 });
    const revision = bytes && Number(new TextDecoder().decode(bytes));
    return Number.isSafeInteger(revision) ? (revision as number) : 0;
  }

  async writeRevision(key: string, revision: number): Promise<void> {
    await this.write(revisionKey(key), new TextEncoder().encode(String(revision)));
  }

  async discard(key: string): Promise<void> {
    try {
      const target = this.path(key);
      if ((await this.folder.realPathOf(key, dirname(target))) !== undefined) await unlink(target);
    } catch {
      // Nothing there, or nothing this cache may touch.
    }
  }
}

interface CachedPointer {
  etag: string;
  /** When the registry last confirmed it (ms since the epoch). */
  checkedAt: number;
  body: Uint8Array;
}

interface StoredPointer {
  etag: string;
  checkedAt: number;
  body: string;
}

/** Pointers live apart from immutable content, which is stored under its own key. */
function pointerKey(key: string): string {
  return `_pointers/${key}`;
}

/** Kept apart from the pointer entry, which is discarded when the alias is deleted: the revision must not be. */
function revisionKey(key: string): string {
  return `_revisions/${key}`;
}

/** The pointer's own limit, doubled for JSON string escaping, plus room for the ETag and time. */
function pointerEntryLimit(key: string): BodyLimit {
  const limit = bodyLimitOf(key);
  return { kind: limit.kind, bytes: 2 * limit.bytes + 4096 };
}
