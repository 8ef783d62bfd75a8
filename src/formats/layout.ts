/**
 * The registry layout: every key PromptSync reads or writes, built here and nowhere else (and read back here:
 * signedObjectKey, the body limits, the pointer rule). docs/registry-format.md documents it.
 *
 * prompts/{project}/_index.json                                   pointer   project summary
 * prompts/{project}/_claims/{version}.json                        immutable a push's claim on a version
 * prompts/{project}/_releases/{version}.json                      immutable release manifest, written last
 * prompts/{project}/_bundles/{version}.json                       immutable every compiled prompt of the version
 * prompts/{project}/_interfaces/{commit}.json                     immutable the prompts' interface at a git commit
 * prompts/{project}/_signatures/{version}/{keyid}.json            immutable one key's signature of a release manifest
 * prompts/{project}/aliases/{alias}.json                          pointer   alias → version
 * prompts/{project}/{prompt}/metadata.json                        pointer   the prompt's version history
 * prompts/{project}/{prompt}/{version}/default.yaml               immutable compiled prompt, variants included
 * prompts/{project}/{prompt}/{version}/variants/{variant}.yaml    immutable one variant alone
 * prompts/_probe/{uuid}                                           (deleted) the S3 driver's conditional-write probe
 *
 * Beside prompts/: telemetry/ (telemetryLayout, below) and, in an s3:// registry, the dashboard `site build
 * --upload` publishes under _dashboard/ (DASHBOARD_ROOT).
 */

/** The registry proper: the only prefix a `--public-read` bucket policy opens and `promptsync serve` serves. */
export const REGISTRY_ROOT = "prompts/";
/** Telemetry, beside the registry and never public. */
export const TELEMETRY_ROOT = "telemetry/";
/** Where `site build --upload` publishes the dashboard by default, beside prompts/ in an s3:// registry. */
export const DASHBOARD_ROOT = "_dashboard/";

const root = (project: string) => `${REGISTRY_ROOT}${project}`;

export const layout = {
  project: (project: string) => `${root(project)}/`,
  index: (project: string) => `${root(project)}/_index.json`,
  claims: (project: string) => `${root(project)}/_claims/`,
  claim: (project: string, version: string) => `${root(project)}/_claims/${version}.json`,
  releases: (project: string) => `${root(project)}/_releases/`,
  release: (project: string, version: string) => `${root(project)}/_releases/${version}.json`,
  signatures: (project: string) => `${root(project)}/_signatures/`,
  releaseSignatures: (project: string, version: string) => `${root(project)}/_signatures/${version}/`,
  releaseSignature: (project: string, version: string, keyId: string) => `${root(project)}/_signatures/${version}/${keyId}.json`,
  bundle: (project: string, version: string) => `${root(project)}/_bundles/${version}.json`,
  commitInterface: (project: string, commit: string) => `${root(project)}/_interfaces/${commit}.json`,
  aliases: (project: string) => `${root(project)}/aliases/`,
  alias: (project: string, alias: string) => `${root(project)}/aliases/${alias}.json`,
  promptMetadata: (project: string, prompt: string) => `${root(project)}/${prompt}/metadata.json`,
  promptDefault: (project: string, prompt: string, version: string) => `${root(project)}/${prompt}/${version}/default.yaml`,
  promptVariant: (project: string, prompt: string, version: string, variant: string) =>
    `${root(project)}/${prompt}/${version}/variants/${variant}.yaml`,
  /** The S3 driver's create-only probe: `_` cannot start a project ID, so it never collides with a registry key. */
  storeProbe: (id: string) => `${REGISTRY_ROOT}_probe/${id}`,
};

/** Keys of the registry proper (prompts/), as against telemetry beside it. */
export function isRegistryKey(key: string): boolean {
  return key.startsWith(REGISTRY_ROOT);
}

export function isTelemetryKey(key: string): boolean {
  return key.startsWith(TELEMETRY_ROOT);
}

