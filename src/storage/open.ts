import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PromptSyncError } from "../errors.ts";
import { redactUrl } from "../redact.ts";
import { FolderStore } from "./folder.ts";
import { HttpReader, type HttpReaderOptions } from "./http.ts";
import type { S3StoreOptions } from "./s3-settings.ts";
import type { RegistryReader, RegistryStore } from "./types.ts";

export type RegistryLocation =
  | { kind: "folder"; path: string }
  | { kind: "http"; url: string }
  | { kind: "s3"; url: string };

/** `file://…`, a plain path (relative to `cwd`), `http(s)://…` or `s3://bucket/prefix`. */
export function parseRegistryLocation(registry: string, cwd: string): RegistryLocation {
  if (/^https?:\/\//i.test(registry)) return { kind: "http", url: registry };
  if (/^s3:\/\//i.test(registry)) return { kind: "s3", url: registry };
  if (/^file:\/\//i.test(registry)) {
    // file://relative/path is common in configs; URL parsing would take "relative" as a host.
    const rest = registry.slice("file://".length);
    return { kind: "folder", path: rest.startsWith("/") ? fileURLToPath(`file://${rest}`) : resolve(cwd, rest) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(registry)) {
    throw new PromptSyncError("REGISTRY_UNSUPPORTED", `Unsupported registry URL ${redactUrl(registry)}`, {
      suggestion: "Use a folder path, file://path, http(s)://host/path or s3://bucket/prefix.",
    });
  }
  return { kind: "folder", path: isAbsolute(registry) ? registry : resolve(cwd, registry) };
}

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
