// Every format's validator: the pointers' and the config's from validate-pointers.ts, the rest from the generated
// validators.ts. Code on the quick commands' path imports validate-pointers.ts itself (see there).
import * as generated from "../generated/validators.ts";
import { validator } from "./schema-validation.ts";
import type { TelemetryEvent } from "./telemetry-events.ts";
import type {
  AnalyticsState,
  AnalyticsSummary,
  CompiledPrompt,
  CompiledVariantFile,
  PromptMetadata,
  PromptSourceDocument,
  ReleaseClaim,
  CommitInterface,
  ReleaseBundle,
  ReleaseSignature,
} from "./types.ts";

export { describeIssues, type SchemaIssue, type Validation } from "./schema-validation.ts";
export { validateAlias, validateConfig, validateProjectIndex, validateReleaseManifest } from "./validate-pointers.ts";

export const validatePromptSource = validator<PromptSourceDocument>(generated.validatePromptSource);
export const validateCompiledPrompt = validator<CompiledPrompt>(generated.validateCompiledPrompt);
export const validateCompiledVariant = validator<CompiledVariantFile>(generated.validateCompiledVariant);
export const validateReleaseBundle = validator<ReleaseBundle>(generated.validateReleaseBundle);
export const validateCommitInterface = validator<CommitInterface>(generated.validateCommitInterface);
export const validateReleaseClaim = validator<ReleaseClaim>(generated.validateReleaseClaim);
export const validatePromptMetadata = validator<PromptMetadata>(generated.validatePromptMetadata);
export const validateTelemetryEvent = validator<TelemetryEvent>(generated.validateTelemetryEvent);
export const validateAnalyticsSummary = validator<AnalyticsSummary>(generated.validateAnalyticsSummary);
export const validateAnalyticsState = validator<AnalyticsState>(generated.validateAnalyticsState);
export const validateReleaseSignature = validator<ReleaseSignature>(generated.validateReleaseSignature);
