import { decodeJson, encodeJson } from "../formats/json-codec.ts";
import type { AliasPointer, ReleaseManifest } from "../formats/types.ts";
import { validateAlias, validateReleaseManifest, validateReleaseSignature } from "../formats/validate.ts";
import { headersFor, layout, versionFromKey } from "../formats/layout.ts";
import type { Signer } from "../signing/keys.ts";
import { sealAlias, type SigningSettings } from "../signing/pointers.ts";
import { signRelease } from "../signing/release.ts";
import { mapLimit } from "../concurrency.ts";
import { updatePointer } from "../storage/pointer.ts";
import type { RegistryStore } from "../storage/types.ts";
import { updateIndex } from "./write.ts";

/**
 * Writes `signer`'s signature of a release beside its manifest, create-only. An existing signature by the same
 * key is kept (it signs the same immutable manifest). Returns whether it wrote one.
 */
export async function signReleaseOnce(store: RegistryStore, manifest: ReleaseManifest, signer: Signer, now: Date): Promise<boolean> {
  const key = layout.releaseSignature(manifest.project, manifest.version, signer.keyId);
  const created = await store.create(key, encodeJson(signRelease(manifest, signer, now)), headersFor(key));
  if (!created) {
    const existing = await store.get(key);
    if (existing) decodeJson(existing.body, key, validateReleaseSignature);
  }
  return created;
}

/** Signs every release of the project that `signer` has not signed yet: a new key taking over old versions. */
export async function signAllReleases(store: RegistryStore, project: string, signer: Signer, now: Date): Promise<{ signed: string[]; already: string[] }> {
  const versions = (await store.list(layout.releases(project))).map(versionFromKey);
  const signed: string[] = [];
  const already: string[] = [];
  await mapLimit(versions, 8, async (version) => {
    const key = layout.release(project, version);
    const object = await store.get(key);
    if (!object) return;
    const created = await signReleaseOnce(store, decodeJson(object.body, key, validateReleaseManifest), signer, now);
    (created ? signed : already).push(version);
  });
  return { signed: signed.sort(), already: already.sort() };
}

/**
 * Signs every alias pointer (tombstones too) and the index again as they are: same version, canary and
 * revision, a fresh signature and, with a TTL, a fresh expiry. For a scheduled job when pointers expire, and for
 * a new key taking over.
 */
export async function refreshSignatures(store: RegistryStore, project: string, signing: SigningSettings, now: Date): Promise<string[]> {
  const keys = await store.list(layout.aliases(project));
  const refreshed: string[] = [];
  await mapLimit(keys, 8, async (key) => {
    const pointer = await updatePointer<AliasPointer>(store, key, {
      decode: (body, k) => decodeJson(body, k, validateAlias),
      encode: (value) => encodeJson(sealAlias(value, signing, now)),
      apply: (current) => current,
    });
    if (pointer) refreshed.push(pointer.alias);
  });
  await updateIndex(store, project, now, () => true, signing);
  return refreshed.sort();
}