/** What a registry key holds, read back from the key: the inverse of `layout` for the objects signing covers. */
export type SignedObjectKey =
  | { kind: "alias"; project: string; alias: string }
  | { kind: "index"; project: string }
  | { kind: "manifest"; project: string; version: string }
  | { kind: "bundle"; project: string; version: string }
  | { kind: "prompt"; project: string; name: string; version: string }
  | { kind: "variant"; project: string; name: string; version: string; variant: string };

const SIGNED_KEYS: readonly [RegExp, (m: string[]) => SignedObjectKey][] = [
  [/^prompts\/([^/]+)\/aliases\/([^/]+)\.json$/, ([, project, alias]) => ({ kind: "alias", project: project!, alias: alias! })],
  [/^prompts\/([^/]+)\/_index\.json$/, ([, project]) => ({ kind: "index", project: project! })],
  [/^prompts\/([^/]+)\/_releases\/([^/]+)\.json$/, ([, project, version]) => ({ kind: "manifest", project: project!, version: version! })],
  [/^prompts\/([^/]+)\/_bundles\/([^/]+)\.json$/, ([, project, version]) => ({ kind: "bundle", project: project!, version: version! })],
  [/^prompts\/([^/]+)\/(.+)\/([^/]+)\/default\.yaml$/, ([, project, name, version]) => ({ kind: "prompt", project: project!, name: name!, version: version! })],
  [
    /^prompts\/([^/]+)\/(.+)\/([^/]+)\/variants\/([^/]+)\.yaml$/,
    ([, project, name, version, variant]) => ({ kind: "variant", project: project!, name: name!, version: version!, variant: variant! }),
  ],
];

/** The signed object a key names, or undefined for objects that are not signed (histories, claims, interfaces, signatures). */
export function signedObjectKey(key: string): SignedObjectKey | undefined {
  for (const [pattern, make] of SIGNED_KEYS) {
    const match = pattern.exec(key);
    if (match) return make(match);
  }
  return undefined;
}

/** `prompts/p/_releases/v1.2.0.json` → `v1.2.0`, for listings. */
export function versionFromKey(key: string): string {
  const file = key.slice(key.lastIndexOf("/") + 1);
  return file.replace(/\.json$/, "");
}

interface ObjectHeaders {
  contentType: string;
  cacheControl: string;
}

export const CACHE_CONTROL = {
  /** Content under a version never changes. */
  immutable: "public, max-age=31536000, immutable",
  /** Pointers move; a CDN may serve a stale one briefly while it revalidates, or longer if the origin fails. */
  pointer: "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400",
  /** Telemetry is never for a CDN. */
  private: "private, no-store",
} as const;

const POINTER = /\/(?:_index\.json|aliases\/[^/]+\.json|metadata\.json)$/;

function isPointerKey(key: string): boolean {
  return POINTER.test(key);
}

export function headersFor(key: string): ObjectHeaders {
  const contentType = key.endsWith(".json")
    ? "application/json; charset=utf-8"
    : key.endsWith(".yaml")
      ? "application/yaml; charset=utf-8"
      : key.endsWith(".gz")
        ? "application/gzip"
        : "application/octet-stream";
  if (isTelemetryKey(key)) return { contentType, cacheControl: CACHE_CONTROL.private };
  return { contentType, cacheControl: isPointerKey(key) ? CACHE_CONTROL.pointer : CACHE_CONTROL.immutable };
}

/**
 * Telemetry, next to the registry but never public (the public-read policy covers prompts/ only):
 *
 * telemetry/{project}/events/dt={YYYY-MM-DD}/hour={HH}/{batch}.ndjson.gz   immutable  a client's batch of events
 * telemetry/{project}/clients/{client}.json                                pointer    the client's last heartbeat
 * telemetry/{project}/analytics/state.json                                 pointer    what analytics build aggregated
 * telemetry/{project}/analytics/prompts/{prompt}/{build}.json              immutable  one prompt's summary
 */
