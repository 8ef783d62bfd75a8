import { mapLimit } from "../concurrency.ts";
import { InvalidBundleError } from "../errors.ts";
import { decodeJson } from "../formats/codec.ts";
import type { AliasPointer, ReleaseManifest, ReleaseSignature, Signature } from "../formats/types.ts";
import { validateReleaseSignature } from "../formats/validate.ts";
import { layout } from "../formats/layout.ts";
import type { TrustedKeys } from "../signing/keys.ts";
import { checkAlias } from "../signing/pointers.ts";
import { checkRelease } from "../signing/release.ts";
import { manifestDigest } from "../signing/signatures.ts";
import type { RegistryReader } from "../storage/types.ts";

/** One key's signature of a version or an alias, as the dashboard shows it. */
export interface SiteSignature {
  keyId: string;
  /** Whether it verifies against the trusted keys; undefined when the site was built without trusted keys. */
  verified?: boolean;
}

/** The key IDs of an alias pointer's signatures, verified against `trust` when given. */
export function aliasSignatures(pointer: AliasPointer, trust: TrustedKeys | undefined, now: Date): SiteSignature[] {
  const expected = { project: pointer.project, alias: pointer.alias };
  return distinct(
    (pointer.signatures ?? []).map((signature) => ({
      keyId: signature.keyid,
      ...(trust && { verified: checkAlias({ ...pointer, signatures: [signature] }, trust, expected, now).ok }),
    })),
  );
}

/**
 * The key IDs that signed exactly this manifest: a signature object for another manifest, project or version,
 * or one that is not a signature object at all, does not count. A reader that cannot list (HTTP) is asked for
 * the objects of `knownKeyIds` alone.
 */
export async function releaseSignatures(
  reader: RegistryReader,
  manifest: ReleaseManifest,
  knownKeyIds: readonly string[],
  trust: TrustedKeys | undefined,
): Promise<SiteSignature[]> {
  const { project, version } = manifest;
  const keys = reader.list
    ? await reader.list(layout.releaseSignatures(project, version))
    : knownKeyIds.map((keyId) => layout.releaseSignature(project, version, keyId));
  const digest = manifestDigest(manifest);
  const objects = await mapLimit(keys, 4, (key) => readSignature(reader, key));
  const signatures = objects
    .filter((s): s is ReleaseSignature => s !== undefined && s.project === project && s.version === version && s.manifest === digest)
    .flatMap((object) => object.signatures.map((signature) => ({ keyId: signature.keyid, ...(trust && { verified: verifies(manifest, object, signature, trust) }) })));
  return distinct(signatures);
}

function verifies(manifest: ReleaseManifest, object: ReleaseSignature, signature: Signature, trust: TrustedKeys): boolean {
  return checkRelease(manifest, { ...object, signatures: [signature] }, trust, { project: manifest.project, version: manifest.version }).ok;
}

/** A malformed object under _signatures/ is anyone's write, not the registry's: it signs nothing. */
async function readSignature(reader: RegistryReader, key: string): Promise<ReleaseSignature | undefined> {
  const object = await reader.get(key);
  if (!object) return undefined;
  try {
    return decodeJson(object.body, key, validateReleaseSignature);
  } catch (error) {
    if (error instanceof InvalidBundleError) return undefined;
    throw error;
  }
}

/** One entry per key, verified if any of its signatures verifies, sorted for a stable page. */
function distinct(signatures: SiteSignature[]): SiteSignature[] {
  const byKey = new Map<string, SiteSignature>();
  for (const signature of signatures) {
    const seen = byKey.get(signature.keyId);
    if (!seen || (signature.verified && !seen.verified)) byKey.set(signature.keyId, signature);
  }
  return [...byKey.values()].sort((a, b) => (a.keyId < b.keyId ? -1 : 1));
}
