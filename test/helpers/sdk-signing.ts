import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { encodeJson, encodeYaml } from "../../src/formats/codec.ts";
import { releaseHashOfManifest } from "../../src/formats/release-hash.ts";
import type { CompiledPrompt, ReleaseManifest } from "../../src/formats/types.ts";
import { layout } from "../../src/formats/layout.ts";
import { setAlias } from "../../src/registry/aliases.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { generateSigningKeys, signerFromPem, type SigningKeyPair } from "../../src/signing/keys.ts";
import type { SigningSettings } from "../../src/signing/pointers.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { tempDir } from "./fs.ts";

export function compileGreeting(text: string): CompiledPrompt[] {
  const result = compilePrompts([{ path: "greet.txt", text }]);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.prompts;
}

export interface SignedFolderRegistry {
  root: string;
  store: FolderStore;
  project: string;
  key: SigningKeyPair;
  signing: SigningSettings;
  /** Pushes `text` as greet's next version, signed, and points `alias` at it (signed). */
  publish(text: string, alias?: string, signing?: SigningSettings): Promise<string>;
}

/** A folder registry of one project whose team signs every write with `key`; production → v0.1.0 "Hello". */
export async function signedFolderRegistry(project = "shop"): Promise<SignedFolderRegistry> {
  const root = await tempDir("promptsync-signed-");
  const store = new FolderStore(root);
  const key = generateSigningKeys();
  const signing = { signer: signerFromPem(key.privateKeyPem) };
  const publish = async (text: string, alias = "production", as: SigningSettings = signing) => {
    const { version } = await pushRelease(store, { project, prompts: compileGreeting(text), signing: as });
    await setAlias(store, { project, alias, ref: version, signing: as });
    return version;
  };
  await publish("Hello {{ name }}\n");
  return { root, store, project, key, signing, publish };
}

/**
 * What an attacker with write access and no key does to a version in place: new content with its own hash
 * recomputed, and the release manifest recomputed to list it (its releaseHash too). The signature objects stay.
 */
export async function rewriteInPlace(root: string, project: string, version: string, text: string): Promise<void> {
  const [prompt] = compileGreeting(text);
  await writeFile(join(root, layout.promptDefault(project, "greet", version)), encodeYaml(prompt));
  const manifestPath = join(root, layout.release(project, version));
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as ReleaseManifest;
  manifest.prompts.greet = { ...manifest.prompts.greet!, hash: prompt!.hash, variants: [] };
  manifest.releaseHash = releaseHashOfManifest(manifest);
  await writeFile(manifestPath, encodeJson(manifest));
}

export async function readRegistryFile(root: string, key: string): Promise<Buffer> {
  return readFile(join(root, key));
}

export async function writeRegistryFile(root: string, key: string, body: Uint8Array | string): Promise<void> {
  await writeFile(join(root, key), body);
}
