import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "../src/errors.ts";
import { keyIdOf, KeyFormatError, publicKeyFromPem, TrustedKeys } from "../src/signing/keys.ts";

const PEM_BLOCK = /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g;
const KEY_ID = /^[0-9a-f]{32}$/;

/**
 * The keys a manager verifies with, from its options or, when they are not given, from PROMPTSYNC_TRUSTED_KEYS
 * and PROMPTSYNC_REVOKED_KEYS (PEMs one after another, or file paths separated by commas or newlines).
 * Undefined when none are configured: nothing is verified.
 */
export function resolveTrustedKeys(
  trustedKeys: readonly string[] | undefined,
  revokedKeys: readonly string[] | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): TrustedKeys | undefined {
  const trustedOption = trustedKeys === undefined ? "PROMPTSYNC_TRUSTED_KEYS" : "trustedKeys";
  const trusted = trustedKeys ?? (env.PROMPTSYNC_TRUSTED_KEYS ? splitKeyList(env.PROMPTSYNC_TRUSTED_KEYS) : undefined);
  const revokedOption = revokedKeys === undefined ? "PROMPTSYNC_REVOKED_KEYS" : "revokedKeys";
  const revoked = revokedKeys ?? (env.PROMPTSYNC_REVOKED_KEYS ? splitKeyList(env.PROMPTSYNC_REVOKED_KEYS) : []);
  if (trusted === undefined) {
    if (revoked.length > 0) throw new ConfigError(`PromptManager option \`${revokedOption}\` is set without trusted keys: set \`trustedKeys\` (or PROMPTSYNC_TRUSTED_KEYS) too`);
    return undefined;
  }
  if (!Array.isArray(trusted) || trusted.length === 0) {
    throw new ConfigError(`PromptManager option \`${trustedOption}\` must list at least one public key (a PEM or the path of a .pub file)`);
  }
  const revokedIds = revoked.map((entry, i) => (KEY_ID.test(entry) ? entry : keyIdOf(publicKeyFromEntry(entry, `${revokedOption}[${i}]`, cwd))));
  const trust = new TrustedKeys(trusted.map((entry, i) => publicKeyFromEntry(entry, `${trustedOption}[${i}]`, cwd)), revokedIds);
  if (trust.size === 0) throw new ConfigError(`Every key in PromptManager option \`${trustedOption}\` is revoked by \`${revokedOption}\`: nothing could be verified`);
  return trust;
}

/** PEM blocks, then whatever else is listed, split at commas and newlines. */
function splitKeyList(text: string): string[] {
  const pems = text.match(PEM_BLOCK) ?? [];
  const rest = text.replace(PEM_BLOCK, ",").split(/[,\n]/).map((entry) => entry.trim()).filter((entry) => entry !== "");
  return [...pems, ...rest];
}

function publicKeyFromEntry(entry: string, option: string, cwd: string) {
  if (typeof entry !== "string") throw new ConfigError(`PromptManager option \`${option}\` must be a PEM public key or a file path, not ${typeof entry}`);
  let pem = entry;
  if (!entry.includes("-----BEGIN")) {
    try {
      pem = readFileSync(resolve(cwd, entry), "utf8");
    } catch (error) {
      throw new ConfigError(`PromptManager option \`${option}\`: cannot read the key file ${entry} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  try {
    return publicKeyFromPem(pem, `PromptManager option \`${option}\``);
  } catch (error) {
    if (error instanceof KeyFormatError) throw new ConfigError(error.message, "Pass the .pub file that `promptsync keys generate` wrote, or its PEM text.");
    throw error;
  }
}
