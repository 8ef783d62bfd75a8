import type { Diagnostic } from "./diagnostics.ts";
import { isTelemetryKey } from "./formats/layout.ts";
import { didYouMean } from "./formats/nearest-name.ts";

/** Every failure PromptSync reports has a stable code; the CLI maps them to exit 1 and the SDK throws them. */
export type ErrorCode =
  | "COMPILE_FAILED"
  | "CONFIG_INVALID"
  | "USAGE"
  | "PROMPT_NOT_FOUND"
  | "VERSION_NOT_FOUND"
  | "ALIAS_NOT_FOUND"
  | "VERSION_IMMUTABLE"
  | "VERSION_INVALID"
  | "ALIAS_INVALID"
  | "PROJECT_UNKNOWN"
  | "REGISTRY_UNSUPPORTED"
  | "REGISTRY_READ_ONLY"
  | "MISSING_DEPENDENCY"
  | "UNSAFE_STORE"
  | "S3_CREDENTIALS"
  | "BUCKET_NOT_FOUND"
  | "ACCESS_DENIED"
  | "S3_ERROR"
  | "FOLDER_ERROR"
  | "POINTER_CONFLICT"
  | "NETWORK"
  | "INVALID_BUNDLE"
  | "UNSAFE_TEMPLATE"
  | "RENDER_LIMIT"
  | "INVALID_NAME"
  | "MISSING_VARIABLE"
  | "INPUT_INVALID"
  | "INVALID_MESSAGE"
  | "RENDER_FAILED"
  | "PROMPT_UNAVAILABLE"
  | "CANARY_INVALID"
  | "NO_CANARY"
  | "CANARY_RUNNING"
  | "ALIAS_PROTECTED"
  | "ALIAS_NEAR_MISS"
  | "NO_PREVIOUS_VERSION"
  | "SIGNATURE_INVALID"
  | "SIGNING_KEY_INVALID"
  | "NOT_A_GIT_REPO"
  | "GIT_COMMIT_NOT_FOUND"
  | "INCOMPATIBLE"
  | "ANALYTICS_CONFLICT"
  | "ANALYTICS_INVALID"
  | "PORT_IN_USE"
  | "PORT_DENIED"
  | "OUTPUT_INVALID"
  | "TYPES_UNSUPPORTED"
  | "TYPES_STALE";

export class PromptSyncError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it. */
  readonly suggestion: string | undefined;

  constructor(code: ErrorCode, message: string, options: { suggestion?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.suggestion = options.suggestion;
  }
}

/** One or more prompt files failed to compile; `diagnostics` lists every problem found in the run. */
export class CompileError extends PromptSyncError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const files = new Set(diagnostics.map((d) => d.file)).size;
    super(
      "COMPILE_FAILED",
      `${diagnostics.length} problem${diagnostics.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}`,
    );
    this.diagnostics = diagnostics;
  }
}

export class ConfigError extends PromptSyncError {
  constructor(message: string, suggestion?: string) {
    super("CONFIG_INVALID", message, { suggestion });
  }
}

export class UsageError extends PromptSyncError {
  constructor(message: string, suggestion?: string) {
    super("USAGE", message, { suggestion });
  }
}

/**
 * An optional package a feature needs is not installed (Astro for the dashboard): the environment is missing
 * something, the command line is fine.
 */
export class MissingDependencyError extends PromptSyncError {
  /** The npm package to install. */
  readonly dependency: string;
  constructor(dependency: string, message: string, suggestion: string) {
    super("MISSING_DEPENDENCY", message, { suggestion });
    this.dependency = dependency;
  }
}

export class PromptNotFoundError extends PromptSyncError {
  readonly prompt: string;
  /** `known`: the prompt names there are, for a "Did you mean …?" before the suggestion. */
  constructor(prompt: string, where: string, suggestion?: string, known: Iterable<string> = []) {
    super("PROMPT_NOT_FOUND", `Prompt "${prompt}" not found in ${where}`, { suggestion: joinHints(didYouMean(prompt, known), suggestion) });
    this.prompt = prompt;
  }
}

export class VersionNotFoundError extends PromptSyncError {
  readonly version: string;
  constructor(version: string, project: string) {
    super("VERSION_NOT_FOUND", `Version ${version} does not exist in project "${project}"`, {
      suggestion: "Run `promptsync list` to see the versions.",
    });
    this.version = version;
  }
}

export class AliasNotFoundError extends PromptSyncError {
  readonly alias: string;
  /** `known`: the aliases there are, for a "Did you mean …?". */
  constructor(alias: string, project: string, known: Iterable<string> = []) {
    const near = didYouMean(alias, known);
    super("ALIAS_NOT_FOUND", `Alias "${alias}" does not exist in project "${project}"`, {
      suggestion: near
        ? `${near} Otherwise create it with \`promptsync alias set ${alias} <version>\` (with --create if it is refused as too close to another alias), or run \`promptsync alias list\`.`
        : `Create it with \`promptsync alias set ${alias} <version>\`, or run \`promptsync alias list\`.`,
    });
    this.alias = alias;
  }
}

