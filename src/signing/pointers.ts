import type { AliasPointer, ProjectIndex } from "../formats/types.ts";
import type { Signer, TrustedKeys } from "./keys.ts";
import { checkSignatures, withSignature, type SignatureCheck } from "./signatures.ts";

/** How a writing command signs: its key, and how long alias pointers stay valid (off unless set). */
export interface SigningSettings {
  signer: Signer;
  /** Milliseconds a signed alias pointer is valid for (`signing.pointerTtl`); undefined: no expiry. */
  pointerTtlMs?: number;
}

/**
 * The alias pointer as it is stored: signed (format v2, with `expires` when a TTL is set) when signing
 * settings are given, else unsigned (format v1, unless it is a tombstone, which only v2 can say).
 */
export function sealAlias(pointer: AliasPointer, signing: SigningSettings | undefined, now: Date): AliasPointer {
  const { signatures: _s, expires: _e, ...rest } = pointer;
  if (!signing) return { ...rest, format: rest.deleted ? "promptsync.alias/v2" : "promptsync.alias/v1" };
  const expires = signing.pointerTtlMs === undefined ? undefined : new Date(now.getTime() + signing.pointerTtlMs).toISOString();
  return withSignature({ ...rest, format: "promptsync.alias/v2", ...(expires && { expires }) }, signing.signer);
}

export function sealIndex(index: ProjectIndex, signing: SigningSettings | undefined): ProjectIndex {
  const { signatures: _s, ...rest } = index;
  if (!signing) return { ...rest, format: "promptsync.index/v1" };
  return withSignature({ ...rest, format: "promptsync.index/v2" }, signing.signer);
}

/**
 * A reader's check of an alias pointer: a trusted signature, for the alias and project asked for, not expired.
 * Rollback (a revision lower than one already seen) is for the reader to judge: only it knows what it saw.
 */
export function checkAlias(pointer: AliasPointer, trust: TrustedKeys, expected: { project: string; alias: string }, now: Date): SignatureCheck {
  if (pointer.project !== expected.project || pointer.alias !== expected.alias) {
    return { ok: false, problem: `it is the pointer of ${pointer.project}/${pointer.alias}, not ${expected.project}/${expected.alias}` };
  }
  const signed = checkSignatures(pointer, trust);
  if (!signed.ok) return signed;
  if (pointer.expires !== undefined && !(Date.parse(pointer.expires) > now.getTime())) {
    return { ok: false, problem: `its signature expired at ${pointer.expires} (re-sign with promptsync alias refresh-signatures)` };
  }
  return signed;
}

export function checkIndex(index: ProjectIndex, trust: TrustedKeys, project: string): SignatureCheck {
  if (index.project !== project) return { ok: false, problem: `it is the index of ${index.project}, not ${project}` };
  return checkSignatures(index, trust);
}
