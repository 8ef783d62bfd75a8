import { SignatureInvalidError } from "../src/errors.ts";
import type { AliasPointer, ProjectIndex, ReleaseManifest } from "../src/formats/types.ts";
import { layout } from "../src/formats/layout.ts";
import type { TrustedKeys } from "../src/signing/keys.ts";
import { checkAlias, checkIndex } from "../src/signing/pointers.ts";
import { firstTrustedSignature } from "../src/signing/release.ts";
import type { DiskCache } from "./disk-cache.ts";

/**
 * A manager's checks of what it fetches against its trusted keys, with what they need to remember: the highest
 * revision of each alias verified so far (in memory and in the disk cache), so a replayed older pointer is
 * refused, and how many objects were refused. Each refusal throws a SignatureInvalidError, which the caches
 * treat like an unreachable registry: the last verified version stays in use, marked stale.
 */
export class Verifier {
  private readonly trust: TrustedKeys;
  private readonly project: string;
  private readonly disk: DiskCache | undefined;
  private readonly revisions = new Map<string, number>();
  private refused = 0;

  constructor(trust: TrustedKeys, project: string, disk: DiskCache | undefined) {
    this.trust = trust;
    this.project = project;
    this.disk = disk;
  }

  get refusals(): number {
    return this.refused;
  }

  refuse(key: string, problem: string): never {
    this.refused++;
    throw new SignatureInvalidError(key, problem);
  }

  /** Signed by a trusted key, for this alias, not expired, and not older than a revision already verified. */
  async alias(key: string, pointer: AliasPointer, alias: string, now: number): Promise<void> {
    const check = checkAlias(pointer, this.trust, { project: this.project, alias }, new Date(now));
    if (!check.ok) this.refuse(key, check.problem);
    let highest = this.revisions.get(key);
    if (highest === undefined) {
      highest = (await this.disk?.readRevision(key)) ?? 0;
      this.revisions.set(key, highest);
    }
    if (pointer.revision < highest) {
      this.refuse(key, `its revision ${pointer.revision} is older than revision ${highest}, already verified: a replayed pointer`);
    }
    if (pointer.revision > highest) {
      this.revisions.set(key, pointer.revision);
      await this.disk?.writeRevision(key, pointer.revision);
    }
  }

  index(key: string, index: ProjectIndex): void {
    const check = checkIndex(index, this.trust, this.project);
    if (!check.ok) this.refuse(key, check.problem);
  }

  /** Where a release's signatures may be: one object per trusted key. */
  releaseSignatureKeys(version: string): string[] {
    return this.trust.ids.map((id) => layout.releaseSignature(this.project, version, id));
  }

  /**
   * The index of the first signature object (bodies in the order of releaseSignatureKeys, undefined where there
   * is none) that a trusted key made of exactly this manifest, for this project and version.
   */
  release(key: string, manifest: ReleaseManifest, version: string, signatures: readonly (Uint8Array | undefined)[]): number {
    const keys = this.releaseSignatureKeys(version);
    const found = firstTrustedSignature(manifest, keys.map((signatureKey, i) => ({ key: signatureKey, body: signatures[i] })), this.trust, { project: this.project, version });
    return found.ok ? found.index : this.refuse(key, found.problem);
  }

}
