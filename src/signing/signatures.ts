import { canonicalJson, sha256 } from "../formats/canonical.ts";
import type { Signer, TrustedKeys } from "./keys.ts";

/**
 * Signatures over a canonical serialization: the object's JSON with keys sorted and no whitespace
 * (canonical.ts), without its own `signatures` field. Pointers (alias, index) carry their signatures inside,
 * so a pointer and its signature change in one write.
 */

interface Signature {
  keyid: string;
  /** Ed25519 signature, base64. */
  sig: string;
}

const encoder = new TextEncoder();

function signedBytes(value: object): Uint8Array {
  const { signatures: _ignored, ...rest } = value as { signatures?: unknown };
  return encoder.encode(canonicalJson(rest));
}

/** `value` with one signature by `signer` (any earlier signatures replaced: the content changed). */
export function withSignature<T extends object>(value: T, signer: Signer): T & { signatures: Signature[] } {
  const { signatures: _old, ...rest } = value as T & { signatures?: unknown };
  return { ...(rest as T), signatures: [{ keyid: signer.keyId, sig: signer.sign(signedBytes(rest)) }] };
}

export type SignatureCheck = { ok: true; keyId: string } | { ok: false; problem: string };

/** The first signature on `value` that a trusted key made, or why there is none. */
export function checkSignatures(value: object, trust: TrustedKeys): SignatureCheck {
  const signatures = (value as { signatures?: Signature[] }).signatures;
  if (!signatures || signatures.length === 0) return { ok: false, problem: "it is not signed" };
  const data = signedBytes(value);
  for (const { keyid, sig } of signatures) {
    if (trust.verify(keyid, data, sig)) return { ok: true, keyId: keyid };
  }
  const ids = signatures.map((s) => s.keyid);
  if (ids.some((id) => trust.isRevoked(id))) return { ok: false, problem: `its signature is by a revoked key (${ids.join(", ")})` };
  return { ok: false, problem: `no signature by a trusted key verifies (signed by ${ids.join(", ")})` };
}

/** What a release signature binds: the manifest's canonical JSON. */
export function manifestDigest(manifest: object): string {
  return sha256(canonicalJson(manifest));
}
