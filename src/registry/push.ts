import { mapLimit } from "../concurrency.ts";
import { InvalidBundleError, PromptSyncError, VersionImmutableError } from "../errors.ts";
import { canonicalJson } from "../formats/canonical.ts";
import { decodeJson, encodeJson, encodeYaml, variantFile } from "../formats/codec.ts";
import { releaseHash } from "../formats/release-hash.ts";
import type {
  CompiledPrompt,
  GitInfo,
  ProjectIndex,
  PromptMetadata,
  ReleaseBundle,
  ReleaseClaim,
  ReleaseManifest,
} from "../formats/types.ts";
import { commitInterface } from "../formats/commit-interface.ts";
import { validatePromptMetadata, validateReleaseClaim, validateReleaseManifest } from "../formats/validate.ts";
import { headersFor, layout, versionFromKey } from "../formats/layout.ts";
import type { SigningSettings } from "../signing/pointers.ts";
import { updatePointer } from "../storage/pointer.ts";
import type { RegistryStore } from "../storage/types.ts";
import { compareVersions, newestVersion, nextVersion, normalizeVersion, type Bump } from "../formats/version.ts";
import { RegistryClient } from "./read.ts";
import { signReleaseOnce } from "./signing.ts";
import { addVersionToIndex, updateIndex } from "./write.ts";

interface PushRequest {
  project: string;
  prompts: readonly CompiledPrompt[];
  /** An explicit version; otherwise the next one after the highest existing version. */
  version?: string;
  /** @default "patch" */
  bump?: Bump;
  /** Create a version even when nothing changed since the latest one. @default false */
  force?: boolean;
  git?: GitInfo;
  now?: Date;
  /** Parallel uploads. @default 16 */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** Signs the release manifest (a signature object beside it) and the index. */
  signing?: SigningSettings;
}

interface PushResult {
  version: string;
  /** created: a new version; unchanged: this exact release already existed at that version. */
  status: "created" | "unchanged";
  releaseHash: string;
  /** Objects written (0 when unchanged). */
  written: number;
}

const MAX_VERSION_CLAIMS = 100;

/**
 * Publishes a release. Order of writes, so that no reader ever sees a partial version and two pushes never
 * share one: claim the version (create-only), write every prompt object (create-only), write the release
 * manifest (create-only: from here on the version exists), then the pointers (history, index).
 */
export async function pushRelease(store: RegistryStore, request: PushRequest): Promise<PushResult> {
  const result = await publishRelease(store, request);
  if (request.git && !request.git.dirty) await recordCommitInterface(store, request.project, request.git.commit, request.prompts);
  return result;
}

/**
 * What the code at this commit expects of its prompts, so that a compatibility check can judge a client's commit
 * without the git repository. Only from a clean checkout: otherwise the files are not the commit's.
 */
async function recordCommitInterface(store: RegistryStore, project: string, commit: string, prompts: readonly CompiledPrompt[]) {
  const key = layout.commitInterface(project, commit);
  const record = commitInterface(project, commit, prompts);
  // Already recorded by an earlier push of the same commit: the same files, the same interface.
  await store.create(key, encodeJson(record), headersFor(key));
}

