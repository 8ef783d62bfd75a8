import { decodeJson } from "../formats/codec.ts";
import type { AliasPointer, ReleaseManifest } from "../formats/types.ts";
import { validateAlias, validateProjectIndex, validateReleaseManifest } from "../formats/validate-pointers.ts";
import { layout, signedObjectKey, type SignedObjectKey } from "../formats/layout.ts";
import type { RegistryReader, StoredObject } from "../storage/types.ts";
import { bundleProblem, promptProblem, variantProblem } from "./content-checks.ts";
import { SignatureInvalidError } from "../errors.ts";
import type { TrustedKeys } from "./keys.ts";
import { checkAlias, checkIndex } from "./pointers.ts";
import { firstTrustedSignature, manifestProblem } from "./release.ts";

interface VerifiedManifest {
  object: StoredObject;
  manifest: ReleaseManifest;
  /** The trusted key whose signature verified. */
  keyId: string;
}

/**
 * A reader that hands out only what a trusted key vouches for: alias pointers and the index by their own
 * signatures (and expiry), release manifests by a trusted key's signature object, and content by the hash the
 * verified manifest lists. Anything else is refused with SignatureInvalidError. Objects signing does not cover
 * (prompt histories, claims, commit interfaces, the signature objects themselves) pass through unchanged.
 */
export class VerifyingReader implements RegistryReader {
  readonly inner: RegistryReader;
  readonly trust: TrustedKeys;
  private readonly now: () => Date;
  private readonly manifests = new Map<string, Promise<VerifiedManifest | undefined>>();
  /** The inner store's listing, when it has one (folder, S3): keys only, so nothing to verify. */
  readonly list?: (prefix: string) => Promise<string[]>;

  constructor(inner: RegistryReader, trust: TrustedKeys, now: () => Date = () => new Date()) {
    this.inner = inner;
    this.trust = trust;
    this.now = now;
    if (inner.list) this.list = (prefix) => inner.list!(prefix);
  }

  get url(): string {
    return this.inner.url;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const what = signedObjectKey(key);
    if (!what) return this.inner.get(key);
    if (what.kind === "manifest") return (await this.manifest(what.project, what.version))?.object;
    const object = await this.inner.get(key);
    if (!object) return undefined;
    const problem = await this.problem(what, key, object.body);
    if (problem) throw new SignatureInvalidError(key, problem);
    return object;
  }

  /** Verified once per version and kept, so content is checked against the very manifest that was verified. */
  manifest(project: string, version: string): Promise<VerifiedManifest | undefined> {
    const id = `${project}/${version}`;
    let verified = this.manifests.get(id);
    if (!verified) {
      verified = readSignedManifest(this.inner, this.trust, project, version);
      this.manifests.set(id, verified);
      verified.catch(() => this.manifests.delete(id));
    }
    return verified;
  }

  /**
   * A reader with no memory still catches a pointer replayed alone: the signed index records each alias's
   * revision. (An index replayed with it goes unnoticed here; the SDK remembers the revisions it verified.)
   */
  private async replayProblem(pointer: AliasPointer): Promise<string | undefined> {
    const key = layout.index(pointer.project);
    const object = await this.get(key);
    const recorded = object && decodeJson(object.body, key, validateProjectIndex).aliases[pointer.alias]?.revision;
    if (recorded === undefined || recorded <= pointer.revision) return undefined;
    return `its revision ${pointer.revision} is older than the ${recorded} the signed index records (a replayed pointer)`;
  }

  private async problem(what: Exclude<SignedObjectKey, { kind: "manifest" }>, key: string, body: Uint8Array): Promise<string | undefined> {
    if (what.kind === "alias") {
      const pointer = decodeJson(body, key, validateAlias);
      const check = checkAlias(pointer, this.trust, what, this.now());
      return check.ok ? this.replayProblem(pointer) : check.problem;
    }
    if (what.kind === "index") {
      const check = checkIndex(decodeJson(body, key, validateProjectIndex), this.trust, what.project);
      return check.ok ? undefined : check.problem;
    }
    const verified = await this.manifest(what.project, what.version);
    if (!verified) return `${what.version} has no release manifest`;
    if (what.kind === "bundle") return bundleProblem(body, key, verified.manifest);
    if (what.kind === "prompt") return promptProblem(body, key, what.name, verified.manifest);
    return variantProblem(body, key, what.name, what.variant, verified.manifest);
  }
}

/** The release manifest of `version` and the trusted key that signed it; undefined when there is no manifest. */
async function readSignedManifest(reader: RegistryReader, trust: TrustedKeys, project: string, version: string): Promise<VerifiedManifest | undefined> {
  const key = layout.release(project, version);
  const object = await reader.get(key);
  if (!object) return undefined;
  const manifest = decodeJson(object.body, key, validateReleaseManifest);
  const own = manifestProblem(manifest, { project, version });
  if (own) throw new SignatureInvalidError(key, own);
  const signatures = await Promise.all(
    trust.ids.map(async (keyId) => {
      const signatureKey = layout.releaseSignature(project, version, keyId);
      return { key: signatureKey, body: (await reader.get(signatureKey))?.body };
    }),
  );
  const found = firstTrustedSignature(manifest, signatures, trust, { project, version });
  if (!found.ok) {
    // gc deletes a manifest before its signatures: both gone by now is a version deleted while it was read.
    if (signatures.every((s) => s.body === undefined) && !(await reader.get(key))) return undefined;
    throw new SignatureInvalidError(key, found.problem);
  }
  return { object, manifest, keyId: found.keyId };
}