export class VersionImmutableError extends PromptSyncError {
  readonly version: string;
  constructor(version: string) {
    super("VERSION_IMMUTABLE", `Version ${version} already exists with different content; versions are immutable`, {
      suggestion: "Push without --version to get the next version, or choose a new version number.",
    });
    this.version = version;
  }
}

export class NetworkError extends PromptSyncError {
  readonly url: string;
  readonly status: number | undefined;
  constructor(url: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super("NETWORK", `${message} (${url})`, { cause: options.cause });
    this.url = url;
    this.status = options.status;
  }
}

/** A registry object that is malformed, violates its schema, fails its hash, or holds an unsafe template. */
export class InvalidBundleError extends PromptSyncError {
  readonly key: string;
  constructor(key: string, message: string) {
    super("INVALID_BUNDLE", `Invalid registry object ${key}: ${message}`, {
      suggestion: isTelemetryKey(key)
        ? "Telemetry is written by apps: delete the object, and check the app or sink that wrote it."
        : "The registry was changed outside promptsync or is corrupt; push the version again to a new number.",
    });
    this.key = key;
  }
}

/**
 * A registry object that no trusted key vouches for: unsigned, signed by an unknown or revoked key, expired,
 * older than a revision already verified, or bound to another project or version.
 */
export class SignatureInvalidError extends PromptSyncError {
  readonly key: string;
  constructor(key: string, problem: string) {
    super("SIGNATURE_INVALID", `Refused registry object ${key}: ${problem}`, {
      suggestion: "Someone wrote to the registry without the team's signing key, or the trusted keys are out of date: run `promptsync verify` on the registry and check trustedKeys.",
    });
    this.key = key;
  }
}

export class UnsafeTemplateError extends PromptSyncError {
  constructor(message: string) {
    super("UNSAFE_TEMPLATE", message, {
      suggestion: "Templates may only read variables and call the built-in filters and globals.",
    });
  }
}

/** A render went over one of its limits (operations, output length, recursion depth, time). */
export class RenderLimitError extends PromptSyncError {
  /** The `RenderLimits` field that was exceeded. */
  readonly limit: string;
  /** 1-based line of the template where the limit was reached, when known. */
  readonly line: number | undefined;
  constructor(limit: string, message: string, line?: number) {
    super("RENDER_LIMIT", message, {
      suggestion: `Simplify the template, or raise renderLimits.${limit} (SDK) / render.limits.${limit} (promptsync.config.yaml) if the prompt really needs it.`,
    });
    this.limit = limit;
    this.line = line;
  }
}

/** A prompt name, alias, version or project ID from outside (an app, a URL) that the registry layout cannot hold. */
export class InvalidNameError extends PromptSyncError {
  readonly kind: "prompt" | "alias" | "version" | "project" | "key";
  readonly value: string;
  constructor(kind: InvalidNameError["kind"], value: string, problem: string) {
    super("INVALID_NAME", `Invalid ${kind} ${JSON.stringify(value)}: ${problem}`, {
      suggestion: "Use the name exactly as `promptsync list` shows it.",
    });
    this.kind = kind;
    this.value = value;
  }
}

export class MissingVariableError extends PromptSyncError {
  readonly variables: readonly string[];
  constructor(prompt: string, variables: readonly string[]) {
    super(
      "MISSING_VARIABLE",
      `Prompt "${prompt}" needs ${variables.length === 1 ? "variable" : "variables"} ${variables.map((v) => `"${v}"`).join(", ")}`,
      { suggestion: "Pass every variable (format() in the SDK, --var in the CLI), or give it a default in the template: {{ name | default('…') }}." },
    );
    this.variables = variables;
  }
}

/** A message a placeholder was filled with breaks a rule (role, content, count or size). */
export class InvalidMessageError extends PromptSyncError {
  readonly placeholder: string;
  /** 0-based index of the bad message, when one message is at fault. */
  readonly index: number | undefined;
  constructor(prompt: string, placeholder: string, index: number | undefined, rule: string) {
    super(
      "INVALID_MESSAGE",
      `Prompt "${prompt}": placeholder "${placeholder}"${index === undefined ? ` ${rule}` : ` message [${index}]: ${rule}`}`,
      { suggestion: `Pass "${placeholder}" a list of {role, content} messages: role one of system, developer, user, assistant, tool; content a string or a list of {type: text|image|file|audio} parts (docs/prompt-format.md#placeholders).` },
    );
    this.placeholder = placeholder;
    this.index = index;
  }
}

