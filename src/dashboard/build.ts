import { spawn } from "node:child_process";
import { chmod, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MissingDependencyError } from "../errors.ts";
import { packageRoot } from "../package-info.ts";
import type { TrustedKeys } from "../signing/keys.ts";
import type { RegistryReader, RegistryStore } from "../storage/types.ts";
import type { AstroRun } from "./run-astro.ts";
import { RENDER_WORKER } from "./render-worker-name.ts";
import { snapshotRegistry } from "./snapshot.ts";
import { snapshotTelemetry } from "./telemetry-snapshot.ts";

export interface SiteBuildRequest {
  reader: RegistryReader;
  project: string;
  /** The Astro project (the package's site/ folder): only its src/ is read, and nothing is written there. */
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
 * The modules beside this one that run apart from it (Astro's child process, the site's view), as they are here:
 * .ts in the repository, .js in dist/src/, also when this module is bundled into the CLI (dist/cli/).
 */
const sibling = (name: string) =>
  fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? `src/dashboard/${name}.ts` : `dist/src/dashboard/${name}.js`, packageRoot()));

/**
 * Snapshots the registry into a data file, then runs Astro's static build on it: pages read the snapshot, never
 * the registry, so no endpoint or credential reaches the output.
 *
 * Everything the build writes goes to a temporary folder (Astro's root: a copy of the site's src/, the snapshot,
 * Astro's and Vite's caches, the output), and the finished site replaces `outDir`. The package's folder is only
 * read; the pages see the library through its compiled `view` module alone (src/dashboard/view.ts).
 */
export async function buildSite(request: SiteBuildRequest): Promise<SiteBuildResult> {
  const astro = astroPackage();
  const data = await snapshotRegistry(request.reader, request.project, { trustedKeys: request.trustedKeys });
  if (request.telemetry) data.telemetry = await snapshotTelemetry(request.telemetry, request.reader, request.project);
  const work = await mkdtemp(join(tmpdir(), "promptsync-site-"));
  // Astro writes the site beside outDir, on the same file system, so that the finished site takes outDir's place by
  // a rename instead of a copy of every page (a second or more for a large registry).
  await mkdir(dirname(resolve(request.outDir)), { recursive: true });
  const staged = await mkdtemp(join(dirname(resolve(request.outDir)), `.${basename(resolve(request.outDir))}-building-`));
  await chmod(staged, 0o755); // mkdtemp's 0700 would become the site's own mode
  try {
    const run: AstroRun = {
      root: work,
      outDir: staged,
      resultFile: join(work, "result.json"),
      base: request.base ?? "/",
      dataFile: join(work, "site-data.json"),
      view: sibling("view"),
      compare: sibling("compare-view"),
    };
    await writeFile(run.dataFile, JSON.stringify(data));
    await cp(join(request.siteDir, "src"), join(work, "src"), { recursive: true });
    // The copy keeps the modes of an installed package's files, read-only ones too: made writable, so that Astro
    // may write beside them and the temporary folder can be removed.
    await makeWritable(join(work, "src"));
    await copyRenderWorker(join(work, "public"));
    // Astro and Vite resolve Astro from the root: the copy this module would import.
    await mkdir(join(work, "node_modules"));
    await symlink(astro, join(work, "node_modules", "astro"), "junction");
    await runAstro(run);
    await rm(request.outDir, { recursive: true, force: true });
    await rename(staged, request.outDir);
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(staged, { recursive: true, force: true });
  }
  return { outDir: request.outDir, prompts: data.prompts.length, versions: data.versions.length };
}

/** The render preview's worker as `npm run build` bundled it (scripts/bundle-render-worker.ts), among the site's static files. */
async function copyRenderWorker(publicDir: string): Promise<void> {
  const worker = fileURLToPath(new URL("dist/dashboard/render-worker.js", packageRoot()));
  await mkdir(publicDir);
  try {
    await copyFile(worker, join(publicDir, RENDER_WORKER));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new Error(`The dashboard's render preview needs ${worker}, which npm run build writes: run it first`, { cause: error });
  }
}

/** Gives the owner write permission on `dir` and everything in it. */
async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    await chmod(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
}

/** Astro's package folder, as this module resolves it. */
function astroPackage(): string {
  try {
    return dirname(fileURLToPath(import.meta.resolve("astro/package.json")));
  } catch {
    throw new MissingDependencyError("astro", "The dashboard needs Astro, which is not installed", "Install it next to promptsync: npm install -D astro@^7");
  }
}

/**
 * Astro's build in a child process (run-astro.ts) working in `run.root`; its output goes to stderr. Astro's
 * telemetry is off: it would send the user's build to Astro and write its settings under the home folder.
 */
async function runAstro(run: AstroRun): Promise<void> {
  const child = spawn(process.execPath, [sibling("run-astro"), JSON.stringify(run)], {
    cwd: run.root,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", 2, "inherit"],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  const result = await readFile(run.resultFile, "utf8").then((text) => JSON.parse(text) as { error?: string }, () => undefined);
  if (code === 0 && result && result.error === undefined) return;
  throw new Error(`The dashboard's Astro build failed: ${result?.error ?? `it exited with code ${code}`}`);
}