async function publishRelease(store: RegistryStore, request: PushRequest): Promise<PushResult> {
  const now = request.now ?? new Date();
  const hash = releaseHash(request.prompts);
  const client = new RegistryClient(store, request.project);

  let version: string;
  if (request.version !== undefined) {
    version = normalizeVersion(request.version);
    const existing = await client.manifest(version);
    if (existing) {
      if (existing.releaseHash !== hash) throw new VersionImmutableError(version);
      return unchanged(store, client, existing, request);
    }
    await claimVersion(store, request.project, version, hash, now);
  } else {
    const releases = (await store.list(layout.releases(request.project))).map(versionFromKey);
    const latest = newestVersion(releases);
    if (latest && !request.force) {
      const manifest = await client.manifest(latest);
      if (manifest?.releaseHash === hash) return unchanged(store, client, manifest, request);
    }
    version = await claimNextVersion(store, request.project, hash, request.bump ?? "patch", now, releases);
  }

  const concurrency = request.concurrency ?? 16;
  // Read while the objects upload; the history writes need it only after the manifest.
  const recorded = promptsWithHistory(client);
  const objects = releaseObjects(request.project, version, request.prompts);
  let done = 0;
  await mapLimit(objects, concurrency, async ({ key, encode }) => {
    // Encoded here rather than all up front, so that encoding overlaps the uploads.
    const body = encode();
    if (!(await store.create(key, body, headersFor(key)))) {
      // Left by an interrupted push of this same release: fine if byte-identical.
      const existing = await store.get(key);
      if (!existing || Buffer.compare(existing.body, body) !== 0) throw new VersionImmutableError(version);
    }
    request.onProgress?.(++done, objects.length + 1);
  });

  const manifest: ReleaseManifest = {
    // v2 only when a prompt uses partials, so older readers keep reading every other release.
    format: request.prompts.some((p) => p.partials) ? "promptsync.release/v2" : "promptsync.release/v1",
    project: request.project,
    version,
    createdAt: now.toISOString(),
    ...(request.git && { git: request.git }),
    releaseHash: hash,
    prompts: manifestEntries(request.prompts),
  };
  const manifestKey = layout.release(request.project, version);
  let published = manifest;
  if (!(await store.create(manifestKey, encodeJson(manifest), headersFor(manifestKey)))) {
    // An interrupted push of this release wrote it; what gets signed is the stored manifest, once it is ours.
    const existing = await store.get(manifestKey);
    if (!existing) throw new VersionImmutableError(version);
    published = decodeJson(existing.body, manifestKey, validateReleaseManifest);
    if (!describesThese(published, request.prompts)) throw new VersionImmutableError(version);
  }
  request.onProgress?.(objects.length + 1, objects.length + 1);
  if (request.signing) await signReleaseOnce(store, published, request.signing.signer, now);

  await writeReleasePointers(store, published, request.prompts, request.signing, await recorded, concurrency);
  return { version, status: "created", releaseHash: hash, written: objects.length + 1 };
}

function manifestEntries(prompts: readonly CompiledPrompt[]): ReleaseManifest["prompts"] {
  return Object.fromEntries(
    prompts.map((p) => [p.name, {
      hash: p.hash, kind: p.kind, variants: p.variants.map((v) => ({ id: v.id, tags: v.tags, hash: v.hash })),
      ...(p.partials && { partials: Object.fromEntries(Object.entries(p.partials).map(([name, partial]) => [name, partial.hash])) }),
    }]),
  );
}

/**
 * Whether a stored manifest lists exactly these prompts, content hash by content hash. Its `releaseHash` alone is
 * a claim anyone who can write the bucket can copy: a push must never sign a manifest it did not check.
 */
function describesThese(manifest: ReleaseManifest, prompts: readonly CompiledPrompt[]): boolean {
  return manifest.releaseHash === releaseHash(prompts) && canonicalJson(manifest.prompts) === canonicalJson(manifestEntries(prompts));
}

/**
 * The release already exists. The index is the last pointer a push writes, so when it lacks the version an
 * earlier push stopped after its manifest: finish that push's pointer writes (they are idempotent). A push
 * with a signing key signs the existing release if that key has not yet.
 */
async function unchanged(store: RegistryStore, client: RegistryClient, manifest: ReleaseManifest, request: PushRequest): Promise<PushResult> {
  if (!describesThese(manifest, request.prompts)) {
    throw new InvalidBundleError(layout.release(manifest.project, manifest.version), "its releaseHash is this push's, but it lists other content; nothing was signed or written");
  }
  if (request.signing) await signReleaseOnce(store, manifest, request.signing.signer, request.now ?? new Date());
  const index = await client.index();
  const indexed = index?.versions.some((v) => v.version === manifest.version) ?? false;
  if (!indexed) await writeReleasePointers(store, manifest, request.prompts, request.signing, namesIn(index), request.concurrency ?? 16);
  return { version: manifest.version, status: "unchanged", releaseHash: manifest.releaseHash, written: 0 };
}

/**
 * The prompts some indexed version has, which therefore have a history already (it is written before the index).
 * Only a guess of which histories exist: undefined when the index cannot be read now; the index write reports that.
 */
function promptsWithHistory(client: RegistryClient): Promise<ReadonlySet<string> | undefined> {
  return client.index().then(namesIn, () => undefined);
}

function namesIn(index: ProjectIndex | undefined): ReadonlySet<string> {
  return new Set(index?.versions.flatMap((v) => v.prompts));
}

