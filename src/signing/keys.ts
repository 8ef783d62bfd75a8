import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";

/**
 * Ed25519 keys through node:crypto. A key ID is the first 16 bytes, in hex, of the SHA-256 of the public key's
 * SubjectPublicKeyInfo DER encoding (what `openssl pkey -pubin -outform DER` prints): the same for a key
 * whether it is read from the private or the public PEM.
 */

export interface SigningKeyPair {
  keyId: string;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").slice(0, 32);
}

export function generateSigningKeys(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    keyId: keyIdOf(publicKey),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** Signs bytes with one private key. */
export interface Signer {
  readonly keyId: string;
  sign(data: Uint8Array): string;
}

/** A key problem, for the CLI and the SDK to report in their own terms. */
export class KeyFormatError extends Error {}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519") throw new KeyFormatError(`${what} is a ${key.asymmetricKeyType ?? "symmetric"} key; PromptSync signs with Ed25519 (promptsync keys generate)`);
  return key;
}

export function signerFromPem(pem: string, what = "the signing key"): Signer {
  let privateKey: KeyObject;
  try {
    privateKey = ed25519(createPrivateKey(pem), what);
  } catch (error) {
    if (error instanceof KeyFormatError) throw error;
    throw new KeyFormatError(`${what} is not a PEM private key (PKCS#8, as promptsync keys generate writes)`);
  }
  const keyId = keyIdOf(createPublicKey(privateKey));
  return {
    keyId,
    sign: (data) => sign(null, data, privateKey).toString("base64"),
  };
}

export function publicKeyFromPem(pem: string, what = "a trusted key"): KeyObject {
  try {
    return ed25519(createPublicKey(pem), what);
  } catch (error) {
    if (error instanceof KeyFormatError) throw error;
    throw new KeyFormatError(`${what} is not a PEM public key (SPKI, as promptsync keys generate writes)`);
  }
}

/** The keys a reader trusts, by key ID; revoked IDs are never accepted, even when also listed as trusted. */
export class TrustedKeys {
  private readonly keys = new Map<string, KeyObject>();
  private readonly revoked: ReadonlySet<string>;

  constructor(publicKeys: readonly KeyObject[], revokedKeyIds: readonly string[] = []) {
    this.revoked = new Set(revokedKeyIds);
    for (const key of publicKeys) {
      const id = keyIdOf(key);
      if (!this.revoked.has(id)) this.keys.set(id, key);
    }
  }

  static fromPems(pems: readonly string[], revoked: readonly string[] = []): TrustedKeys {
    return new TrustedKeys(
      pems.map((pem, i) => publicKeyFromPem(pem, `trusted key ${i + 1}`)),
      revoked.map((r) => (/-----BEGIN/.test(r) ? keyIdOf(publicKeyFromPem(r, "a revoked key")) : r)),
    );
  }

  get ids(): string[] {
    return [...this.keys.keys()];
  }

  get size(): number {
    return this.keys.size;
  }

  isRevoked(keyId: string): boolean {
    return this.revoked.has(keyId);
  }

  /** True when `keyId` is trusted and `signature` (base64) is its signature of `data`. */
  verify(keyId: string, data: Uint8Array, signature: string): boolean {
    const key = this.keys.get(keyId);
    if (!key) return false;
    try {
      return verify(null, data, key, Buffer.from(signature, "base64"));
    } catch {
      return false;
    }
  }
}