const telemetryRoot = (project: string) => `${TELEMETRY_ROOT}${project}`;

export const telemetryLayout = {
  events: (project: string) => `${telemetryRoot(project)}/events/`,
  /** A partition: the UTC hour a batch was written in, Hive-style so that DuckDB, Athena and Trino read it as columns. */
  partition: (project: string, partition: string) => `${telemetryRoot(project)}/events/${partition}/`,
  clients: (project: string) => `${telemetryRoot(project)}/clients/`,
  client: (project: string, client: string) => `${telemetryRoot(project)}/clients/${client}.json`,
  analyticsState: (project: string) => `${telemetryRoot(project)}/analytics/state.json`,
  summary: (project: string, prompt: string, build: string) => `${telemetryRoot(project)}/analytics/prompts/${prompt}/${build}.json`,
  /** The analytics state of the project a summary key belongs to. */
  analyticsStateOfSummary: (summaryKey: string) => summaryKey.replace(/\/analytics\/prompts\/.*$/, "/analytics/state.json"),
};

/** `dt=2026-11-24/hour=13` for a time: partitions sort in time order. */
export function partitionOf(time: Date): string {
  const iso = time.toISOString();
  return `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export interface BodyLimit {
  /** What the key holds, for error messages. */
  kind: string;
  bytes: number;
}

/**
 * The most bytes a driver reads for each kind of object, so that a hostile or corrupt object cannot exhaust
 * memory. Each is far above what PromptSync writes: pointers grow with their history (an alias change is about
 * 300 bytes), content with the prompts (a 1 MB prompt must load), telemetry with a client's buffer.
 */
const BODY_LIMITS: readonly (BodyLimit & { key: RegExp })[] = [
  { kind: "alias pointer", key: /^prompts\/[^/]+\/aliases\/[^/]+\.json$/, bytes: 4 * MiB },
  { kind: "project index", key: /^prompts\/[^/]+\/_index\.json$/, bytes: 32 * MiB },
  { kind: "version claim", key: /^prompts\/[^/]+\/_claims\/[^/]+\.json$/, bytes: 64 * KiB },
  { kind: "release manifest", key: /^prompts\/[^/]+\/_releases\/[^/]+\.json$/, bytes: 16 * MiB },
  { kind: "release signature", key: /^prompts\/[^/]+\/_signatures\/[^/]+\/[^/]+\.json$/, bytes: 64 * KiB },
  { kind: "release bundle", key: /^prompts\/[^/]+\/_bundles\/[^/]+\.json$/, bytes: 128 * MiB },
  { kind: "commit interface", key: /^prompts\/[^/]+\/_interfaces\/[^/]+\.json$/, bytes: 16 * MiB },
  { kind: "prompt history", key: /^prompts\/.+\/metadata\.json$/, bytes: 8 * MiB },
  { kind: "compiled prompt", key: /^prompts\/.+\/default\.yaml$/, bytes: 16 * MiB },
  { kind: "variant file", key: /^prompts\/.+\/variants\/[^/]+\.yaml$/, bytes: 16 * MiB },
  { kind: "telemetry batch", key: /^telemetry\/[^/]+\/events\//, bytes: 32 * MiB },
  { kind: "heartbeat", key: /^telemetry\/[^/]+\/clients\/[^/]+\.json$/, bytes: 1 * MiB },
  { kind: "analytics state", key: /^telemetry\/[^/]+\/analytics\/state\.json$/, bytes: 64 * MiB },
  { kind: "analytics summary", key: /^telemetry\/[^/]+\/analytics\/prompts\//, bytes: 16 * MiB },
];

const OTHER_OBJECT: BodyLimit = { kind: "registry object", bytes: 16 * MiB };

export function bodyLimitOf(key: string): BodyLimit {
  return BODY_LIMITS.find((limit) => limit.key.test(key)) ?? OTHER_OBJECT;
}

/** `4 MiB`, `64 KiB`: how limits read in messages. */
export function formatBytes(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
}
