import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SigningKeyError } from "./errors.ts";
import { generateSigningKeys, KeyFormatError, keyIdOf, publicKeyFromPem, signerFromPem, TrustedKeys, type Signer } from "./keys.ts";

const PRIVATE_KEY_FILE = "promptsync.key";
const PUBLIC_KEY_FILE = "promptsync.pub";

/** The text of a key file; `what` names where it was configured (an option, an env var, a config key). */
export async function readKeyFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "cannot be read";
    throw new SigningKeyError(`${what}: ${path} ${reason}`, "Give the path of a key file that promptsync keys generate wrote.");
  }
}

/** A signer from PEM text, with an error that says which setting holds the wrong key. */
export function signerFrom(pem: string, what: string): Signer {
  if (/-----BEGIN PUBLIC KEY-----/.test(pem)) {
    throw new SigningKeyError(`${what} is a public key`, `Sign with the private key (${PRIVATE_KEY_FILE}); the .pub file is for apps that verify.`);
  }
  try {
    return signerFromPem(pem, what);
  } catch (error) {
    if (error instanceof KeyFormatError) throw new SigningKeyError(error.message, "Generate a key pair with `promptsync keys generate --out <dir>`.");
    throw error;
  }
}

/** The public keys in `files`, less the revoked key IDs. */
export async function readTrustedKeys(files: readonly { path: string; what: string }[], revoked: readonly string[]): Promise<TrustedKeys> {
  const keys = await Promise.all(files.map(async ({ path, what }) => {
    const pem = await readKeyFile(path, what);
    try {
      return publicKeyFromPem(pem, `${what} (${path})`);
    } catch (error) {
      if (error instanceof KeyFormatError) throw new SigningKeyError(error.message, `Trust the public key (${PUBLIC_KEY_FILE}) that promptsync keys generate wrote.`);
      throw error;
    }
  }));
  return new TrustedKeys(keys, revoked);
}

/** The key ID of a private or public key file. */
export async function keyIdOfFile(path: string): Promise<string> {
  const pem = await readKeyFile(path, "promptsync keys id");
  if (/-----BEGIN PUBLIC KEY-----/.test(pem)) {
    try {
      return keyIdOf(publicKeyFromPem(pem, path));
    } catch (error) {
      if (error instanceof KeyFormatError) throw new SigningKeyError(error.message);
      throw error;
    }
  }
  return signerFrom(pem, path).keyId;
}

interface WrittenKeyPair {
  keyId: string;
  privateKeyFile: string;
  publicKeyFile: string;
}

/** Writes a new key pair into `dir`; refuses when either file exists, so a key is never lost by mistake. */
export async function writeKeyPair(dir: string): Promise<WrittenKeyPair> {
  const privateKeyFile = join(dir, PRIVATE_KEY_FILE);
  const publicKeyFile = join(dir, PUBLIC_KEY_FILE);
  for (const file of [privateKeyFile, publicKeyFile]) {
    if (await stat(file).catch(() => undefined)) {
      throw new SigningKeyError(`${file} already exists; keys are never overwritten`, "Choose another --out folder, or move the old key away first.");
    }
  }
  const keys = generateSigningKeys();
  await mkdir(dir, { recursive: true });
  await writeFile(privateKeyFile, keys.privateKeyPem, { flag: "wx", mode: 0o600 });
  // The mode given to writeFile is filtered by the umask; a private key must not stay group-readable.
  await chmod(privateKeyFile, 0o600);
  await writeFile(publicKeyFile, keys.publicKeyPem, { flag: "wx", mode: 0o644 });
  return { keyId: keys.keyId, privateKeyFile, publicKeyFile };
}
