import { parseDuration } from "../../src/duration.ts";
import { UsageError } from "../../src/errors.ts";
import { clientStatus, type ClientStatus } from "../../src/status/clients.ts";
import type { GlobalOptions } from "../context.ts";
import { defineCommand } from "../define-command.ts";
import { globalOptions, telemetryOption } from "../options/global.ts";
import { EXIT_OK, EXIT_USER_ERROR, table } from "../output.ts";

export const registerStatus = defineCommand({
  command: "status",
  description: "Every client seen recently, its commit, the versions it serves and whether they fit its code (exit 1 if any does not)",
  options: [(command) => command.option("--since <period>", "clients whose last heartbeat is this recent: 30m, 1h, 7d", "1h"), globalOptions, telemetryOption],
  parse: (options: GlobalOptions & { since: string }) => {
    const window = parseDuration(options.since);
    if (window === undefined) throw new UsageError(`--since ${options.since} is not a period such as 30m, 1h or 7d`);
    return { ...options, window };
  },
  run: async (ctx, { window }) => {
    const project = await ctx.project();
    return clientStatus(await ctx.telemetryStore(), await ctx.reader(), project, new Date(Date.now() - window));
  },
  text: (report, { since }) => {
    if (report.clients.length === 0) return `No client of ${report.project} sent a heartbeat in the last ${since}`;
    const incompatible = report.clients.filter((c) => c.status === "incompatible").length;
    return [
      table([["CLIENT", "APP", "COMMIT", "LAST SEEN", "SERVES", "STATUS", "REASON"], ...report.clients.flatMap(rowsOf)]),
      `\n${report.clients.length} client${report.clients.length === 1 ? "" : "s"} in the last ${since}; ${incompatible ? `${incompatible} incompatible` : "none incompatible"}`,
      ...(report.unreadable ? [`Skipped ${report.unreadable} client pointer${report.unreadable === 1 ? "" : "s"} that ${report.unreadable === 1 ? "is" : "are"} not a heartbeat of ${report.project}`] : []),
    ];
  },
  exitCode: (report) => (report.compatible ? EXIT_OK : EXIT_USER_ERROR),
});

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
