// Astro's static build of the dashboard, in a process of its own: buildSite (build.ts) runs this file with the
// build's temporary folder as the working directory, because Astro writes its prerender bundle under the working
// directory whenever the output folder is outside it. Everything the build writes stays in that folder. The only
// argument is the AstroRun, as JSON; nothing comes from the environment.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, type AstroInlineConfig } from "astro";

/** What buildSite passes. The pages get the snapshot and the library through the two modules below. */
export interface AstroRun {
  /** Astro's root: the build's temporary folder, holding a copy of site/src and node_modules/astro, a link to Astro. */
  root: string;
  /** Where Astro writes the site, in `root`. */
  outDir: string;
  /** Where this process reports how the build went: `{}`, or `{ "error": message }`. */
  resultFile: string;
  /** The URL path the site is served under, ending in "/". */
  base: string;
  /** The registry snapshot (SiteData as JSON): the pages' `virtual:promptsync/site-data`. */
  dataFile: string;
  /** The library's module for the pages (src/dashboard/view.ts, compiled in dist/): `virtual:promptsync/view`. */
  view: string;
  /** The library's module for the prompt page's script in the browser (compare-view.ts): `virtual:promptsync/compare`. */
  compare: string;
}

const DATA_MODULE = "virtual:promptsync/site-data";
const VIEW_MODULE = "virtual:promptsync/view";
const COMPARE_MODULE = "virtual:promptsync/compare";

/** The dashboard's whole Astro configuration: site/ holds no config file. */
function astroConfig(run: AstroRun): AstroInlineConfig {
  return {
    root: run.root,
    configFile: false,
    outDir: run.outDir,
    cacheDir: join(run.root, "cache", "astro"),
    base: run.base,
    output: "static",
    trailingSlash: "always",
    build: { format: "directory" },
    devToolbar: { enabled: false },
    logLevel: "warn",
    vite: {
      cacheDir: join(run.root, "cache", "vite"),
      plugins: [
        {
          name: "promptsync:site-modules",
          enforce: "pre",
          resolveId: (id) => (id === VIEW_MODULE ? run.view : id === COMPARE_MODULE ? run.compare : id === DATA_MODULE ? `\0${DATA_MODULE}` : undefined),
          // Read when the pages are rendered, not bundled: a snapshot can be tens of megabytes.
          load: (id) =>
            id === `\0${DATA_MODULE}`
              ? `import { readFileSync } from "node:fs";\nexport default JSON.parse(readFileSync(${JSON.stringify(run.dataFile)}, "utf8"));\n`
              : undefined,
        },
      ],
      // The prerender bundle runs from the temporary folder: bundled whole, it resolves no package from there.
      environments: { prerender: { resolve: { noExternal: true } } },
    },
  };
}

const run = JSON.parse(process.argv[2] ?? "") as AstroRun;
// Astro gives the pages these as import.meta.env and lets a variable of the same name override its config: a
// BASE_URL in the user's environment (or a test runner's) would otherwise replace `run.base` in every link.
for (const name of ["BASE_URL", "SITE", "ASSETS_PREFIX", "MODE", "DEV", "PROD", "SSR"]) delete process.env[name];
let result: { error?: string } = {};
try {
  await build(astroConfig(run));
} catch (error) {
  result = { error: error instanceof Error ? error.message : String(error) };
}
writeFileSync(run.resultFile, JSON.stringify(result));
// Astro may leave timers or workers behind; the build is over.
process.exit(result.error === undefined ? 0 : 1);
