// The SDK's types use Node.js's (node:crypto, NodeJS.ProcessEnv): they say so, so that an app's tsc finds them with
// `types: []` (TypeScript 7's default) as long as @types/node is installed. Kept in index.d.ts by preserve="true".
/// <reference types="node" preserve="true" />
export { PromptManager, type AliasChange, type GetPromptOptions, type PromptOptions } from "./prompt-manager.ts";
export type { FormatResult, JsonValue, MessageInput, PromptCatalog, PromptShape, UntypedCatalog, UntypedPrompt } from "./typed-prompts.ts";
export type { PromptManagerOptions, TelemetryCallback, TelemetryOptions } from "./options.ts";
export type { PromptReference } from "./prompt-manager.ts";
export type { TelemetryStats } from "./telemetry/recorder.ts";
export { SPAN_ATTRIBUTES, type SpanLike } from "./telemetry/open-telemetry.ts";
export type { HeartbeatEvent, Metrics, MetricsEvent, ServedPrompt, TelemetryEvent, UsageEvent } from "../src/formats/telemetry-events.ts";
export { Prompt, type PromptSource } from "./prompt.ts";
export type { CacheStrategy } from "./options.ts";
export { DEFAULT_RENDER_LIMITS, type RenderLimits } from "../src/template/budget.ts";
export {
  AliasNotFoundError,
  CompileError,
  ConfigError,
  InputValidationError,
  InvalidBundleError,
  InvalidNameError,
  InvalidMessageError,
  MissingVariableError,
  OutputValidationError,
  NetworkError,
  PromptNotFoundError,
  PromptUnavailableError,
  PromptSyncError,
  RenderError,
  RenderLimitError,
  SignatureInvalidError,
  SourcesUnavailableError,
  UnsafeTemplateError,
  UsageError,
  VersionNotFoundError,
  type ErrorCode,
  type InputViolation,
  type OutputViolation,
  type SourceAttempt,
} from "../src/errors.ts";
export type {
  ChatMessage,
  ContentPart,
  MessagePlaceholder,
  MessageRole,
  MessageTemplate,
  OutputSchema,
  PromptKind,
  Tags,
  ToolDefinition,
  VariableInfo,
} from "../src/formats/types.ts";
export type { Rendered, RenderedContentPart, RenderedMessage } from "../src/formats/rendered.ts";
export type { OpenAIApi, OpenAIChatRequest, OpenAIRequestOptions, OpenAIResponsesRequest } from "./providers/openai.ts";
export type { AnthropicMessagesRequest } from "./providers/anthropic.ts";
export type { Diagnostic } from "../src/diagnostics.ts";
export type { PromptChange, PromptDiff } from "../src/diff/compare.ts";
