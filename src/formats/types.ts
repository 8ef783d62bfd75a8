/** TypeScript shapes of the registry's files. schemas/ is the source of truth; these mirror it. */

export type PromptKind = "text" | "chat";
export type MessageRole = "system" | "developer" | "user" | "assistant" | "tool";

export interface ChatMessage {
  role: MessageRole;
  content: string;
}

export interface VariableInfo {
  name: string;
  /** False when the template only reads it behind `is defined`, `default(...)` or `{% if name %}`. */
  required: boolean;
}

export type Tags = Record<string, string>;

export interface CompiledVariant {
  id: string;
  tags: Tags;
  content?: string;
  messages?: ChatMessage[];
  variables: VariableInfo[];
  hash: string;
}

export interface CompiledPrompt {
  format: "promptsync.prompt/v1";
  name: string;
  title?: string;
  description?: string;
  kind: PromptKind;
  /** False for plain prompts whose braces are literal text. */
  template: boolean;
  content?: string;
  messages?: ChatMessage[];
  variables: VariableInfo[];
  model?: string | Record<string, unknown>;
  config?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
  sourceVersion?: string;
  sourceGitCommit?: string;
  source: { path: string; format: "text" | "markdown" | "yaml" };
  variants: CompiledVariant[];
  hash: string;
}

export interface CompiledVariantFile extends CompiledVariant {
  format: "promptsync.variant/v1";
  prompt: string;
}

export interface GitInfo {
  commit: string;
  branch?: string;
  dirty: boolean;
  author?: string;
  subject?: string;
  timestamp?: string;
}

export interface ReleaseManifestEntry {
  hash: string;
  kind: PromptKind;
  variants: { id: string; tags: Tags; hash: string }[];
}

/** What code at one git commit expects of its prompts, recorded by push so checks need no git repository. */
export interface CommitInterface {
  format: "promptsync.interface/v1";
  project: string;
  commit: string;
  prompts: {
    name: string;
    kind: PromptKind;
    variables: VariableInfo[];
    variantTags: Tags[];
    inputs?: Record<string, unknown>;
  }[];
}

/** Every compiled prompt of a version in one object, so that a reader can load a whole version in one request. */
export interface ReleaseBundle {
  format: "promptsync.bundle/v1";
  project: string;
  version: string;
  prompts: CompiledPrompt[];
}

export interface ReleaseManifest {
  format: "promptsync.release/v1";
  project: string;
  version: string;
  createdAt: string;
  git?: GitInfo;
  releaseHash: string;
  prompts: Record<string, ReleaseManifestEntry>;
}

export interface ReleaseClaim {
  format: "promptsync.claim/v1";
  version: string;
  releaseHash: string;
  claimedAt: string;
}

export interface CanaryState {
  version: string;
  /** 0–100, decimals allowed. */
  percentage: number;
  /** 16 hex digits, chosen when the canary starts. */
  salt: string;
  startedAt: string;
}

export type AliasAction = "set" | "canary-set" | "canary-promote" | "canary-abort" | "delete";

export interface AliasHistoryEntry {
  revision: number;
  action: AliasAction;
  /** The alias's version after the change. */
  version: string;
  /** The canary after the change, if one runs. */
  canary?: { version: string; percentage: number };
  at: string;
  by?: string;
  git?: GitInfo;
}

/** An Ed25519 signature of an object's canonical JSON without its `signatures` (src/signing/signatures.ts). */
export interface Signature {
  keyid: string;
  sig: string;
}

export interface AliasPointer {
  /** v2 when signed or deleted; readers before 0.2 read v1 only. */
  format: "promptsync.alias/v1" | "promptsync.alias/v2";
  project: string;
  alias: string;
  version: string;
  /** Increases by one with every change of this alias. */
  revision: number;
  updatedAt: string;
  updatedBy?: string;
  git?: GitInfo;
  canary?: CanaryState;
  history?: AliasHistoryEntry[];
  /** After this time, readers that verify refuse the pointer. */
  expires?: string;
  /** A tombstone: the alias was deleted. */
  deleted?: true;
  signatures?: Signature[];
}

/** prompts/{project}/_signatures/{version}/{keyid}.json: one key's signature of a release manifest. */
export interface ReleaseSignature {
  format: "promptsync.signature/v1";
  project: string;
  version: string;
  /** sha256 of the manifest's canonical JSON. */
  manifest: string;
  signedAt: string;
  signatures: Signature[];
}

export interface PromptHistoryEntry {
  version: string;
  hash: string;
  createdAt: string;
  changed: boolean;
  git?: GitInfo;
}

export interface PromptMetadata {
  format: "promptsync.prompt-metadata/v1";
  project: string;
  name: string;
  versions: PromptHistoryEntry[];
}

export interface ProjectIndexVersion {
  version: string;
  createdAt: string;
  releaseHash: string;
  prompts: string[];
  git?: GitInfo;
}

export interface ProjectIndex {
  format: "promptsync.index/v1" | "promptsync.index/v2";
  project: string;
  updatedAt: string;
  versions: ProjectIndexVersion[];
  aliases: Record<string, { version: string; revision: number }>;
  signatures?: Signature[];
}

export interface PromptSourceDocument {
  name?: string;
  description?: string;
  version?: string | number;
  git_commit?: string;
  template?: boolean;
  content?: string;
  messages?: ChatMessage[];
  model?: string | Record<string, unknown>;
  config?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
  variants?: { id?: string; tags: Tags; content?: string; messages?: ChatMessage[] }[];
}

export interface ConfigFile {
  project?: string;
  registry?: string;
  prompts?: string;
  publicUrl?: string;
  s3?: { endpoint?: string; region?: string; forcePathStyle?: boolean };
  render?: { limits?: { maxOperations?: number; maxOutputLength?: number; maxRange?: number; maxDepth?: number; timeoutMs?: number } };
  signing?: { key?: string; trustedKeys?: string[]; revokedKeys?: string[]; pointerTtl?: string };
}

/** One row of a prompt's analytics summary: schemas/analytics-summary.schema.json. */
export interface AnalyticsSummaryRow {
  day: string;
  version: string;
  variant: string | null;
  alias: string | null;
  canary: boolean;
  calls: number;
  reports: number;
  successes: number;
  failures: number;
  /** latency_ms at 3 significant digits → count. */
  latency: Record<string, number>;
}

export interface AnalyticsSummary {
  format: "promptsync.analytics-summary/v1";
  project: string;
  prompt: string;
  build: string;
  rows: AnalyticsSummaryRow[];
}

/** What analytics build has aggregated: schemas/analytics-state.schema.json. */
export interface AnalyticsState {
  format: "promptsync.analytics-state/v1";
  project: string;
  build: string;
  builtAt: string;
  sealedThrough: string | null;
  open: Record<string, string[]>;
  summaries: Record<string, string>;
  totals: { objects: number; events: number; malformedObjects: number; malformedLines: number };
}
