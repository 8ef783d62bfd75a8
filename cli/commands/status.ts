import type { Command } from "commander";
import { UsageError } from "../../src/errors.ts";
import { parseDuration } from "../../src/duration.ts";
import { clientStatus, type ClientStatus } from "../../src/status/clients.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions, withTelemetryOption } from "../global-options.ts";
import { print, printJson, table } from "../output.ts";

export function registerStatus(program: Command): void {
  withTelemetryOption(
    withGlobalOptions(
      program
        .command("status")
        .description("Every client seen recently, its commit, the versions it serves and whether they fit its code (exit 1 if any does not)")
        .option("--since <period>", "clients whose last heartbeat is this recent: 30m, 1h, 7d", "1h"),
    ),
  ).action(async (options: GlobalOptions & { since: string }) => {
    const window = parseDuration(options.since);
    if (window === undefined) throw new UsageError(`--since ${options.since} is not a period such as 30m, 1h or 7d`);
    const ctx = await resolveContext(options);
    const project = await ctx.project();
    const report = await clientStatus(await ctx.telemetryStore(), await ctx.reader(), project, new Date(Date.now() - window));
    if (!report.compatible) process.exitCode = 1;
    if (ctx.json) return printJson(report);
    if (report.clients.length === 0) return print(`No client of ${project} sent a heartbeat in the last ${options.since}`);
    print(table([["CLIENT", "APP", "COMMIT", "LAST SEEN", "SERVES", "STATUS", "REASON"], ...report.clients.flatMap(rowsOf)]));
    const incompatible = report.clients.filter((c) => c.status === "incompatible").length;
    print(`\n${report.clients.length} client${report.clients.length === 1 ? "" : "s"} in the last ${options.since}; ${incompatible ? `${incompatible} incompatible` : "none incompatible"}`);
    if (report.unreadable) print(`Skipped ${report.unreadable} client pointer${report.unreadable === 1 ? "" : "s"} that ${report.unreadable === 1 ? "is" : "are"} not a heartbeat of ${project}`);
  });
}

/** A line per served prompt; the client's columns only on its first. */
function rowsOf(client: ClientStatus): string[][] {
  const head = [client.client, client.app, client.commit?.slice(0, 7) ?? "-", client.lastSeen];
  if (client.serves.length === 0) return [[...head, "-", client.status, ""]];
  return client.serves.map((s, i) => [
    ...(i === 0 ? head : head.map(() => "")),
    `${s.prompt}@${s.version}${s.variant ? `#${s.variant}` : ""}${s.alias ? ` (${s.alias}${s.canary ? ", canary" : ""})` : ""}`,
    s.status,
    s.reasons.join("; "),
  ]);
}
