// The registry's JSON codec: pointers, manifests, bundles and telemetry lines. No YAML parser here (codec.ts adds
// YAML, for compiled prompts and variants), so that commands reading only JSON never load it.
import { contentHash, sortKeys } from "./canonical.ts";
import { InvalidBundleError } from "../errors.ts";
import type { CompiledPrompt, CompiledVariant, CompiledVariantFile } from "./types.ts";
import { describeIssues, type Validation } from "./schema-validation.ts";
import { refusingDeep } from "./refuse-deep.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Pointers and manifests: sorted keys, two-space indent, trailing newline. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(sortKeys(value), null, 2)}\n`);
}

/** Telemetry's objects: one compact line, as large summaries stay small. */
export function encodeJsonLine(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(value)}\n`);
}

/** The body as UTF-8 text; anything else is an InvalidBundleError naming the key. */
export function text(body: Uint8Array, key: string): string {
  try {
    return decoder.decode(body);
  } catch {
    throw new InvalidBundleError(key, "not UTF-8 text");
  }
}

/** Decodes a registry file and checks it against its schema; any problem is an InvalidBundleError naming the key. */
export function decodeJson<T>(body: Uint8Array, key: string, validate: (v: unknown) => Validation<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text(body, key));
  } catch (error) {
    if (error instanceof InvalidBundleError) throw error;
    throw new InvalidBundleError(key, `malformed JSON: ${(error as Error).message}`);
  }
  return checked(value, key, validate);
}

/**
 * The decoded value if its schema accepts it, else an InvalidBundleError naming the key (also for a value nested too
 * deeply for the validator's recursion: refuse-deep.ts).
 */
export function checked<T>(value: unknown, key: string, validate: (v: unknown) => Validation<T>): T {
  const result = refusingDeep(key, () => validate(value));
  if (!result.ok) throw new InvalidBundleError(key, `does not match its schema: ${describeIssues(result.issues)}`);
  return result.value;
}

/**
 * Checks that a compiled prompt (and each variant) still has the hash it was published with; a prompt nested too
 * deeply to hash (sortKeys recurses) is an InvalidBundleError too.
 */
export function verifyPromptHash(prompt: CompiledPrompt, key: string): CompiledPrompt {
  if (refusingDeep(key, () => contentHash(prompt)) !== prompt.hash) throw new InvalidBundleError(key, "content does not match its hash");
  for (const variant of prompt.variants) {
    if (refusingDeep(key, () => contentHash(variant)) !== variant.hash) {
      throw new InvalidBundleError(key, `variant "${variant.id}" does not match its hash`);
    }
  }
  return prompt;
}

/** A variant's file is v2 exactly when its prompt is: older readers read v1 prompts whole. */
export function variantFile(prompt: CompiledPrompt, variant: CompiledVariant): CompiledVariantFile {
  return { format: prompt.format === "promptsync.prompt/v2" ? "promptsync.variant/v2" : "promptsync.variant/v1", prompt: prompt.name, ...variant };
}
