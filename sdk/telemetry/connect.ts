import { ConfigError } from "../../src/errors.ts";
import { packageVersion } from "../../src/package-info.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { openStore, parseRegistryLocation, type RegistryLocation } from "../../src/storage/open.ts";
import type { ResolvedOptions } from "../options.ts";
import { detectAppCommit, detectAppName, type AppInfo } from "./app-info.ts";
import { callbackSink, httpSink, storeSink, type TelemetrySink } from "./sinks.ts";

/** Where telemetry goes and what it says about the app, decided at the first flush. */
export interface TelemetryConnection {
  project: string;
  sink: TelemetrySink;
  app: AppInfo;
}

/** Decides the project, the sink and what the app is, at the first flush. */
export async function connectTelemetry(
  options: ResolvedOptions,
  project: string | undefined,
  registry: RegistryLocation | undefined,
): Promise<TelemetryConnection> {
  if (!project) {
    throw new ConfigError("Telemetry needs a project ID to file events under", "Set the PromptManager option `project` or PROMPTSYNC_PROJECT.");
  }
  const [sink, app, commit] = await Promise.all([
    openSink(options, project, registry),
    detectAppName(options.appName, options.env, options.cwd),
    detectAppCommit(options.appCommit, options.env, options.cwd),
  ]);
  return { project, sink, app: { app, commit, sdk: packageVersion() } };
}

async function openSink(options: ResolvedOptions, project: string, registry: RegistryLocation | undefined): Promise<TelemetrySink> {
  const settings = options.telemetry!;
  const { sink } = settings;
  if (typeof sink === "function") return callbackSink(sink);
  if (sink === "http") return httpSink(settings.url!, settings.headers, options.fetch, options.timeoutMs);
  if (sink === "folder") return storeSink(new FolderStore(settings.dir!), project, options.clientId, options.now);
  const target = settings.registry ? parseRegistryLocation(settings.registry, options.cwd) : registry;
  if (!target || target.kind === "http") {
    throw new ConfigError(
      target ? `The registry sink cannot write to ${target.url}: HTTP registries are read-only` : "The registry sink has no registry to write to",
      'Set `telemetry.registry` to the bucket behind it ("s3://bucket/prefix", with write credentials) or to a folder, or use the http or folder sink.',
    );
  }
  // The S3 client loads here, only for this sink. Batch keys are unique, so the create-only probe is not needed.
  const store = await openStore(target, { s3: { ...settings.s3, env: options.env, verifyConditionalWrites: false } });
  return storeSink(store, project, options.clientId, options.now);
}
