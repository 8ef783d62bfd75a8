import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { encodeJson } from "../../src/formats/codec.ts";
import type { CompiledPrompt } from "../../src/formats/types.ts";
import { headersFor, layout } from "../../src/formats/layout.ts";
import { setAlias } from "../../src/registry/aliases.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { RegistryClient } from "../../src/registry/read.ts";
import { signReleaseOnce } from "../../src/registry/signing.ts";
import { generateSigningKeys, signerFromPem, type SigningKeyPair } from "../../src/signing/keys.ts";
import { signRelease } from "../../src/signing/release.ts";
import type { RegistryStore } from "../../src/storage/types.ts";

const DAY_MS = 86_400_000;

export interface SignedRegistry {
  /** Signed v0.1.1 and the production and staging aliases. */
  team: SigningKeyPair;
  /** Also signed v0.1.1, and is trusted by nobody. */
  stranger: SigningKeyPair;
  /** Signed another manifest under v0.1.0's name: a signature that counts for nothing. */
  forger: SigningKeyPair;
}

function compile(files: Record<string, string>): CompiledPrompt[] {
  const result = compilePrompts(Object.entries(files).map(([path, text]) => ({ path, text })));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.prompts;
}

/**
 * Project `shop`: v0.1.0 unsigned (with a forged and a malformed signature object beside it), v0.1.1 signed by the
 * team's key and a stranger's; production → v0.1.1 signed with a 30-day expiry, staging → v0.1.1 signed 60 days
 * ago with the same expiry (so expired), dev → v0.1.0 unsigned.
 */
export async function writeSignedRegistry(store: RegistryStore): Promise<SignedRegistry> {
  const [team, stranger, forger] = [generateSigningKeys(), generateSigningKeys(), generateSigningKeys()];
  const signing = { signer: signerFromPem(team.privateKeyPem), pointerTtlMs: 30 * DAY_MS };
  const project = "shop";
  const now = new Date();
  await pushRelease(store, { project, prompts: compile({ "greet.txt": "Hello {{ name }}\n" }), now });
  await pushRelease(store, { project, prompts: compile({ "greet.txt": "Hello {{ name }}, welcome\n" }), signing, now });
  const client = new RegistryClient(store, project);
  const [unsigned, signed] = [(await client.manifest("v0.1.0"))!, (await client.manifest("v0.1.1"))!];
  await signReleaseOnce(store, signed, signerFromPem(stranger.privateKeyPem), now);
  const forged = signRelease({ ...unsigned, releaseHash: signed.releaseHash }, signerFromPem(forger.privateKeyPem), now);
  const forgedKey = layout.releaseSignature(project, "v0.1.0", forger.keyId);
  await store.create(forgedKey, encodeJson(forged), headersFor(forgedKey));
  const junkKey = layout.releaseSignature(project, "v0.1.0", "f".repeat(32));
  await store.create(junkKey, new TextEncoder().encode("not a signature"), headersFor(junkKey));
  await setAlias(store, { project, alias: "production", ref: "v0.1.1", signing, now });
  await setAlias(store, { project, alias: "staging", ref: "v0.1.1", signing, now: new Date(now.getTime() - 60 * DAY_MS) });
  await setAlias(store, { project, alias: "dev", ref: "v0.1.0", now });
  return { team, stranger, forger };
}
