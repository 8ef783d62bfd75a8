import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PromptSyncError } from "../errors.ts";
import { redactUrl } from "../redact.ts";

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
