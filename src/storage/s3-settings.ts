// No @aws-sdk types here: S3StoreOptions reaches the SDK's public types (through open.ts), which must not pull in
// the AWS SDK's declarations (issue 16). A ready S3Client is S3Store's option (s3.ts).
import { ConfigError } from "../errors.ts";
import { redactUrl } from "../redact.ts";

/** Settings of an S3 registry; each falls back to the standard AWS environment variables. */
export interface S3StoreOptions {
  /** `s3://bucket/prefix`. */
  url: string;
  /**
   * Endpoint of an S3-compatible server (MinIO, R2, Ceph RGW).
   * @default env AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL; else AWS S3
   */
  endpoint?: string | undefined;
  /** @default env AWS_REGION, then AWS_DEFAULT_REGION, else "us-east-1" */
  region?: string | undefined;
  /** Path-style requests (`https://host/bucket/key`). @default true with a custom endpoint, false on AWS */
  forcePathStyle?: boolean | undefined;
  /** Write to a store that ignores conditional writes, after a warning. @default false */
  allowUnsafeStore?: boolean | undefined;
  /**
   * Probe, before the first write, that the store enforces conditional writes. Off only for writers of unique
   * keys (telemetry batches), whose credentials may not reach the probe's key under prompts/. @default true
   */
  verifyConditionalWrites?: boolean | undefined;
  /** @default writes to stderr */
  onWarning?: ((message: string) => void) | undefined;
  /** @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
}

export interface S3Location {
  bucket: string;
  /** "" or a prefix ending in "/". */
  prefix: string;
  /** `s3://bucket/prefix`, normalised. */
  url: string;
}

/** The S3Client's configuration: what resolveS3Settings sets of @aws-sdk/client-s3's S3ClientConfig. */
export interface S3ClientSettings {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  followRegionRedirects: boolean;
  requestChecksumCalculation?: "WHEN_REQUIRED";
  responseChecksumValidation?: "WHEN_REQUIRED";
}

export interface S3Settings {
  location: S3Location;
  clientConfig: S3ClientSettings;
  /** The custom endpoint without its credentials, or "AWS S3": for messages. */
  endpointDisplay: string;
  /** Where the endpoint came from, for messages: "--endpoint", "AWS_ENDPOINT_URL_S3", … */
  endpointSource: string | undefined;
  allowUnsafeStore: boolean;
  verifyConditionalWrites: boolean;
  onWarning: (message: string) => void;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]*)\/?(.*)$/i.exec(url.trim());
  const bucket = match?.[1] ?? "";
  if (!BUCKET.test(bucket)) {
    throw new ConfigError(
      `"${redactUrl(url)}" does not name a valid bucket`,
      "Write the registry as s3://bucket or s3://bucket/prefix; bucket names are 3-63 lowercase letters, digits, dots and hyphens.",
    );
  }
  const path = (match?.[2] ?? "").split("/").filter(Boolean).join("/");
  const prefix = path ? `${path}/` : "";
  return { bucket, prefix, url: `s3://${bucket}${path ? `/${path}` : ""}` };
}

export function s3Key(location: S3Location, key: string): string {
  return `${location.prefix}${key}`;
}

/** Resolves every default once. */
export function resolveS3Settings(options: S3StoreOptions): S3Settings {
  const env = options.env ?? process.env;
  const endpointChoice: [string, string | undefined][] = [
    ["--endpoint", options.endpoint],
    ["AWS_ENDPOINT_URL_S3", env.AWS_ENDPOINT_URL_S3],
    ["AWS_ENDPOINT_URL", env.AWS_ENDPOINT_URL],
  ];
  const [endpointSource, endpoint] = endpointChoice.find(([, value]) => value) ?? [undefined, undefined];
  if (endpoint !== undefined && !/^https?:\/\/[^/]/i.test(endpoint)) {
    throw new ConfigError(
      `The S3 endpoint "${redactUrl(endpoint)}" (from ${endpointSource}) is not an http(s) URL`,
      "Give the server's URL, for example --endpoint https://<account>.r2.cloudflarestorage.com or http://localhost:9000.",
    );
  }
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  const custom = endpoint !== undefined;
  return {
    location: parseS3Url(options.url),
    clientConfig: {
      region,
      ...(custom && { endpoint }),
      forcePathStyle: options.forcePathStyle ?? custom,
      // On AWS the bucket's region may differ from the default one.
      followRegionRedirects: !custom,
      // Some S3-compatible servers store the SDK's default aws-chunked framing as the object's bytes.
      ...(custom && { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }),
    },
    endpointDisplay: endpoint === undefined ? "AWS S3" : redactUrl(endpoint),
    endpointSource,
    allowUnsafeStore: options.allowUnsafeStore ?? false,
    verifyConditionalWrites: options.verifyConditionalWrites ?? true,
    onWarning: options.onWarning ?? ((message) => process.stderr.write(`${message}\n`)),
  };
}
