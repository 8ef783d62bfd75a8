import { mapLimit } from "../concurrency.ts";
import { promptAnalytics, readAnalyticsState } from "../analytics/read-summaries.ts";
import type { AnalyticsSummaryRow } from "../formats/types.ts";
import { clientStatus, type StatusReport } from "../status/clients.ts";
import type { RegistryReader, RegistryStore } from "../storage/types.ts";

/** How far back the compatibility monitor looks for clients. */
export const MONITOR_WINDOW_MS = 24 * 3_600_000;

export interface SiteAnalytics {
  builtAt: string;
  /** Each prompt's summary rows (day, version, variant, canary side), as `analytics build` wrote them. */
  prompts: { name: string; rows: AnalyticsSummaryRow[] }[];
}

export interface SiteTelemetry {
  /** Undefined before the first `analytics build`. */
  analytics: SiteAnalytics | undefined;
  /** Clients seen in the last 24 hours, checked against their commits. */
  status: StatusReport;
}

/** Reads the analytics summaries and the clients' heartbeats for the dashboard. */
export async function snapshotTelemetry(telemetry: RegistryStore, registry: RegistryReader, project: string, now = new Date()): Promise<SiteTelemetry> {
  const state = await readAnalyticsState(telemetry, project);
  const analytics = state && {
    builtAt: state.builtAt,
    prompts: await mapLimit(Object.keys(state.summaries).sort(), 8, async (name) => ({ name, rows: await promptAnalytics(telemetry, state, name) })),
  };
  const status = await clientStatus(telemetry, registry, project, new Date(now.getTime() - MONITOR_WINDOW_MS));
  return { analytics, status };
}
