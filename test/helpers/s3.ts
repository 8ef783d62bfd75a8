import { randomUUID } from "node:crypto";
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { requireComponent } from "./requirements.ts";

/** The S3-compatible server the tests run against: scripts/s3-server.sh prints these variables. */
export interface TestS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  bucket: string;
}

export function testS3(): TestS3 | undefined {
  const env = process.env;
  const endpoint = env.PROMPTSYNC_TEST_S3_ENDPOINT;
  if (!endpoint) return undefined;
  return {
    endpoint,
    accessKeyId: env.PROMPTSYNC_TEST_S3_ACCESS_KEY_ID ?? "",
    secretAccessKey: env.PROMPTSYNC_TEST_S3_SECRET_ACCESS_KEY ?? "",
    region: env.PROMPTSYNC_TEST_S3_REGION ?? "us-east-1",
    bucket: env.PROMPTSYNC_TEST_S3_BUCKET ?? "promptsync-test",
  };
}

/** The server, or undefined after registering the failure (CI) or printing why the tests are skipped. */
export function requireS3(): TestS3 | undefined {
  const s3 = testS3();
  return requireComponent(
    "an S3-compatible server",
    s3 !== undefined,
    "set PROMPTSYNC_TEST_S3_ENDPOINT and the keys: eval \"$(scripts/s3-server.sh start)\" starts Ceph RGW and prints them",
  )
    ? s3
    : undefined;
}

/** The environment a CLI process needs to reach the test server through the standard AWS variables. */
export function awsEnv(s3: TestS3): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
  };
}

/** A client of its own, to read back what PromptSync wrote without going through its driver. */
export function rawClient(s3: TestS3): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Apps read the test registries anonymously over HTTP, as they would a public bucket or a CDN. */
function testReadPolicy(bucket: string) {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "TestRegistriesPublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/tests/*` }],
  };
}

const ready = new Map<string, Promise<void>>();

export function ensureBucket(s3: TestS3, bucket = s3.bucket): Promise<void> {
  const key = `${s3.endpoint} ${bucket}`;
  let promise = ready.get(key);
  if (!promise) {
    const client = rawClient(s3);
    promise = client
      .send(new CreateBucketCommand({ Bucket: bucket }))
      .then(
        () => undefined,
        (error: { name?: string }) => {
          if (error.name !== "BucketAlreadyOwnedByYou" && error.name !== "BucketAlreadyExists") throw error;
        },
      )
      .then(() => client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(testReadPolicy(bucket)) })))
      .then(() => undefined);
    ready.set(key, promise);
  }
  return promise;
}

/** A registry URL no other test uses: s3://bucket/tests/<uuid>. */
export function freshRegistry(s3: TestS3): string {
  return `s3://${s3.bucket}/tests/${randomUUID()}`;
}

/** The anonymous HTTP address of a registry URL on the test server (path style). */
export function publicUrl(s3: TestS3, registry: string): string {
  return `${s3.endpoint}/${registry.slice("s3://".length)}`;
}
