import { NetworkError, PromptSyncError, type ErrorCode } from "../errors.ts";
import { REGISTRY_ROOT } from "../formats/layout.ts";
import { redactUrl } from "../redact.ts";
import type { S3Location, S3Settings } from "./s3-settings.ts";

interface AwsError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function statusOf(error: unknown): number | undefined {
  return (error as AwsError | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string {
  const e = error as AwsError | undefined;
  return e?.name ?? e?.code ?? "";
}

export function isMissing(error: unknown): boolean {
  return statusOf(error) === 404 && !["NoSuchBucket"].includes(nameOf(error));
}

/** The write's precondition failed: the key exists (If-None-Match) or changed (If-Match). */
export function isConditionFailure(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409 || nameOf(error) === "PreconditionFailed";
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EPIPE", "TimeoutError"]);

/**
 * The one mapping of a failed S3 call to PromptSync's errors, for the store and the bucket setup alike: an
 * unreachable endpoint is a NetworkError (which the SDK and `serve` treat as unavailable), anything else a
 * PromptSyncError whose code says what happened (S3_CREDENTIALS, BUCKET_NOT_FOUND, ACCESS_DENIED, S3_ERROR),
 * with what to do. `action` is what failed, such as "read" or "set up"; `target` the object or registry it was
 * for. Credentials never appear in it.
 */
export function s3Failure(error: unknown, settings: S3Settings, action: string, target: string): PromptSyncError {
  const described = describeS3Error(error, settings.location, settings);
  if (described === "network") {
    return new NetworkError(target, `Cannot reach ${settings.endpointDisplay}: ${(error as Error).message}`, { cause: error });
  }
  return new PromptSyncError(described.code, `Cannot ${action} ${target}: ${described.message}`, {
    suggestion: described.suggestion,
    cause: error,
  });
}

/** A failed S3 call as a code, a message and what to do; credentials never appear in it. */
function describeS3Error(
  error: unknown,
  location: S3Location,
  settings: S3Settings,
): "network" | { code: ErrorCode; message: string; suggestion: string } {
  const name = nameOf(error);
  const status = statusOf(error);
  if (NETWORK_CODES.has(name) || (status === undefined && NETWORK_CODES.has((error as NodeJS.ErrnoException).code ?? ""))) {
    return "network";
  }
  if (name === "CredentialsProviderError" || /credential/i.test(name)) {
    return {
      code: "S3_CREDENTIALS",
      message: "no AWS credentials were found",
      suggestion: "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an IAM role is available (CI OIDC, instance role).",
    };
  }
  if (name === "NoSuchBucket") {
    return {
      code: "BUCKET_NOT_FOUND",
      message: `the bucket ${location.bucket} does not exist on ${settings.endpointDisplay}`,
      suggestion: `Create it with: promptsync init --registry ${location.url}${settings.endpointSource === "--endpoint" ? " --endpoint …" : ""}`,
    };
  }
  if (status === 403 || name === "AccessDenied" || name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch") {
    return {
      code: "ACCESS_DENIED",
      message: `${settings.endpointDisplay} refused the request (${name || status})`,
      suggestion: `Check the credentials and that their policy allows s3:GetObject, s3:PutObject and s3:ListBucket on ${location.url}/${REGISTRY_ROOT} (docs/s3.md).`,
    };
  }
  return {
    code: "S3_ERROR",
    // The server's or the SDK's own words may quote the endpoint.
    message: `${name || "error"}${status ? ` (HTTP ${status})` : ""}: ${redactUrl((error as Error).message)}`,
    suggestion: `Check the registry URL and the endpoint (${settings.endpointDisplay}).`,
  };
}
