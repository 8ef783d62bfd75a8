import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Prompt versions kept on disk across restarts. Entries are written to a temporary file and renamed, so a
 * crash never leaves a half-written entry under its real name; the caller still validates what it reads and
 * calls `discard` for anything corrupt.
 */
export class DiskCache {
  private readonly root: string;

  constructor(cacheDir: string, registryUrl: string) {
    // One folder per registry, so two registries never share entries.
    this.root = join(cacheDir, createHash("sha256").update(registryUrl).digest("hex").slice(0, 16));
  }

  private path(key: string): string {
    return join(this.root, ...key.split("/"));
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    return readFile(this.path(key)).then((b) => new Uint8Array(b), () => undefined);
  }

  /** Best effort: a cache that cannot be written must never fail the app. */
  async write(key: string, body: Uint8Array): Promise<void> {
    const target = this.path(key);
    const temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(temp, body);
      await rename(temp, target);
    } catch {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** A pointer as last read from the registry, with when; undefined (and discarded) when missing or corrupt. */
  async readPointer(key: string): Promise<CachedPointer | undefined> {
    const bytes = await this.read(pointerKey(key));
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

  async discard(key: string): Promise<void> {
    await unlink(this.path(key)).catch(() => undefined);
  }
}

export interface CachedPointer {
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
