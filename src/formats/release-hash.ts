import { canonicalJson, sha256 } from "./canonical.ts";

/** What a release is: sha256 of its prompts' names and content hashes, sorted by name. The manifest records it. */
export function releaseHash(prompts: readonly { name: string; hash: string }[]): string {
  const entries = [...prompts].sort((a, b) => (a.name < b.name ? -1 : 1)).map((p) => [p.name, p.hash]);
  return sha256(canonicalJson(entries));
}

/** The release hash a manifest's own prompt list gives, to check the one it records. */
export function releaseHashOfManifest(manifest: { prompts: Record<string, { hash: string }> }): string {
  return releaseHash(Object.entries(manifest.prompts).map(([name, entry]) => ({ name, hash: entry.hash })));
}
