import type { S3Settings } from "./s3-settings.ts";

/** Where an s3:// location is read over plain HTTP, once the bucket policy lets anyone GET it. */
interface PublicS3Address {
  bucket: string;
  /** "" or a prefix ending in "/". */
  prefix: string;
  /** A custom endpoint (MinIO, Ceph, R2); undefined for AWS S3. */
  endpoint: string | undefined;
  region: string;
  /** Path-style addressing (`host/bucket/key`), as resolveS3Settings decides it. */
  pathStyle: boolean;
}

/**
 * The anonymous HTTP(S) URL of an s3:// location, without a trailing slash: `http://rgw:7480/bucket/prefix` on a
 * custom endpoint (path style), `https://bucket.s3.eu-west-1.amazonaws.com/prefix` on AWS (virtual-hosted, or path
 * style for a bucket name with dots, which the wildcard certificate does not cover). The endpoint's user
 * information, query and fragment are left out: the URL is printed and written into the config.
 */
function publicS3Url({ bucket, prefix, endpoint, region, pathStyle }: PublicS3Address): string {
  const path = prefix.replace(/\/+$/, "");
  const tail = path ? `/${path}` : "";
  if (endpoint === undefined) {
    return pathStyle || bucket.includes(".")
      ? `https://s3.${region}.amazonaws.com/${bucket}${tail}`
      : `https://${bucket}.s3.${region}.amazonaws.com${tail}`;
  }
  const url = new URL(endpoint);
  const base = url.pathname.replace(/\/+$/, "");
  return pathStyle ? `${url.protocol}//${url.host}${base}/${bucket}${tail}` : `${url.protocol}//${bucket}.${url.host}${base}${tail}`;
}

/** The endpoint as it may be stored in a config file: its origin and path, never its user information or query. */
export function storableEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/** publicS3Url of resolved S3 settings (resolveS3Settings). */
export function publicUrlOfSettings(settings: Pick<S3Settings, "location" | "clientConfig">): string {
  const { endpoint, region, forcePathStyle } = settings.clientConfig;
  return publicS3Url({
    ...settings.location,
    endpoint: typeof endpoint === "string" ? endpoint : undefined,
    region: typeof region === "string" ? region : "us-east-1",
    pathStyle: forcePathStyle === true,
  });
}
