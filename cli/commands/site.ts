import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../../src/errors.ts";
import { DASHBOARD_ROOT } from "../../src/formats/layout.ts";
import { redactUrl } from "../../src/redact.ts";
import { buildSite } from "../../src/dashboard/build.ts";
import { uploadSite } from "../../src/dashboard/upload.ts";
import { openStore, parseRegistryLocation } from "../../src/storage/open.ts";
import type { CliContext, GlobalOptions } from "../context.ts";
import { defineCommand, defineGroup } from "../define-command.ts";
import { globalOptions, telemetryOption, trustOption } from "../options/global.ts";

// cli/commands/site.ts in the repository, dist/cli/commands/site.js in the package; site/ sits at the top of both.
const SITE_DIR = fileURLToPath(new URL(import.meta.url.includes("/dist/cli/") ? "../../../site/" : "../../site/", import.meta.url));

const build = defineCommand({
  command: "build",
  description: "Snapshot the registry and its telemetry and build the static dashboard (library, versions and diffs, aliases and canaries, analytics, compatibility)",
  options: [
    (command) =>
      command
        .option("--out <dir>", "output folder", "dashboard")
        .option("--base <path>", "URL path the site is served under", "/")
        .option("--upload", "publish the built site to a bucket")
        .option("--to <url>", `where --upload publishes (default: the registry's bucket, under ${DASHBOARD_ROOT})`),
    globalOptions,
    telemetryOption,
    trustOption,
  ],
  run: async (ctx, options: GlobalOptions & { out: string; base: string; upload?: boolean; to?: string }) => {
    const base = options.base.endsWith("/") ? options.base : `${options.base}/`;
    // An HTTP registry without --telemetry: the analytics and compatibility pages say there is no data.
    const telemetry = ctx.telemetry ? await ctx.telemetryStore() : undefined;
    // The plain reader: with trusted keys the pages mark what is unsigned or not verified instead of refusing to build.
    const result = await buildSite({ reader: await ctx.reader(), project: await ctx.project(), siteDir: SITE_DIR, outDir: resolve(ctx.cwd, options.out), base, telemetry, trustedKeys: await ctx.trust() });
    const uploaded = options.upload ? await upload(ctx, result.outDir, options.to) : undefined;
    return { ...result, ...(uploaded && { uploaded }) };
  },
  text: (result, options) => [
    `Built the dashboard of ${result.prompts} prompts and ${result.versions} versions in ${options.out}`,
    ...(result.uploaded ? [`Uploaded ${result.uploaded.files} files to ${result.uploaded.to}`] : []),
  ],
});

export const registerSite = defineGroup({
  command: "site",
  description: "The dashboard: a static site built from the registry",
  subcommands: [build],
});

async function upload(ctx: CliContext, outDir: string, to: string | undefined): Promise<{ files: number; to: string }> {
  const target = to ?? (ctx.registry.kind === "s3" ? `${ctx.registry.url.replace(/\/+$/, "")}/${DASHBOARD_ROOT}` : undefined);
  if (!target) throw new UsageError("Where to? --upload needs --to s3://bucket/path/ when the registry is not a bucket");
  const store = await openStore(parseRegistryLocation(target, ctx.cwd), { s3: ctx.s3 });
  const { files } = await uploadSite(outDir, store);
  return { files, to: redactUrl(target) };
}
