import type { ReleaseManifest, ReleaseSignature } from "../formats/types.ts";
import { decodeJson } from "../formats/json-codec.ts";
import { releaseHashOfManifest } from "../formats/release-hash.ts";
import { validateReleaseSignature } from "../formats/validate.ts";
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

/**
 * The first of a release's signature objects (read from `release signature` keys, undefined where there is none)
 * that a trusted key made of exactly `manifest`, or every reason none did. The SDK fetches them alongside the
 * manifest, the CLI one after another; both judge them here.
 */
export function firstTrustedSignature(
  manifest: ReleaseManifest,
  signatures: readonly { key: string; body: Uint8Array | undefined }[],
  trust: TrustedKeys,
  expected: { project: string; version: string },
): { ok: true; index: number; keyId: string } | { ok: false; problem: string } {
  const problems: string[] = [];
  for (const [index, { key, body }] of signatures.entries()) {
    if (!body) continue;
    try {
      const check = checkRelease(manifest, decodeJson(body, key, validateReleaseSignature), trust, expected);
      if (check.ok) return { ok: true, index, keyId: check.keyId };
      problems.push(`${key}: ${check.problem}`);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { ok: false, problem: problems.length > 0 ? problems.join("; ") : `no trusted key signed it (no ${signatures.map((s) => s.key).join(" or ")})` };
}

/** A manifest that claims another project or version, or whose prompts do not give its release hash. */
export function manifestProblem(manifest: ReleaseManifest, expected: { project: string; version: string }): string | undefined {
  if (manifest.project !== expected.project || manifest.version !== expected.version) {
    return `it is the manifest of ${manifest.project} ${manifest.version}, not ${expected.project} ${expected.version}`;
  }
  if (manifest.releaseHash !== releaseHashOfManifest(manifest)) return "its releaseHash does not match its prompts";
  return undefined;
}
