import { buildAnalytics, type AnalyticsBuildReport } from "../../src/analytics/build.ts";
import { MAX_SUMMARY_METRICS } from "../../src/analytics/metrics.ts";
import { analyticsTable, formatMetric, formatRate, metricsTable, sinceDay, type AnalyticsMetricRow, type AnalyticsTableRow } from "../../src/analytics/query.ts";
import { promptAnalytics, readAnalyticsState } from "../../src/analytics/read-summaries.ts";
import { RegistryCatalog, requirePublishedPrompt, UNKNOWN_PROMPT } from "../../src/analytics/registry-catalog.ts";
import { MAX_SUMMARY_BYTES } from "../../src/analytics/summary-size.ts";
import { parseDuration } from "../../src/duration.ts";
import { UsageError } from "../../src/errors.ts";
import { normalizeVersion } from "../../src/formats/version.ts";
import { forgetClients } from "../../src/status/clients.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand, type Register } from "../define-command.ts";
import { globalOptions, telemetryOption, unsafeStoreOption } from "../options/global.ts";
import { table } from "../output.ts";

interface AnalyticsOptions extends GlobalOptions {
  version?: string;
  since?: string;
  daily?: boolean;
}

const query = defineCommand({
  command: "analytics",
  description: "A prompt's calls, success rate and latency percentiles by version, variant, alias and canary side, and its custom metrics by version (from `analytics build`)",
  arguments: [["[prompt]", "the prompt's name"]],
  options: [
    (command) =>
      command
        .option("--version <version>", "only this version")
        .option("--since <period>", "only the last N days (7d) or from a date (2026-11-01)")
        .option("--daily", "a row per day as well"),
    globalOptions,
    telemetryOption,
  ],
  parse: (options: AnalyticsOptions, prompt: string | undefined) => {
    if (!prompt) throw new UsageError("Name a prompt (promptsync analytics customer_support), or run promptsync analytics build");
    const since = options.since === undefined ? undefined : sinceDay(options.since, new Date());
    if (options.since !== undefined && !since) throw new UsageError(`--since ${options.since} is not a number of days (7d) or a date (2026-11-01)`);
    return { ...options, prompt, sinceDay: since };
  },
  run: async (ctx, options) => {
    const project = await ctx.project();
    const store = await ctx.telemetryStore();
    const state = await readAnalyticsState(store, project);
    const rows = state ? await promptAnalytics(store, state, options.prompt) : [];
    // No rows: a prompt without events yet, or a name no version has (an error, with the nearest names).
    if (rows.length === 0) await requirePublishedPrompt(await ctx.reader(), project, options.prompt);
    const version = options.version === undefined ? undefined : normalizeVersion(options.version);
    const filter = { version, sinceDay: options.sinceDay, daily: options.daily };
    const { metrics, dropped } = metricsTable(rows, filter);
    const result = analyticsTable(rows, filter);
    return { project, prompt: options.prompt, builtAt: state?.builtAt ?? null, since: options.sinceDay ?? null, version: version ?? null, rows: result, metrics, metricsDropped: dropped };
  },
  text: ({ project, prompt, builtAt, since, version, rows, metrics, metricsDropped }, options) => {
    if (builtAt === null) return `No analytics for ${project} yet: run promptsync analytics build`;
    if (rows.length === 0) return `No events for ${prompt}${version ? ` ${version}` : ""}${since ? ` since ${since}` : ""} (built ${builtAt})`;
    const daily = options.daily === true;
    return [
      `${prompt} in ${project}${since ? ` since ${since}` : ""} (built ${builtAt})\n`,
      formatTable(rows, daily),
      ...(metrics.length ? ["", formatMetrics(metrics, daily)] : []),
      ...(metricsDropped
        ? [
            "",
            `${metricsDropped} custom metric value(s) not summed: a prompt's summary keeps the first ${MAX_SUMMARY_METRICS} metric names it sees, made of letters, digits, _ . - and starting with a letter`,
          ]
        : []),
    ];
  },
});

