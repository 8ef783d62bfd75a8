import data from "virtual:promptsync/site-data";
import type { SiteData } from "virtual:promptsync/view";

export type { SiteSignature } from "virtual:promptsync/view";

/** The registry snapshot `promptsync site build` took before starting Astro: pages never call the registry. */
export function siteData(): SiteData {
  return data;
}

export function promptPath(base: string, name: string): string {
  return `${base}prompts/${name}/`;
}

/** The first 8 of a key ID's 32 hex digits: enough to tell keys apart at a glance. */
export function shortKeyId(keyId: string): string {
  return `${keyId.slice(0, 8)}…`;
}

/** What the badges claim, in one sentence under each list of them. */
export function signingNote(data: SiteData): string {
  return data.trustedKeyIds
    ? `Signatures checked against ${data.trustedKeyIds.length} trusted key${data.trustedKeyIds.length === 1 ? "" : "s"} when the site was built.`
    : "Signatures are shown as the registry lists them, unchecked: build with trusted keys to see which verify.";
}
