import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type BucketLocationConstraint,
} from "@aws-sdk/client-s3";
import { PromptSyncError } from "../errors.ts";
import { DASHBOARD_ROOT, REGISTRY_ROOT } from "../formats/layout.ts";
import { s3Failure, statusOf } from "./s3-errors.ts";
import { resolveS3Settings } from "./s3-settings.ts";
import type { S3StoreInit } from "./s3.ts";

export interface BucketSetup {
  bucket: string;
  /** false when the bucket existed and was already ours. */
  created: boolean;
  /** The statement added to the bucket policy, with --public-read; `dashboard`, the one with --public-dashboard. */
  publicRead?: { resource: string; dashboard?: string };
}

/** One statement per registry prefix, so registries sharing a bucket keep each other's. */
function policySid(resource: string): string {
  return `PromptSyncPublicRead${createHash("sha256").update(resource).digest("hex").slice(0, 12)}`;
}

/**
 * Creates the registry's bucket if needed and, with `publicRead`, lets anyone GET objects under the registry's
 * `prompts/` prefix (and nothing else: not listing, not other prefixes), so apps read it over plain HTTP; with
 * `publicDashboard` too, under its `_dashboard/` prefix.
 */
export async function prepareBucket(options: S3StoreInit & { publicRead?: boolean; publicDashboard?: boolean }): Promise<BucketSetup> {
  const settings = resolveS3Settings(options);
  const { bucket, prefix } = settings.location;
  const client = options.client ?? new S3Client(settings.clientConfig);
  const fail = (error: unknown) => s3Failure(error, settings, "set up", settings.location.url);

  let created = true;
  const region = settings.clientConfig.region;
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // AWS wants the region spelled out everywhere but us-east-1.
        ...(settings.endpointSource === undefined && region !== "us-east-1" && {
          CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint },
        }),
      }),
    );
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "BucketAlreadyOwnedByYou") created = false;
    else if (name === "BucketAlreadyExists" || statusOf(error) === 409) {
      throw new PromptSyncError("S3_ERROR", `The bucket name ${bucket} is taken by another account`, {
        suggestion: "Bucket names are global on AWS: choose another one.",
      });
    } else throw fail(error);
  }
  if (!options.publicRead) return { bucket, created };

  const resource = `arn:aws:s3:::${bucket}/${prefix}${REGISTRY_ROOT}*`;
  // The dashboard `site build --upload` publishes beside prompts/: public only when asked, as its pages show
  // analytics and the clients seen; asking without it takes an earlier statement away.
  const dashboard = `arn:aws:s3:::${bucket}/${prefix}${DASHBOARD_ROOT}*`;
  try {
    if (settings.endpointSource === undefined) {
      // New AWS buckets block public policies; keep ACLs blocked and allow only the policy below.
      await client.send(
        new PutPublicAccessBlockCommand({
          Bucket: bucket,
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false },
        }),
      );
    }
    const policy = await currentPolicy(client, bucket);
    const sid = policySid(resource);
    const dashboardSid = policySid(dashboard);
    policy.Statement = [
      ...policy.Statement.filter((s) => s.Sid !== sid && s.Sid !== dashboardSid),
      { Sid: sid, Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: resource },
      ...(options.publicDashboard ? [{ Sid: dashboardSid, Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: dashboard }] : []),
    ];
    await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  } catch (error) {
    throw fail(error);
  }
  return { bucket, created, publicRead: { resource, ...(options.publicDashboard && { dashboard }) } };
}

interface Policy {
  Version: string;
  Statement: { Sid?: string; [key: string]: unknown }[];
}

/** The bucket's policy, so that statements others added survive. */
async function currentPolicy(client: S3Client, bucket: string): Promise<Policy> {
  try {
    const response = await client.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    const parsed = JSON.parse(response.Policy ?? "{}") as Partial<Policy>;
    return { Version: parsed.Version ?? "2012-10-17", Statement: Array.isArray(parsed.Statement) ? parsed.Statement : [] };
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchBucketPolicy" || statusOf(error) === 404) {
      return { Version: "2012-10-17", Statement: [] };
    }
    throw error;
  }
}
