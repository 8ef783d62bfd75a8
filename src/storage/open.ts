import { PromptSyncError } from "../errors.ts";
import { redactUrl } from "../redact.ts";
import { FolderStore } from "./folder.ts";
import { HttpReader, type HttpReaderOptions } from "./http.ts";
import type { S3StoreOptions } from "./s3-settings.ts";
import type { RegistryReader, RegistryStore } from "./types.ts";
import type { RegistryLocation } from "./location.ts";

export { parseRegistryLocation, type RegistryLocation } from "./location.ts";

export interface OpenOptions extends HttpReaderOptions {
  /** Settings of an s3:// registry (endpoint, region, …). */
  s3?: Omit<S3StoreOptions, "url">;
}

/** A read-only view of a registry, for the SDK and for read commands. */
export async function openReader(location: RegistryLocation, options: OpenOptions = {}): Promise<RegistryReader> {
  if (location.kind === "folder") return new FolderStore(location.path);
  if (location.kind === "http") return new HttpReader(location.url, options);
  return openS3(location.url, options);
}

/** A writable registry, for push and alias commands. */
export async function openStore(location: RegistryLocation, options: OpenOptions = {}): Promise<RegistryStore> {
  if (location.kind === "folder") return new FolderStore(location.path);
  if (location.kind === "http") {
    throw new PromptSyncError("REGISTRY_READ_ONLY", `${redactUrl(location.url)} is read-only: HTTP registries cannot be written`, {
      suggestion: "Write to the folder or bucket behind it with --registry file://… or s3://….",
    });
  }
  return openS3(location.url, options);
}

/** Loaded on demand: the SDK reads folders and HTTP without loading the AWS SDK. */
async function openS3(url: string, options: OpenOptions): Promise<RegistryStore> {
  const { S3Store } = await import("./s3.ts");
  return new S3Store({ ...options.s3, url });
}
