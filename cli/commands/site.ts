import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../../src/errors.ts";
import { packageRoot } from "../../src/package-info.ts";
import { DASHBOARD_ROOT } from "../../src/formats/layout.ts";
import { redactUrl } from "../../src/redact.ts";
import { publicUrlOfSettings } from "../../src/storage/s3-public-url.ts";
import { resolveS3Settings } from "../../src/storage/s3-settings.ts";
import { buildSite } from "../../src/dashboard/build.ts";
import { uploadSite } from "../../src/dashboard/upload.ts";
import { openStore, parseRegistryLocation } from "../../src/storage/open.ts";
import type { CliContext, GlobalOptions } from "../context.ts";
import { defineCommand, defineGroup } from "../define-command.ts";
import { globalOptions, telemetryOption, trustOption } from "../options/global.ts";

const SITE_DIR = fileURLToPath(new URL("site/", packageRoot()));

const build = defineCommand({
  command: "build",
  description: "Snapshot the registry and its telemetry and build the static dashboard (library, versions and diffs, aliases and canaries, analytics, compatibility)",
  options: [
    (command) =>
      command
        .option("--out <dir>", "output folder", "dashboard")
        .option("--base <path>", "URL path the site is served under (default: /, or with --upload the path of the address it prints)")
        .option("--upload", "publish the built site to a bucket")
        .option("--to <url>", `where --upload publishes (default: the registry's bucket, under ${DASHBOARD_ROOT})`),
    globalOptions,
    telemetryOption,
    trustOption,
  ],
  run: async (ctx, options: GlobalOptions & { out: string; base?: string; upload?: boolean; to?: string }) => {
    const target = options.upload ? uploadTarget(ctx, options.to) : undefined;
    // Pages link to each other and to their assets from the root of `base`: built for where they will be read.
    const chosen = options.base ?? (target?.url === undefined ? "/" : new URL(target.url).pathname);
    const base = chosen.endsWith("/") ? chosen : `${chosen}/`;
    // An HTTP registry without --telemetry: the analytics and compatibility pages say there is no data.
    const telemetry = ctx.telemetry ? await ctx.telemetryStore() : undefined;
    // The plain reader: with trusted keys the pages mark what is unsigned or not verified instead of refusing to build.
    const result = await buildSite({ reader: await ctx.reader(), project: await ctx.project(), siteDir: SITE_DIR, outDir: resolve(ctx.cwd, options.out), base, telemetry, trustedKeys: await ctx.trust() });
    const uploaded = target ? await upload(ctx, result.outDir, target) : undefined;
    return { ...result, base, ...(uploaded && { uploaded }) };
  },
  text: (result, options) => [
    `Built the dashboard of ${result.prompts} prompts and ${result.versions} versions in ${options.out}`,
    ...(result.uploaded ? [`Uploaded ${result.uploaded.files} files to ${result.uploaded.to}`] : []),
    ...(result.uploaded?.url !== undefined
      ? [
          `View it at ${result.uploaded.url}index.html`,
          `  (anonymous readers need the bucket policy promptsync init --public-read --public-dashboard sets; links between pages need a host that serves index.html for folders, S3 static website hosting or a CDN: docs/s3.md#the-dashboard)`,
        ]
      : []),
  ],
});

export const registerSite = defineGroup({
  command: "site",
  description: "The dashboard: a static site built from the registry",
  subcommands: [build],
});

interface UploadTarget {
  /** A folder or s3://bucket/path/. */
  to: string;
  /** Where the uploaded pages are read over HTTP, ending in "/": for an s3:// target, or the config's publicUrl. */
  url: string | undefined;
}

/**
 * Where --upload publishes: --to, or the registry's bucket under _dashboard/. Its address is the config's
 * `publicUrl` (a CDN or the bucket's public URL) followed by _dashboard/ for the default place, else the bucket's
 * own anonymous URL.
 */
function uploadTarget(ctx: CliContext, to: string | undefined): UploadTarget {
  const target = to ?? (ctx.registry.kind === "s3" ? `${ctx.registry.url.replace(/\/+$/, "")}/${DASHBOARD_ROOT}` : undefined);
  if (!target) throw new UsageError("Where to? --upload needs --to s3://bucket/path/ when the registry is not a bucket");
  const publicUrl = ctx.config.config.publicUrl;
  if (to === undefined && publicUrl !== undefined) return { to: target, url: `${publicUrl.replace(/\/+$/, "")}/${DASHBOARD_ROOT}` };
  if (!/^s3:\/\//i.test(target)) return { to: target, url: undefined };
  return { to: target, url: `${publicUrlOfSettings(resolveS3Settings({ ...ctx.s3, url: target }))}/` };
}

async function upload(ctx: CliContext, outDir: string, target: UploadTarget): Promise<{ files: number; to: string; url?: string }> {
  const store = await openStore(parseRegistryLocation(target.to, ctx.cwd), { s3: ctx.s3 });
  const { files } = await uploadSite(outDir, store);
  return { files, to: redactUrl(target.to), ...(target.url !== undefined && { url: redactUrl(target.url) }) };
}
