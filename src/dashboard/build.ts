import { randomBytes } from "node:crypto";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MissingDependencyError } from "../errors.ts";
import type { TrustedKeys } from "../signing/keys.ts";
import type { RegistryReader, RegistryStore } from "../storage/types.ts";
import { snapshotRegistry } from "./snapshot.ts";
import { snapshotTelemetry } from "./telemetry-snapshot.ts";

export interface SiteBuildRequest {
  reader: RegistryReader;
  project: string;
  /** The Astro project (the package's site/ folder). */
  siteDir: string;
  outDir: string;
  /** @default "/" */
  base?: string;
  /** Where telemetry is (usually the registry's own store): adds the analytics and compatibility pages' data. */
  telemetry?: RegistryStore;
  /** Pages mark each signature verified or not. */
  trustedKeys?: TrustedKeys;
}

export interface SiteBuildResult {
  outDir: string;
  prompts: number;
  versions: number;
}

/**
 * Snapshots the registry into a data file, then runs Astro's static build on it: pages read the snapshot, never
 * the registry, so no endpoint or credential reaches the output.
 */
export async function buildSite(request: SiteBuildRequest): Promise<SiteBuildResult> {
  const astro = await import("astro").catch(() => {
    throw new MissingDependencyError("astro", "The dashboard needs Astro, which is not installed", "Install it next to promptsync: npm install -D astro@^7");
  });
  const data = await snapshotRegistry(request.reader, request.project, { trustedKeys: request.trustedKeys });
  if (request.telemetry) data.telemetry = await snapshotTelemetry(request.telemetry, request.reader, request.project);
  const work = await mkdtemp(join(tmpdir(), "promptsync-site-"));
  const dataFile = join(work, "site-data.json");
  await writeFile(dataFile, JSON.stringify(data));
  const previous = process.env.PROMPTSYNC_SITE_DATA;
  process.env.PROMPTSYNC_SITE_DATA = dataFile;
  // Astro prerenders inside its output folder and resolves packages from there, so it builds inside site/.
  const staging = join(request.siteDir, `.out-${randomBytes(4).toString("hex")}`);
  try {
    // Astro resolves its prerender cache from the working directory.
    const cwd = process.cwd();
    process.chdir(request.siteDir);
    try {
      await astro.build({ root: request.siteDir, outDir: staging, base: request.base ?? "/", logLevel: "warn" });
    } finally {
      process.chdir(cwd);
    }
    await rm(request.outDir, { recursive: true, force: true });
    await cp(staging, request.outDir, { recursive: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (previous === undefined) delete process.env.PROMPTSYNC_SITE_DATA;
    else process.env.PROMPTSYNC_SITE_DATA = previous;
    await rm(work, { recursive: true, force: true });
  }
  return { outDir: request.outDir, prompts: data.prompts.length, versions: data.versions.length };
}
