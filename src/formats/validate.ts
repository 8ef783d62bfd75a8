import type { ErrorObject } from "ajv";
import * as generated from "../generated/validators.ts";
import type { TelemetryEvent } from "./telemetry-events.ts";
import type {
  AliasPointer,
  AnalyticsState,
  AnalyticsSummary,
  CompiledPrompt,
  CompiledVariantFile,
  ConfigFile,
  ProjectIndex,
  PromptMetadata,
  PromptSourceDocument,
  ReleaseClaim,
  CommitInterface,
  ReleaseBundle,
  ReleaseManifest,
  ReleaseSignature,
} from "./types.ts";

/** A validator compiled from a schema in schemas/ at build time (ajv standalone code: no ajv at run time). */
interface SchemaValidator<T> {
  (data: unknown): data is T;
  errors?: ErrorObject[] | null;
}

export type SchemaIssue = Pick<ErrorObject, "instancePath" | "keyword" | "message" | "params">;

export type Validation<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[] };

function validator<T>(fn: unknown): (data: unknown) => Validation<T> {
  const check = fn as SchemaValidator<T>;
  return (data) => (check(data) ? { ok: true, value: data } : { ok: false, issues: [...(check.errors ?? [])] });
}

export const validatePromptSource = validator<PromptSourceDocument>(generated.validatePromptSource);
export const validateConfig = validator<ConfigFile>(generated.validateConfig);
export const validateCompiledPrompt = validator<CompiledPrompt>(generated.validateCompiledPrompt);
export const validateCompiledVariant = validator<CompiledVariantFile>(generated.validateCompiledVariant);
export const validateReleaseManifest = validator<ReleaseManifest>(generated.validateReleaseManifest);
export const validateReleaseBundle = validator<ReleaseBundle>(generated.validateReleaseBundle);
export const validateCommitInterface = validator<CommitInterface>(generated.validateCommitInterface);
export const validateReleaseClaim = validator<ReleaseClaim>(generated.validateReleaseClaim);
export const validateAlias = validator<AliasPointer>(generated.validateAlias);
export const validatePromptMetadata = validator<PromptMetadata>(generated.validatePromptMetadata);
export const validateProjectIndex = validator<ProjectIndex>(generated.validateProjectIndex);
export const validateTelemetryEvent = validator<TelemetryEvent>(generated.validateTelemetryEvent);
export const validateAnalyticsSummary = validator<AnalyticsSummary>(generated.validateAnalyticsSummary);
export const validateAnalyticsState = validator<AnalyticsState>(generated.validateAnalyticsState);
export const validateReleaseSignature = validator<ReleaseSignature>(generated.validateReleaseSignature);

/** One line per issue: `/variants/0/tags: must be object`. */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  return issues
    .map((i) => {
      const extra = (i.params as { additionalProperty?: string }).additionalProperty;
      return `${i.instancePath || "/"}: ${i.message ?? i.keyword}${extra === undefined ? "" : ` ("${extra}")`}`;
    })
    .join("; ");
}
