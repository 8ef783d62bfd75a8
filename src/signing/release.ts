import type { ReleaseManifest, ReleaseSignature } from "../formats/types.ts";
import { releaseHashOfManifest } from "../formats/release-hash.ts";
import type { Signer, TrustedKeys } from "./keys.ts";
import { checkSignatures, manifestDigest, withSignature, type SignatureCheck } from "./signatures.ts";

/**
 * A release manifest is immutable, so its signatures live beside it, one create-only object per key
 * (layout.releaseSignature): a new key signs old versions without rewriting them. The signature binds the
 * manifest's canonical JSON: its project, version, git commit and every prompt's content hash.
 */
export function signRelease(manifest: ReleaseManifest, signer: Signer, now: Date): ReleaseSignature {
  return withSignature(
    {
      format: "promptsync.signature/v1",
      project: manifest.project,
      version: manifest.version,
      manifest: manifestDigest(manifest),
      signedAt: now.toISOString(),
    } satisfies Omit<ReleaseSignature, "signatures">,
    signer,
  );
}

/**
 * Whether `signature` is a trusted key's signature of exactly `manifest`, and the manifest is the release that
 * was asked for (project and version) and agrees with its own release hash.
 */
export function checkRelease(
  manifest: ReleaseManifest,
  signature: ReleaseSignature,
  trust: TrustedKeys,
  expected: { project: string; version: string },
): SignatureCheck {
  const problem = manifestProblem(manifest, expected);
  if (problem) return { ok: false, problem };
  if (signature.project !== expected.project || signature.version !== expected.version) {
    return { ok: false, problem: `the signature is for ${signature.project} ${signature.version}` };
  }
  if (signature.manifest !== manifestDigest(manifest)) return { ok: false, problem: "the signature is of another manifest" };
  return checkSignatures(signature, trust);
}

/** A manifest that claims another project or version, or whose prompts do not give its release hash. */
export function manifestProblem(manifest: ReleaseManifest, expected: { project: string; version: string }): string | undefined {
  if (manifest.project !== expected.project || manifest.version !== expected.version) {
    return `it is the manifest of ${manifest.project} ${manifest.version}, not ${expected.project} ${expected.version}`;
  }
  if (manifest.releaseHash !== releaseHashOfManifest(manifest)) return "its releaseHash does not match its prompts";
  return undefined;
}
