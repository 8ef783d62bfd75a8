import { link, open, readdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { backoff } from "../concurrency.ts";
import { InvalidNameError, PromptSyncError } from "../errors.ts";
import { bodyLimitOf } from "../formats/layout.ts";
import { ConfinedFolder, ifMissing } from "./confined-folder.ts";
import { folderFailure, type FolderOperation } from "./folder-errors.ts";
import { checkRegistryKey, checkRegistryPrefix, registryKeyProblem } from "./key.ts";
import type { RegistryStore, StoredObject, SwapResult } from "./types.ts";

const LOCK_STALE_MS = 30_000;
const LOCK_TIMEOUT_MS = 60_000;

/**
 * A registry in a local folder: the embedded default. Writes go to a hidden temporary file first, so a reader
 * never sees a partial object; create-only writes publish it with link() (which fails if the name exists), and
 * pointer swaps hold a lock file while they compare and rename (a swap expecting no object is a create-only
 * write: link() decides it without the lock, and a swap under the lock only ever replaces an existing file). Symbolic links that leave the folder are not
 * followed, for reads or writes (see ConfinedFolder). What the file system refuses (permissions, a full disk, a
 * file where a folder belongs) is a PromptSyncError naming the path (folder-errors.ts).
 */
export class FolderStore implements RegistryStore {
  readonly url: string;
  readonly root: string;
  private readonly folder: ConfinedFolder;

  constructor(root: string) {
    this.root = root;
    this.url = `file://${root}`;
    this.folder = new ConfinedFolder(root);
  }

  private path(key: string): string {
    const segments = checkRegistryKey(key).split("/");
    // Hidden names are this driver's temporary and lock files.
    if (segments.some((s) => s.startsWith("."))) throw new InvalidNameError("key", key, 'a folder registry key has no segment starting with "."');
    return join(this.root, ...segments);
  }

  get(key: string): Promise<StoredObject | undefined> {
    return this.guarded("read", async () => {
      const file = await this.folder.readFile(key, this.path(key), bodyLimitOf(key));
      return file && stored(file.body, file.modified);
    });
  }

  async head(key: string): Promise<{ etag: string; size: number } | undefined> {
    const object = await this.get(key);
    return object && { etag: object.etag, size: object.body.byteLength };
  }

  list(prefix: string): Promise<string[]> {
    return this.guarded("list", async () => {
      const slash = checkRegistryPrefix(prefix).lastIndexOf("/");
      const base = slash < 0 ? this.root : this.path(prefix.slice(0, slash));
      if ((await this.folder.realPathOf(prefix, base)) === undefined) return [];
      const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(ifMissing([]));
      return entries
        .filter((e) => e.isFile() && !e.name.startsWith("."))
        .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join("/"))
        .filter((key) => key.startsWith(prefix) && registryKeyProblem(key) === undefined && !key.split("/").some((s) => s.startsWith(".")))
        .sort();
    });
  }

  create(key: string, body: Uint8Array): Promise<boolean> {
    return this.guarded("write", async () => {
      const target = this.path(key);
      await this.folder.prepareFolder(key, dirname(target));
      const temp = await this.writeTemp(target, body);
      try {
        await link(temp, target);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
      } finally {
        await unlink(temp).catch(() => undefined);
      }
    });
  }

  swap(key: string, body: Uint8Array, expectedEtag: string | null): Promise<SwapResult> {
    return this.swapIf(key, body, expectedEtag === null ? null : (current) => current.etag === expectedEtag);
  }

  swapRead(key: string, body: Uint8Array, read: StoredObject | null): Promise<SwapResult> {
    return this.swapIf(key, body, read === null ? null : (current) => Buffer.compare(current.body, read.body) === 0);
  }

  /** Replaces the object if `unchanged` says the current one is still the caller's (null: creates it). */
  private swapIf(key: string, body: Uint8Array, unchanged: ((current: StoredObject) => boolean) | null): Promise<SwapResult> {
    return this.guarded("write", async () => {
      if (unchanged === null) return (await this.create(key, body)) ? swapped(body) : { ok: false };
      const target = this.path(key);
      await this.folder.prepareFolder(key, dirname(target));
      const release = await acquireLock(`${join(dirname(target), `.${key.slice(key.lastIndexOf("/") + 1)}`)}.lock`);
      try {
        const current = await this.get(key);
        if (!current || !unchanged(current)) return { ok: false };
        const temp = await this.writeTemp(target, body);
        await rename(temp, target);
        return swapped(body);
      } finally {
        await release();
      }
    });
  }

  delete(key: string): Promise<void> {
    return this.guarded("delete", async () => {
      const target = this.path(key);
      if ((await this.folder.realPathOf(key, dirname(target))) === undefined) return;
      await unlink(target).catch(ifMissing(undefined));
    });
  }

  /** Runs one operation; what the file system refuses comes out as a PromptSyncError naming the path. */
  private async guarded<T>(operation: FolderOperation, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw folderFailure(error, operation, this.root);
    }
  }

  /**
   * Beside `target`, in a folder already prepared. The name needs to be unique, not secret: "wx" creates it only if
   * nothing is there (a link included), and another name is tried if something is.
   */
  private async writeTemp(target: string, body: Uint8Array): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const temp = join(dirname(target), `.${process.pid.toString(36)}-${(++temporaries).toString(36)}-${Math.random().toString(36).slice(2, 10)}.tmp`);
      try {
        await writeFile(temp, body, { flush: true, flag: "wx" });
        return temp;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt === TEMPORARY_NAME_ATTEMPTS) throw error;
      }
    }
  }
}

let temporaries = 0;
const TEMPORARY_NAME_ATTEMPTS = 5;

/** A swap's result; the new ETag is computed when asked for. */
function swapped(body: Uint8Array): SwapResult {
  let etag: string | undefined;
  return {
    ok: true,
    get etag() {
      return (etag ??= etagOf(body));
    },
  };
}

/** The object as read; its ETag (a hash of the bytes) is computed when asked for. */
function stored(body: Uint8Array, modified: Date): StoredObject {
  let etag: string | undefined;
  return {
    body,
    modified,
    get etag() {
      return (etag ??= etagOf(body));
    },
  };
}

/**
 * The quoted SHA-256 of the bytes. node:crypto is loaded on first use (about 11 ms): a command that reads and
 * swaps a few pointers (swapRead) never needs it.
 */
export function etagOf(body: Uint8Array): string {
  return `"${process.getBuiltinModule("node:crypto").createHash("sha256").update(body).digest("hex")}"`;
}

/** An exclusive lock file (O_EXCL); a lock older than LOCK_STALE_MS is from a crashed writer and is taken over. */
async function acquireLock(path: string): Promise<() => Promise<void>> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.close();
      return () => unlink(path).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > LOCK_STALE_MS) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() - started > LOCK_TIMEOUT_MS) {
      throw new PromptSyncError("POINTER_CONFLICT", `Timed out waiting for the lock ${path}`, {
        suggestion: "If no other promptsync process is running, delete the lock file.",
      });
    }
    await backoff(attempt, 1, 50);
  }
}
