import { PromptSyncError } from "../errors.ts";

/** A signing or trusted key that cannot be read or used; nothing was written. */
export class SigningKeyError extends PromptSyncError {
  constructor(message: string, suggestion?: string) {
    super("SIGNING_KEY_INVALID", message, { suggestion });
  }
}
