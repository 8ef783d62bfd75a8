// Where each version of a prompt is shown. The prompt page holds its latest version only, so it stays the same size
// however many versions there are; every version is on a page of versions beside it (prompts/<name>/versions.1/,
// versions.2/, …), VERSIONS_PER_PAGE in push order, which the prompt page's script loads on demand and a reader
// without JavaScript follows from the timeline. A version stays on the same page as versions are added, so links to
// it keep working; a prompt name has no "." in it, so no prompt's page can be at a page of versions' path.
import type { SitePrompt, SitePromptVersion } from "virtual:promptsync/view";

const VERSIONS_PER_PAGE = 20;

export interface VersionsPage {
  /** The page's folder under the prompt's: `versions.1`. */
  slug: string;
  /** Newest first, as the timeline lists them. */
  versions: SitePromptVersion[];
}

export function versionsPages(prompt: SitePrompt): VersionsPage[] {
  const pages: VersionsPage[] = [];
  for (let start = 0; start < prompt.versions.length; start += VERSIONS_PER_PAGE) {
    pages.push({ slug: `versions.${pages.length + 1}`, versions: prompt.versions.slice(start, start + VERSIONS_PER_PAGE).reverse() });
  }
  return pages;
}

/** Each version's page of versions, by version. */
export function versionsPageOf(prompt: SitePrompt): Map<string, string> {
  return new Map(versionsPages(prompt).flatMap((page) => page.versions.map((v) => [v.version, page.slug] as const)));
}

// The ids inside a version join their parts with "~", which neither a version nor a partial's name may hold:
// with "-", v0.1.0-rc-body-0 is a version and v0.1.0-rc's first panel, and partial-v0.1.0-a-d/_x names two partials.

/** Where a version's partial is shown. */
export const partialAnchor = (version: string, name: string): string => `partial~${version}~${name}`;

/** A version's own tab and panel ids: the variant's index, never its (hostile) name. */
export const versionPanelId = (version: string, i: number): string => `${version}~body~${i}`;

/**
 * What the compare reads of a page of versions: each version's content hash and each content once, as JSON that is
 * safe inside <script type="application/json"> (no "<" can close the element).
 */
export function versionContentsJson(prompt: SitePrompt, versions: SitePromptVersion[]): string {
  const contents = Object.fromEntries(versions.map((v) => [v.hash, prompt.contents[v.hash]]));
  return JSON.stringify({ versions: Object.fromEntries(versions.map((v) => [v.version, v.hash])), contents }).replaceAll("<", "\\u003c");
}
