import type { AnalyticsState, AnalyticsSummaryRow } from "../formats/types.ts";
import { telemetryLayout } from "../formats/layout.ts";
import type { RegistryReader } from "../storage/types.ts";
import { parseState, readSummary, summaryKeyOf } from "./build.ts";

/** The current analytics state, or undefined before the first build. */
export async function readAnalyticsState(reader: RegistryReader, project: string): Promise<AnalyticsState | undefined> {
  const key = telemetryLayout.analyticsState(project);
  const object = await reader.get(key);
  return object && parseState(key, object.body);
}

/** A prompt's aggregated rows; empty when no build saw it. */
export async function promptAnalytics(reader: RegistryReader, state: AnalyticsState, prompt: string): Promise<AnalyticsSummaryRow[]> {
  const key = summaryKeyOf(state, prompt);
  return key ? (await readSummary(reader, key)).rows : [];
}
