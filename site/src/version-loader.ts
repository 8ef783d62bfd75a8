// The prompt page's versions other than its latest, loaded on demand from their pages of versions (versions.ts):
// each page fetched once, from the site's own origin, and parsed as an inert document (no script in it runs, no
// resource loads). A version's <details> is taken as Astro rendered it, every value in it escaped at build time,
// so a loaded version looks the same as the latest; nothing from it is ever read as markup again.
import type { CompiledPrompt } from "virtual:promptsync/compare";

interface VersionContents {
  versions: Record<string, string>;
  contents: Record<string, CompiledPrompt>;
}

/** Pages of versions by address: one fetch each for every loader on the page (the compare's, the preview's). */
const pages = new Map<string, Promise<Document>>();

export class VersionLoader {
  readonly #pageOf: (version: string) => string | undefined;

  /** `pageOf` gives the address of the page of versions holding a version, or undefined for one the prompt lacks. */
  constructor(pageOf: (version: string) => string | undefined) {
    this.#pageOf = pageOf;
  }

  /** The version's <details>, adopted into this document, or undefined when the prompt has no such version. */
  async details(version: string): Promise<HTMLDetailsElement | undefined> {
    const page = await this.#page(version);
    const found = page && [...page.querySelectorAll<HTMLDetailsElement>("details.version")].find((d) => d.dataset.version === version);
    return found ? document.importNode(found, true) : undefined;
  }

  /** The version's compiled content, as the compare reads it. */
  async content(version: string): Promise<CompiledPrompt | undefined> {
    const page = await this.#page(version);
    const json = page?.getElementById("version-contents")?.textContent;
    if (!json) return undefined;
    const data = JSON.parse(json) as VersionContents;
    const hash = Object.hasOwn(data.versions, version) ? data.versions[version] : undefined;
    return hash !== undefined && Object.hasOwn(data.contents, hash) ? data.contents[hash] : undefined;
  }

  #page(version: string): Promise<Document> | undefined {
    const address = this.#pageOf(version);
    if (address === undefined) return undefined;
    let page = pages.get(address);
    if (!page) {
      page = fetch(address).then(async (response) => {
        if (!response.ok) throw new Error(`${address}: ${response.status}`);
        return new DOMParser().parseFromString(await response.text(), "text/html");
      });
      // A failed load is tried again the next time the version is asked for.
      page.catch(() => pages.delete(address));
      pages.set(address, page);
    }
    return page;
  }
}
