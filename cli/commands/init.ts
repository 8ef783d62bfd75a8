import { basename } from "node:path";
import { UsageError } from "../../src/errors.ts";
import { DASHBOARD_ROOT } from "../../src/formats/layout.ts";
import { toProjectId } from "../../src/formats/names.ts";
import { initProject } from "../../src/project/init.ts";
import { redactUrl } from "../../src/redact.ts";
import { publicUrlOfSettings, storableEndpoint } from "../../src/storage/s3-public-url.ts";
import { resolveS3Settings } from "../../src/storage/s3-settings.ts";
import type { CliContext, GlobalOptions } from "../context.ts";
import { defineCommand } from "../define-command.ts";
import { globalOptions } from "../options/global.ts";

const CONFIG_FILE = "promptsync.config.yaml";

interface InitOptions extends GlobalOptions {
  path: string;
  publicRead?: boolean;
  publicDashboard?: boolean;
}

export const registerInit = defineCommand({
  command: "init",
  description: "Create promptsync.config.yaml and a prompts folder with an example prompt",
  options: [
    (command) =>
      command
        .option("--path <dir>", "prompts folder", "prompts")
        .option("--public-read", "for an s3:// registry: let anyone GET the registry's prompts/ (apps read it over HTTP)")
        .option("--public-dashboard", `with --public-read: also let anyone GET the dashboard site build --upload publishes under ${DASHBOARD_ROOT}`),
    globalOptions,
  ],
  parse: (options: InitOptions) => {
    if (options.publicDashboard && !options.publicRead) {
      throw new UsageError("--public-dashboard goes with --public-read", "Run promptsync init --registry s3://bucket/prefix --public-read --public-dashboard.");
    }
    return options;
  },
  run: async (ctx, options: InitOptions) => {
    if (options.publicRead && ctx.registry.kind !== "s3") {
      throw new UsageError("--public-read applies to s3:// registries", "Add --registry s3://bucket/prefix.");
    }
    const s3 = ctx.registry.kind === "s3" ? s3Addresses(ctx, ctx.registry.url) : undefined;
    const bucket =
      ctx.registry.kind === "s3" ? await setUpBucket(ctx.s3, ctx.registry.url, options.publicRead === true, options.publicDashboard === true) : undefined;
    const publicUrl = options.publicRead ? s3?.publicUrl : undefined;
    // A new project may have no git remote or package.json yet: its folder name is then the project ID.
    const project = await ctx.project().catch(() => toProjectId(basename(ctx.cwd)));
    const result = await initProject({
      dir: ctx.cwd,
      project,
      promptsPath: options.path,
      ...(options.registry !== undefined && { registry: options.registry }),
      ...(publicUrl !== undefined && { publicUrl }),
      ...(s3?.endpoint !== undefined && { s3Endpoint: s3.endpoint }),
    });
    // A config that existed is never rewritten: say what it lacks instead.
    const config = ctx.config.config;
    const unsaved = result.created.includes(CONFIG_FILE)
      ? []
      : [
          ...(publicUrl !== undefined && config.publicUrl !== publicUrl ? [`publicUrl: ${publicUrl}`] : []),
          ...(s3?.endpoint !== undefined && config.s3?.endpoint !== s3.endpoint ? ["s3:", `  endpoint: ${s3.endpoint}`] : []),
        ];
    return {
      ...result,
      project,
      ...(bucket && { bucket }),
      ...(publicUrl !== undefined && { publicUrl }),
      ...(publicUrl !== undefined && options.publicDashboard && { dashboardUrl: `${publicUrl}/${DASHBOARD_ROOT}index.html` }),
      ...(s3?.endpoint !== undefined && { endpoint: s3.endpoint }),
      ...(unsaved.length > 0 && { unsaved }),
    };
  },
  // The project is for the snippet; --json readers have the config.
  json: ({ project: _project, ...result }) => result,
  text: ({ bucket, created, kept, project, publicUrl, dashboardUrl, unsaved }) => {
    const inConfig = !(unsaved ?? []).some((line) => line.startsWith("publicUrl:"));
    return [
      ...(bucket ? [`${bucket.created ? "created" : "kept   "} bucket ${bucket.bucket}${bucket.created ? "" : " (exists)"}`] : []),
      ...(bucket?.publicRead ? [`allowed anonymous GET on ${bucket.publicRead.resource}`] : []),
      ...(bucket?.publicRead?.dashboard ? [`allowed anonymous GET on ${bucket.publicRead.dashboard}`] : []),
      ...created.map((file) => `created ${file}`),
      ...kept.map((file) => `kept    ${file} (exists)`),
      ...(unsaved ? [``, `Add to ${CONFIG_FILE}:`, ...unsaved.map((line) => `  ${line}`)] : []),
      ...(publicUrl !== undefined
        ? [
            ``,
            `Apps read the registry at ${publicUrl}${inConfig ? ` (publicUrl in ${CONFIG_FILE})` : ""}:`,
            `  new PromptManager({ registry: ${JSON.stringify(publicUrl)}, project: ${JSON.stringify(project)} })`,
            ...(dashboardUrl !== undefined ? [`The dashboard, once site build --upload has published it: ${dashboardUrl}`] : []),
          ]
        : []),
      `\nNext: promptsync push --alias dev`,
    ];
  },
});

/**
 * Where anonymous readers reach the registry once its bucket is public, and the endpoint to keep in the config
 * (never with credentials; none for AWS S3).
 */
function s3Addresses(ctx: CliContext, url: string): { publicUrl: string; endpoint: string | undefined } {
  const settings = resolveS3Settings({ ...ctx.s3, url });
  const { endpoint } = settings.clientConfig;
  return {
    publicUrl: redactUrl(publicUrlOfSettings(settings)),
    endpoint: typeof endpoint === "string" ? storableEndpoint(endpoint) : undefined,
  };
}

/** The AWS SDK loads only for s3:// registries. */
async function setUpBucket(s3: CliContext["s3"], url: string, publicRead: boolean, publicDashboard: boolean) {
  const { prepareBucket } = await import("../../src/storage/s3-bucket.ts");
  return prepareBucket({ ...s3, url, publicRead, publicDashboard });
}
