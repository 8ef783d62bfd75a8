import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { mapLimit } from "../concurrency.ts";
import { PromptSyncError } from "../errors.ts";
import type { RegistryStore, WriteOptions } from "../storage/types.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
};

/** Pages change with every rebuild; Astro's hashed assets under _astro/ never do. */
export function siteHeaders(path: string): WriteOptions {
  const contentType = TYPES[extname(path)] ?? "application/octet-stream";
  const cacheControl = path.startsWith("_astro/") ? "public, max-age=31536000, immutable" : "public, max-age=60, stale-while-revalidate=300";
  return { contentType, cacheControl };
}

/** Publishes a built site: every file replaces what is there (compare-and-swap on the ETag just read). */
export async function uploadSite(outDir: string, store: RegistryStore): Promise<{ files: number }> {
  const entries = (await readdir(outDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const paths = entries.map((e) => relative(outDir, join(e.parentPath, e.name)).split(sep).join("/"));
  await mapLimit(paths, 16, async (path) => {
    const body = new Uint8Array(await readFile(join(outDir, path)));
    const current = await store.head(path);
    const result = await store.swap(path, body, current?.etag ?? null, siteHeaders(path));
    if (!result.ok) {
      throw new PromptSyncError("POINTER_CONFLICT", `${path} changed during the upload`, { suggestion: "Another upload ran at the same time; run this one again." });
    }
  });
  return { files: paths.length };
}
