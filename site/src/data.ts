import { readFileSync } from "node:fs";
import type { SiteData } from "../../src/site/snapshot.ts";

/** The registry snapshot `promptsync site build` wrote before starting Astro: pages never call the registry. */
export function siteData(): SiteData {
  const path = process.env.PROMPTSYNC_SITE_DATA;
  if (!path) throw new Error("PROMPTSYNC_SITE_DATA is not set: build the site with `promptsync site build`");
  return JSON.parse(readFileSync(path, "utf8")) as SiteData;
}

export function promptPath(base: string, name: string): string {
  return `${base}prompts/${name}/`;
}
