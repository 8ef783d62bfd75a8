// Push of 1,000 prompts of about 1 KB to the S3 test server (Ceph RGW) beside its floor: the same number of
// create-only PUTs of the same sizes with @aws-sdk/client-s3 at concurrency 16, in alternation in one run.
import { randomUUID } from "node:crypto";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { compilePrompts } from "../../src/compiler/compile-prompts.ts";
import { mapLimit } from "../../src/concurrency.ts";
import type { CompiledPrompt } from "../../src/formats/types.ts";
import { pushRelease } from "../../src/registry/push.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { recordingSizes } from "./recorded-sizes.ts";

const PROMPTS = 1000;
const CONCURRENCY = 16;
const ROUNDS = 3;
const TARGET = 1.3;

interface Server {
  endpoint: string;
  region: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

function server(): Server | undefined {
  const env = process.env;
  if (!env.PROMPTSYNC_TEST_S3_ENDPOINT) return undefined;
  return {
    endpoint: env.PROMPTSYNC_TEST_S3_ENDPOINT,
    region: env.PROMPTSYNC_TEST_S3_REGION ?? "us-east-1",
    bucket: env.PROMPTSYNC_TEST_S3_BUCKET ?? "promptsync-test",
    credentials: { accessKeyId: env.PROMPTSYNC_TEST_S3_ACCESS_KEY_ID ?? "", secretAccessKey: env.PROMPTSYNC_TEST_S3_SECRET_ACCESS_KEY ?? "" },
  };
}

function clientOf(s3: Server): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: s3.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

function prompts(): CompiledPrompt[] {
  const guidance = "Answer precisely, cite the policy that applies, and keep the customer's tone in mind. ".repeat(9);
  const sources = Array.from({ length: PROMPTS }, (_, i) => ({
    path: `team${i % 10}/prompt${i}.md`,
    text: `---\ndescription: Prompt ${i}\n---\nYou are assistant ${i} for {{ company }}.\n${guidance}\n`,
  }));
  const compiled = compilePrompts(sources);
  if (!compiled.ok) throw new Error("s3 push bench prompts did not compile");
  return compiled.prompts;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

export async function s3PushBench(): Promise<void> {
  const s3 = server();
  if (!s3) {
    if (process.env.CI === "true") throw new Error("CI=true and no S3 server: eval \"$(scripts/s3-server.sh start)\" starts Ceph RGW");
    console.log("no S3 server (PROMPTSYNC_TEST_S3_ENDPOINT unset; scripts/s3-server.sh start): S3 push figures skipped");
    return;
  }
  const raw = clientOf(s3);
  await raw.send(new CreateBucketCommand({ Bucket: s3.bucket })).catch((error: { name?: string }) => {
    if (error.name !== "BucketAlreadyOwnedByYou" && error.name !== "BucketAlreadyExists") throw error;
  });
  const compiled = prompts();
  const git = { commit: "0".repeat(40), dirty: false };
  const push = async (sizes?: number[]) => {
    const store = new S3Store({ url: `s3://${s3.bucket}/bench/${randomUUID()}`, client: clientOf(s3) });
    await pushRelease(sizes ? recordingSizes(store, sizes) : store, { project: "bench", prompts: compiled, git });
  };
  const floor = async (sizes: number[]) => {
    const prefix = `bench/floor-${randomUUID()}`;
    const client = clientOf(s3);
    await mapLimit(sizes, CONCURRENCY, (size, i) =>
      client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${i}`, Body: new Uint8Array(size), IfNoneMatch: "*" })),
    );
  };

  const sizes: number[] = [];
  await push(sizes);
  await floor(sizes);
  const pushes: number[] = [];
  const floors: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    pushes.push(await timed(() => push()));
    floors.push(await timed(() => floor(sizes)));
  }
  const ratio = median(pushes) / median(floors);
  const kb = sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024;
  console.log(
    `${`push ${PROMPTS} prompts to S3 (${sizes.length} objects, ${kb.toFixed(1)} KB mean)`.padEnd(58)} ${median(pushes).toFixed(2)} s` +
      `, floor ${median(floors).toFixed(2)} s (create-only PUTs ×${CONCURRENCY}): ${ratio.toFixed(2)}× (target ≤ ${TARGET}×; median of ${ROUNDS})`,
  );
}
