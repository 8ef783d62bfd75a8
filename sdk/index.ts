export { PromptManager, type GetPromptOptions } from "./prompt-manager.ts";
export type { PromptManagerOptions } from "./options.ts";
export { Prompt, type PromptOrigin } from "./prompt.ts";
export {
  AliasNotFoundError,
  CompileError,
  ConfigError,
  InvalidBundleError,
  MissingVariableError,
  NetworkError,
  PromptNotFoundError,
  PromptSyncError,
  RenderError,
  UnsafeTemplateError,
  VersionNotFoundError,
  type ErrorCode,
} from "../src/errors.ts";
export type { ChatMessage, PromptKind, Tags, VariableInfo } from "../src/formats/types.ts";
export type { Diagnostic } from "../src/diagnostics.ts";