async function writeReleasePointers(
  store: RegistryStore,
  manifest: ReleaseManifest,
  prompts: readonly CompiledPrompt[],
  signing: SigningSettings | undefined,
  recorded: ReadonlySet<string> | undefined,
  concurrency: number,
) {
  const createdAt = new Date(manifest.createdAt);
  await recordHistory(store, manifest.project, manifest.version, prompts, createdAt, manifest.git, recorded, concurrency);
  await updateIndex(
    store,
    manifest.project,
    createdAt,
    addVersionToIndex({
      version: manifest.version,
      createdAt: manifest.createdAt,
      releaseHash: manifest.releaseHash,
      prompts: prompts.map((p) => p.name),
      ...(manifest.git && { git: manifest.git }),
    }),
    signing,
  );
}

function releaseObjects(project: string, version: string, prompts: readonly CompiledPrompt[]) {
  const bundle: ReleaseBundle = { format: "promptsync.bundle/v1", project, version, prompts: [...prompts] };
  return [{ key: layout.bundle(project, version), encode: () => encodeJson(bundle) }, ...prompts.flatMap((prompt) => [
    { key: layout.promptDefault(project, prompt.name, version), encode: () => encodeYaml(prompt) },
    ...prompt.variants.map((variant) => ({
      key: layout.promptVariant(project, prompt.name, version, variant.id),
      encode: () => encodeYaml(variantFile(prompt, variant)),
    })),
  ])];
}

function claimBody(version: string, hash: string, now: Date): Uint8Array {
  const claim: ReleaseClaim = { format: "promptsync.claim/v1", version, releaseHash: hash, claimedAt: now.toISOString() };
  return encodeJson(claim);
}

/** Claims an explicit version; a claim by another push with other content means the version is taken. */
async function claimVersion(store: RegistryStore, project: string, version: string, hash: string, now: Date): Promise<void> {
  const key = layout.claim(project, version);
  if (await store.create(key, claimBody(version, hash, now), headersFor(key))) return;
  const existing = await store.get(key);
  const claim = existing && decodeJson(existing.body, key, validateReleaseClaim);
  if (claim?.releaseHash !== hash) throw new VersionImmutableError(version);
}

/** Claims the next free version; concurrent pushes each get their own. */
async function claimNextVersion(
  store: RegistryStore,
  project: string,
  hash: string,
  bump: Bump,
  now: Date,
  releases: readonly string[],
): Promise<string> {
  for (let attempt = 0; attempt < MAX_VERSION_CLAIMS; attempt++) {
    const claimed = (await store.list(layout.claims(project))).map(versionFromKey);
    const version = nextVersion([...claimed, ...releases], bump);
    const key = layout.claim(project, version);
    if (await store.create(key, claimBody(version, hash, now), headersFor(key))) return version;
  }
  throw new PromptSyncError("POINTER_CONFLICT", `Could not claim a version after ${MAX_VERSION_CLAIMS} attempts`, {
    suggestion: "Too many pushes at once; run the command again.",
  });
}

async function recordHistory(
  store: RegistryStore,
  project: string,
  version: string,
  prompts: readonly CompiledPrompt[],
  now: Date,
  git: GitInfo | undefined,
  recorded: ReadonlySet<string> | undefined,
  concurrency: number,
): Promise<void> {
  await mapLimit(prompts, concurrency, (prompt) =>
    updatePointer<PromptMetadata>(store, layout.promptMetadata(project, prompt.name), {
      likelyAbsent: recorded !== undefined && !recorded.has(prompt.name),
      decode: (body, key) => decodeJson(body, key, validatePromptMetadata),
      encode: encodeJson,
      apply: (current) => {
        const metadata: PromptMetadata = current
          ? structuredClone(current)
          : { format: "promptsync.prompt-metadata/v1", project, name: prompt.name, versions: [] };
        if (metadata.versions.some((v) => v.version === version)) return undefined;
        const previous = metadata.versions.filter((v) => compareVersions(v.version, version) < 0).at(-1);
        metadata.versions.push({
          version,
          hash: prompt.hash,
          createdAt: now.toISOString(),
          changed: previous?.hash !== prompt.hash,
          ...(git && { git }),
        });
        metadata.versions.sort((a, b) => compareVersions(a.version, b.version));
        return metadata;
      },
    }),
  );
}
