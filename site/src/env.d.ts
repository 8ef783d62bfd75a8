// The modules `promptsync site build` gives the pages (src/dashboard/run-astro.ts). `virtual:promptsync/view` is
// the library's src/dashboard/view.ts and `virtual:promptsync/compare` its compare-view.ts (the part the prompt page's
// script runs in the browser), which tsconfig.json maps for the type check.

declare module "virtual:promptsync/site-data" {
  import type { SiteData } from "virtual:promptsync/view";

  /** The registry snapshot the build took: src/dashboard/snapshot.ts. */
  const data: SiteData;
  export default data;
}