/** One way the variables break a prompt's `inputs` schema. */
export interface InputViolation {
  /** The variable, or undefined when the rule is about the variables as a whole. */
  readonly variable: string | undefined;
  /** Where, from the variable down: `age`, `user.address.zip`, `tags[2]`; "" for the variables as a whole. */
  readonly path: string;
  /** The schema keyword broken: `minimum`, `required`, `pattern`, `type`… */
  readonly rule: string;
  readonly message: string;
}

/** format() was given variables that the prompt's `inputs` schema does not allow; nothing was rendered. */
export class InputValidationError extends PromptSyncError {
  readonly prompt: string;
  /** The first violations found (at most 20). */
  readonly violations: readonly InputViolation[];
  constructor(prompt: string, violations: readonly InputViolation[], more: boolean) {
    const listed = violations.map((v) => `${v.path === "" ? "the variables" : `variable "${v.path}"`}: ${v.message} (${v.rule})`);
    super("INPUT_INVALID", `Prompt "${prompt}" got variables its inputs schema does not allow: ${listed.join("; ")}${more ? "; and more" : ""}`, {
      suggestion: "Pass values that fit the prompt's `inputs` schema (`promptsync show <prompt>` prints it).",
    });
    this.prompt = prompt;
    this.violations = violations;
  }
}

/** One way a response breaks the prompt's output schema. */
export interface OutputViolation {
  /** The JSON path: `$`, `$.answer`, `$.sources[2]`. */
  path: string;
  rule: string;
  message: string;
}

export class OutputValidationError extends PromptSyncError {
  readonly prompt: string;
  /** The first violations found (at most 20). */
  readonly violations: readonly OutputViolation[];
  constructor(prompt: string, violations: readonly OutputViolation[], more: boolean) {
    const listed = violations.map((v) => `${v.path}: ${v.message} (${v.rule})`);
    super("OUTPUT_INVALID", `The response to "${prompt}" does not fit its output schema: ${listed.join("; ")}${more ? "; and more" : ""}`, {
      suggestion: "Ask the model for structured output with the prompt's schema (toOpenAI and toAnthropic send it), or handle the error and retry.",
    });
    this.prompt = prompt;
    this.violations = violations;
  }
}

export class RenderError extends PromptSyncError {
  constructor(prompt: string, message: string, cause?: unknown) {
    super("RENDER_FAILED", `Rendering "${prompt}" failed: ${message}`, { cause });
  }
}

/** One place the SDK looked for a prompt, and why it could not serve it. */
export interface SourceAttempt {
  source: "memory" | "disk" | "network" | "snapshot" | "local";
  error: string;
}

const UNAVAILABLE_SUGGESTION =
  "Check the registry URL and the network; ship a snapshot (promptsync pull, snapshotDir) or pass fallbackToLocal to serve offline.";

/**
 * No source could serve what the SDK needed (an alias pointer, a manifest, a prompt): `attempts` lists each source
 * tried, in order, with its failure, and `cause` is the registry's failure (a NetworkError, InvalidBundleError,
 * UnsafeTemplateError or SignatureInvalidError). getPrompt throws its subclass PromptUnavailableError, which names
 * the prompt; preload() and diff() throw this one.
 */
export class SourcesUnavailableError extends PromptSyncError {
  readonly attempts: readonly SourceAttempt[];
  constructor(what: string, attempts: readonly SourceAttempt[], cause?: unknown) {
    super("PROMPT_UNAVAILABLE", `${what} could not be served: ${attempts.map((a) => `${a.source}: ${a.error}`).join("; ")}`, {
      suggestion: UNAVAILABLE_SUGGESTION,
      cause,
    });
    this.attempts = attempts;
  }
}

/** No source could serve the prompt: `attempts` lists each one tried, in order, with its failure. */
export class PromptUnavailableError extends SourcesUnavailableError {
  readonly prompt: string;
  /** `cause`: the registry's failure (a NetworkError, InvalidBundleError, UnsafeTemplateError or SignatureInvalidError). */
  constructor(prompt: string, ref: string, attempts: readonly SourceAttempt[], cause?: unknown) {
    super(`Prompt "${prompt}" (${ref})`, attempts, cause);
    this.prompt = prompt;
  }
}

/**
 * Failures that say the registry could not serve right now, not that the prompt or alias does not exist: the
 * registry's own failures, and a SourcesUnavailableError that already tried every source.
 */
export function isUnavailable(error: unknown): boolean {
  return (
    error instanceof NetworkError ||
    error instanceof InvalidBundleError ||
    error instanceof UnsafeTemplateError ||
    error instanceof SignatureInvalidError ||
    error instanceof SourcesUnavailableError
  );
}

function joinHints(...hints: (string | undefined)[]): string | undefined {
  const present = hints.filter((h): h is string => h !== undefined && h !== "");
  return present.length ? present.join(" ") : undefined;
}
