import type { Command } from "commander";
import { buildAnalytics, type AnalyticsBuildReport } from "../../src/analytics/build.ts";
import { analyticsTable, formatRate, promptAnalytics, readAnalyticsState, sinceDay, type AnalyticsTableRow } from "../../src/analytics/query.ts";
import { RegistryCatalog, UNKNOWN_PROMPT } from "../../src/analytics/registry-catalog.ts";
import { MAX_SUMMARY_BYTES } from "../../src/analytics/summary-size.ts";
import { parseDuration } from "../../src/duration.ts";
import { UsageError } from "../../src/errors.ts";
import { forgetClients } from "../../src/status/clients.ts";
import { normalizeVersion } from "../../src/formats/version.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withTelemetryOption, withUnsafeStoreOption } from "../global-options.ts";
import { print, printJson, table } from "../output.ts";

interface AnalyticsOptions extends GlobalOptions {
  version?: string;
  since?: string;
  daily?: boolean;
}

export function registerAnalytics(program: Command): void {
  const analytics = withTelemetryOption(
    withGlobalOptions(
      program
        .command("analytics")
        .description("A prompt's calls, success rate and latency percentiles by version, variant, alias and canary side (from `analytics build`)")
        .argument("[prompt]", "the prompt's name")
        .option("--version <version>", "only this version")
        .option("--since <period>", "only the last N days (7d) or from a date (2026-11-01)")
        .option("--daily", "a row per day as well"),
    ),
  ).action(async (prompt: string | undefined, options: AnalyticsOptions) => {
    if (!prompt) throw new UsageError("Name a prompt (promptsync analytics customer_support), or run promptsync analytics build");
    const now = new Date();
    const since = options.since === undefined ? undefined : sinceDay(options.since, now);
    if (options.since !== undefined && !since) throw new UsageError(`--since ${options.since} is not a number of days (7d) or a date (2026-11-01)`);
    const ctx = await resolveContext(options);
    const project = await ctx.project();
    const store = await ctx.telemetryStore();
    const state = await readAnalyticsState(store, project);
    const rows = state ? await promptAnalytics(store, state, prompt) : [];
    const version = options.version === undefined ? undefined : normalizeVersion(options.version);
    const result = analyticsTable(rows, { version, sinceDay: since, daily: options.daily });
    if (ctx.json) return printJson({ project, prompt, builtAt: state?.builtAt ?? null, since: since ?? null, version: version ?? null, rows: result });
    if (!state) return print(`No analytics for ${project} yet: run promptsync analytics build`);
    if (result.length === 0) return print(`No events for ${prompt}${version ? ` ${version}` : ""}${since ? ` since ${since}` : ""} (built ${state.builtAt})`);
    print(`${prompt} in ${project}${since ? ` since ${since}` : ""} (built ${state.builtAt})\n`);
    print(formatTable(result, options.daily === true));
  });

  withUnsafeStoreOption(withTelemetryOption(
    withGlobalOptions(
      analytics
        .command("build")
        .description("Aggregate the telemetry batches no build has read yet into per-prompt summaries")
        .option("--grace <hours>", "hours a partition stays open for late batches (clock skew)", "1")
        .option("--forget-clients <period>", "delete the heartbeat pointers of clients not seen for this long (their events stay)", "30d"),
    ),
  )).action(async (options: GlobalOptions & { grace: string; forgetClients: string }) => {
    const grace = Number(options.grace);
    if (!Number.isFinite(grace) || grace < 0) throw new UsageError(`--grace ${options.grace} is not a number of hours`);
    const forgetAfter = parseDuration(options.forgetClients);
    if (forgetAfter === undefined) throw new UsageError(`--forget-clients ${options.forgetClients} is not a period such as 7d or 720h`);
    const ctx = await resolveContext(options);
    const store = await ctx.telemetryStore();
    const project = await ctx.project();
    const started = performance.now();
    const catalog = await RegistryCatalog.load(await ctx.reader(), project);
    const report = await buildAnalytics(store, project, { graceMs: grace * 3_600_000, catalog });
    const clientsForgotten = await forgetClients(store, project, new Date(Date.now() - forgetAfter));
    const seconds = (performance.now() - started) / 1000;
    if (ctx.json) return printJson({ ...report, clientsForgotten, seconds });
    printBuildReport(report, seconds);
    if (clientsForgotten) print(`Forgot ${clientsForgotten} client${clientsForgotten === 1 ? "" : "s"} not seen for ${options.forgetClients}`);
  });
}

function formatTable(rows: readonly AnalyticsTableRow[], daily: boolean): string {
  const ms = (value: number | null) => (value === null ? "-" : `${value}`);
  return table([
    [...(daily ? ["DAY"] : []), "VERSION", "VARIANT", "ALIAS", "CANARY", "CALLS", "REPORTS", "SUCCESS", "P50 MS", "P95 MS", "P99 MS"],
    ...rows.map((r) => [
      ...(daily ? [r.day!] : []),
      r.version,
      r.variant ?? "-",
      r.alias ?? "-",
      r.canary ? "yes" : "no",
      String(r.calls),
      String(r.reports),
      formatRate(r.successRate),
      ms(r.p50),
      ms(r.p95),
      ms(r.p99),
    ]),
  ]);
}

function printBuildReport(report: AnalyticsBuildReport, seconds: number): void {
  print(
    `Read ${report.objects} batch${report.objects === 1 ? "" : "es"}: ${report.events} events (${report.usage} usage, ${report.metrics} metrics, ${report.heartbeats} heartbeats) in ${seconds.toFixed(1)} s`,
  );
  print(report.prompts.length ? `Updated ${report.prompts.length} prompt summar${report.prompts.length === 1 ? "y" : "ies"}: ${report.prompts.join(", ")}` : "No prompt had new events");
  if (report.unknown) print(`Counted ${report.unknown} event(s) of prompts, versions, variants or aliases the registry does not have under ${UNKNOWN_PROMPT}`);
  for (const t of report.trimmed) print(`Left the ${t.rows} oldest row(s) out of ${t.prompt}'s summary to keep it under ${MAX_SUMMARY_BYTES / 1024 / 1024} MiB`);
  if (report.malformedObjects || report.malformedLines) {
    print(`Skipped ${report.malformedObjects} malformed object(s) and ${report.malformedLines} malformed line(s):`);
    for (const o of report.malformedObjectSamples) print(`  ${o.key}: ${o.reason}`);
    for (const l of report.malformedLineSamples) print(`  ${l.key}:${l.line}: ${l.reason}`);
  }
}
