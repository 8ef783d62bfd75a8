/**
 * Everything the dashboard's pages (site/src) use of the library, in one module: the snapshot's types and the few
 * functions that format what the CLI formats the same way. Pages import it as `virtual:promptsync/view`, which the
 * site build resolves to this module's compiled sibling in dist/ (or to this file when run from the repository), so
 * the site needs neither relative paths into src/ nor the package's TypeScript sources.
 */
export type { SiteAlias, SiteData, SitePrompt, SitePromptVersion, SiteSignature, SiteVersion } from "./snapshot.ts";
export type { SiteAnalytics, SiteTelemetry } from "./telemetry-snapshot.ts";
export type { AnalyticsSummaryRow, ContentPart, MessageTemplate, OutputSchema, ToolDefinition } from "../formats/types.ts";
export type { AnalyticsMetricRow, AnalyticsTotals } from "../analytics/query.ts";
export type { ClientCompatibility } from "../status/clients.ts";

export { analyticsTable, formatMetric, formatRate, metricsTable, sinceDay, totalsOf } from "../analytics/query.ts";
export { describeChange } from "../diff/format.ts";
export { messageSlot, messageText } from "../structured/message-text.ts";
export { compareVersions } from "../formats/version.ts";
export type { PreviewReply, PreviewRequest, PreviewSegment } from "./render-preview.ts";
export { RENDER_WORKER } from "./render-worker-name.ts";