const build = defineCommand({
  command: "build",
  description: "Aggregate the telemetry batches no build has read yet into per-prompt summaries",
  options: [
    (command) =>
      command
        .option("--grace <hours>", "hours a partition stays open for late batches (clock skew)", "1")
        .option("--forget-clients <period>", "delete the heartbeat pointers of clients not seen for this long (their events stay)", "30d"),
    globalOptions,
    telemetryOption,
    unsafeStoreOption,
  ],
  parse: (options: GlobalOptions & { grace: string; forgetClients: string }) => {
    const grace = Number(options.grace);
    if (!Number.isFinite(grace) || grace < 0) throw new UsageError(`--grace ${options.grace} is not a number of hours`);
    const forgetAfter = parseDuration(options.forgetClients);
    if (forgetAfter === undefined) throw new UsageError(`--forget-clients ${options.forgetClients} is not a period such as 7d or 720h`);
    return { ...options, graceMs: grace * 3_600_000, forgetAfter };
  },
  run: async (ctx, { graceMs, forgetAfter }) => {
    const store = await ctx.telemetryStore();
    const project = await ctx.project();
    const started = performance.now();
    const catalog = await RegistryCatalog.load(await ctx.reader(), project);
    const report = await buildAnalytics(store, project, { graceMs, catalog });
    const clientsForgotten = await forgetClients(store, project, new Date(Date.now() - forgetAfter));
    return { ...report, clientsForgotten, seconds: (performance.now() - started) / 1000 };
  },
  text: (report, options) => buildReportLines(report, options.forgetClients),
});

export const registerAnalytics: Register = (program) => {
  const analytics = query(program);
  build(analytics);
  return analytics;
};

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

/** Custom metrics per version (and day): COUNT reports gave the metric, with SUM; MEAN = SUM / COUNT. */
function formatMetrics(metrics: readonly AnalyticsMetricRow[], daily: boolean): string {
  return table([
    [...(daily ? ["DAY"] : []), "VERSION", "METRIC", "COUNT", "SUM", "MEAN"],
    ...metrics.map((m) => [...(daily ? [m.day!] : []), m.version, m.metric, String(m.count), formatMetric(m.sum), formatMetric(m.mean)]),
  ]);
}

function buildReportLines(report: AnalyticsBuildReport & { clientsForgotten: number; seconds: number }, forgetClients: string): string[] {
  return [
    `Read ${report.objects} batch${report.objects === 1 ? "" : "es"}: ${report.events} events (${report.usage} usage, ${report.metrics} metrics, ${report.heartbeats} heartbeats) in ${report.seconds.toFixed(1)} s`,
    report.prompts.length ? `Updated ${report.prompts.length} prompt summar${report.prompts.length === 1 ? "y" : "ies"}: ${report.prompts.join(", ")}` : "No prompt had new events",
    ...(report.unknown ? [`Counted ${report.unknown} event(s) of prompts, versions, variants or aliases the registry does not have under ${UNKNOWN_PROMPT}`] : []),
    ...report.trimmed.map((t) => `Left the ${t.rows} oldest row(s) out of ${t.prompt}'s summary to keep it under ${MAX_SUMMARY_BYTES / 1024 / 1024} MiB`),
    ...(report.malformedObjects || report.malformedLines
      ? [
          `Skipped ${report.malformedObjects} malformed object(s) and ${report.malformedLines} malformed line(s):`,
          ...report.malformedObjectSamples.map((o) => `  ${o.key}: ${o.reason}`),
          ...report.malformedLineSamples.map((l) => `  ${l.key}:${l.line}: ${l.reason}`),
        ]
      : []),
    ...(report.clientsForgotten ? [`Forgot ${report.clientsForgotten} client${report.clientsForgotten === 1 ? "" : "s"} not seen for ${forgetClients}`] : []),
  ];
}
