import { constants, mkdir, open, realpath, type FileHandle } from "node:fs/promises";
import { dirname, sep } from "node:path";
import { InvalidBundleError } from "../errors.ts";
import type { BodyLimit } from "../formats/layout.ts";
import { tooLarge } from "./body-limit.ts";

/**
 * Files below a root folder, never reached through a symbolic link that leaves it. Paths are resolved with
 * realpath() and must stay inside the root's real path; links that stay inside are followed, so a registry or
 * cache may be arranged with links. The final open uses O_NOFOLLOW, so a file swapped for a link after the check
 * is refused too. (A folder swapped for a link between the check and the open is not: whoever can do that can
 * already write the registry itself.)
 */
export class ConfinedFolder {
  readonly root: string;
  private realRoot: string | undefined;

  constructor(root: string) {
    this.root = root;
  }

  /**
   * The file's bytes, or undefined when nothing (or a folder) is there. Throws InvalidBundleError for a path
   * that leaves the root and for a file over `limit`, which is refused by its size before it is read.
   */
  async read(key: string, path: string, limit: BodyLimit): Promise<Uint8Array | undefined> {
    return (await this.readFile(key, path, limit))?.body;
  }

  /** As `read`, with the file's mtime from the same open (no second lookup of the path). */
  async readFile(key: string, path: string, limit: BodyLimit): Promise<{ body: Uint8Array; modified: Date } | undefined> {
    const real = await this.realPathOf(key, path);
    if (real === undefined) return undefined;
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch(notFollowed(key));
    if (!handle) return undefined;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return undefined;
      if (stats.size > limit.bytes) throw tooLarge(key, limit);
      return { body: await readUpTo(handle, key, stats.size, limit), modified: stats.mtime };
    } finally {
      await handle.close();
    }
  }

  /** Creates the folder `dir` (below the root) for a write, refusing one that is, or would be, outside the root. */
  async prepareFolder(key: string, dir: string): Promise<void> {
    if ((await this.realPathOf(key, dir)) !== undefined) return;
    // mkdir -p would follow a link among the existing ancestors: check the deepest existing one first.
    let existing = dir;
    while (existing !== this.root && dirname(existing) !== existing) {
      existing = dirname(existing);
      if ((await this.realPathOf(key, existing)) !== undefined) break;
    }
    await mkdir(dir, { recursive: true });
    if ((await this.realPathOf(key, dir)) === undefined) throw escapes(key);
  }

  /** The real path of `path` when it exists inside the root; undefined when it does not exist. */
  async realPathOf(key: string, path: string): Promise<string | undefined> {
    const root = await this.rootPath();
    if (root === undefined) return undefined;
    const real = await realpath(path).catch(notFollowed(key));
    if (real === undefined) return undefined;
    if (real !== root && !real.startsWith(root + sep)) throw escapes(key);
    return real;
  }

  private async rootPath(): Promise<string | undefined> {
    this.realRoot ??= await realpath(this.root).catch(ifMissing(undefined));
    return this.realRoot;
  }
}

/**
 * Reads the file into a buffer sized by its stat, one byte larger so that the end shows in one pass; a file that
 * grew since (folder writes rename whole files, so only a foreign writer) is read on, never past the limit.
 */
async function readUpTo(handle: FileHandle, key: string, size: number, limit: BodyLimit): Promise<Uint8Array> {
  let buffer = Buffer.allocUnsafe(size + 1);
  let filled = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) return buffer.subarray(0, filled);
    filled += bytesRead;
    if (filled > limit.bytes) throw tooLarge(key, limit);
    if (filled === buffer.length) {
      const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit.bytes + 1));
      buffer.copy(larger);
      buffer = larger;
    }
  }
}

/** Missing is undefined; a link loop, or a link put in place after the check (O_NOFOLLOW), is refused. */
function notFollowed(key: string) {
  return (error: NodeJS.ErrnoException): undefined => {
    if (error.code === "ELOOP") throw escapes(key);
    return ifMissing(undefined)(error);
  };
}

function escapes(key: string): InvalidBundleError {
  return new InvalidBundleError(key, "it is reached through a symbolic link that leaves the folder (or loops), and such links are not followed");
}

export function ifMissing<T>(value: T) {
  return (error: NodeJS.ErrnoException): T => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return value;
    throw error;
  };
}
