import { PromptSyncError } from "../errors.ts";

/** A signing or trusted key that cannot be read or used; nothing was written. */
export class SigningKeyError extends PromptSyncError {
  constructor(message: string, suggestion?: string) {
    super("SIGNING_KEY_INVALID", message, { suggestion });
  }
}

/** A registry object a verifying reader refuses: `key` names it, `problem` says what is wrong. */
export class SignatureRefusedError extends PromptSyncError {
  readonly key: string;
  readonly problem: string;
  constructor(key: string, problem: string) {
    super("SIGNATURE_INVALID", `Refused ${key}: ${problem}`, {
      suggestion: "Only objects a trusted key signed are read. Run `promptsync verify` to audit the registry; restore the object, or sign it again from CI.",
    });
    this.key = key;
    this.problem = problem;
  }
}
