import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { buildSite } from "../../src/site/build.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions } from "../global-options.ts";
import { printJson } from "../output.ts";

// cli/commands/site.ts in the repository, dist/cli/commands/site.js in the package; site/ sits at the top of both.
const SITE_DIR = fileURLToPath(new URL(import.meta.url.includes("/dist/cli/") ? "../../../site/" : "../../site/", import.meta.url));

export function registerSite(program: Command): void {
  const site = program.command("site").description("The dashboard: a static site built from the registry");
  withGlobalOptions(
    site
      .command("build")
      .description("Snapshot the registry and build the static dashboard (library, versions and diffs, aliases and canaries)")
      .option("--out <dir>", "output folder", "dashboard")
      .option("--base <path>", "URL path the site is served under", "/"),
  ).action(async (options: GlobalOptions & { out: string; base: string }) => {
    const ctx = await resolveContext(options);
    const base = options.base.endsWith("/") ? options.base : `${options.base}/`;
    const result = await buildSite({ reader: await ctx.reader(), project: await ctx.project(), siteDir: SITE_DIR, outDir: resolve(ctx.cwd, options.out), base });
    if (ctx.json) return printJson(result);
    console.log(`Built the dashboard of ${result.prompts} prompts and ${result.versions} versions in ${options.out}`);
  });
}
