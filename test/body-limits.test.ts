import { createHash } from "node:crypto";
import { mkdir, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { serveHugeBody, type HugeBodyServer } from "./helpers/huge-body-server.ts";
import { awsEnv, ensureBucket, freshRegistry, rawClient, requireS3 } from "./helpers/s3.ts";
import { serveCli } from "./helpers/serve-cli.ts";

const MB = 1_000_000;
const MiB = 1024 * 1024;
const HUGE = 800 * MB;

const servers: HugeBodyServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function published(): Promise<{ dir: string; registry: string }> {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: web\n", "prompts/greet.txt": "Hello {{ name }}\n" });
  await cliJson(dir, ["push", "--alias", "production"]);
  return { dir, registry: join(dir, ".promptsync/registry") };
}

/** The registry over HTTP, with one key answered by an 800 MB body generated as it is read. */
async function withHugeObject(registry: string, key: string, announceLength: boolean): Promise<HugeBodyServer> {
  const server = await serveHugeBody(registry, `/${key}`, HUGE, { announceLength });
  servers.push(server);
  return server;
}

/** Runs `work` and returns how long it took and how much the heap grew at most, sampled while it ran. */
async function measured(work: () => Promise<unknown>): Promise<{ ms: number; heapGrowth: number; result: unknown }> {
  const before = process.memoryUsage();
  let peak = 0;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peak = Math.max(peak, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
  }, 5);
  const started = performance.now();
  const result = await work().catch((error: unknown) => error);
  clearInterval(sampler);
  return { ms: performance.now() - started, heapGrowth: peak, result };
}

describe("body limits over HTTP: an oversize object is refused while it streams", () => {
  it.each([
    ["without a Content-Length (counted while streaming)", false],
    ["with a Content-Length announcing it (refused before reading)", true],
  ])("an 800 MB alias pointer %s fails fast with little memory, naming the key and the limit", async (_, announceLength) => {
    const { registry } = await published();
    const key = "prompts/web/aliases/production.json";
    const server = await withHugeObject(registry, key, announceLength);
    const pm = new PromptManager({ registry: server.url, project: "web", retries: 0 });
    const { ms, heapGrowth, result } = await measured(() => pm.getPrompt("greet"));
    expect(result).toMatchObject({ code: "PROMPT_UNAVAILABLE", cause: expect.objectContaining({ code: "INVALID_BUNDLE", key }) });
    expect((result as Error).message).toContain("4 MiB");
    expect(ms).toBeLessThan(5_000);
    expect(heapGrowth).toBeLessThan(100 * MiB);
    // The connection was dropped soon after the limit, not drained.
    expect(server.sent()).toBeLessThan(64 * MiB);
  });

  it("an 800 MB compiled prompt is refused at its own, larger limit; the alias pointer before it is read normally", async () => {
    const { registry } = await published();
    const key = "prompts/web/greet/v0.1.0/default.yaml";
    const server = await withHugeObject(registry, key, false);
    const pm = new PromptManager({ registry: server.url, project: "web", retries: 0 });
    const { ms, result } = await measured(() => pm.getPrompt("greet"));
    expect(result).toMatchObject({ code: "PROMPT_UNAVAILABLE", cause: expect.objectContaining({ code: "INVALID_BUNDLE", key }) });
    expect((result as Error).message).toContain("16 MiB");
    expect(ms).toBeLessThan(5_000);
    expect(server.sent()).toBeLessThan(96 * MiB);
  });

  it("the CLI reading an HTTP registry fails the same way, with no stack trace", async () => {
    const { dir, registry } = await published();
    const server = await withHugeObject(registry, "prompts/web/aliases/production.json", false);
    const started = performance.now();
    const result = await runCli(dir, ["render", "greet", "--alias", "production", "--var", "name=Ada", "--registry", server.url]);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("prompts/web/aliases/production.json");
    expect(result.stderr).toContain("4 MiB");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(server.sent()).toBeLessThan(64 * MiB);
  });

  it("promptsync serve over an HTTP upstream answers an oversize object with a generic 500 and logs the limit", async () => {
    const { dir, registry } = await published();
    const server = await withHugeObject(registry, "prompts/web/aliases/production.json", false);
    const origin = await serveCli(dir, ["--registry", server.url]);
    try {
      const response = await fetch(`${origin.url}/prompts/web/aliases/production.json`);
      expect(response.status).toBe(500);
      expect(await response.text()).toBe("Internal server error\n");
      await expect.poll(() => origin.stderr()).toContain("4 MiB");
      expect(server.sent()).toBeLessThan(64 * MiB);
    } finally {
      await origin.stop();
    }
  });
});

describe("body limits on disk: a file is refused by its size before it is read", () => {
  it("an 800 MB alias file in a folder registry is refused at once", async () => {
    const { registry } = await published();
    // Sparse: 800 MB long, no disk used.
    await truncate(join(registry, "prompts/web/aliases/production.json"), HUGE);
    const pm = new PromptManager({ registry, project: "web" });
    const { ms, heapGrowth, result } = await measured(() => pm.getPrompt("greet"));
    expect(result).toMatchObject({ code: "PROMPT_UNAVAILABLE", cause: expect.objectContaining({ code: "INVALID_BUNDLE" }) });
    expect((result as Error).message).toContain("4 MiB");
    expect(ms).toBeLessThan(2_000);
    expect(heapGrowth).toBeLessThan(100 * MiB);
  });

  it("an 800 MB entry planted in cacheDir is ignored and the prompt is read from the registry", async () => {
    const { registry } = await published();
    const cacheDir = await tempDir();
    const entry = join(cacheDir, createHash("sha256").update(`file://${registry}`).digest("hex").slice(0, 16), "prompts/web/greet/v0.1.0/default.yaml");
    await mkdir(join(entry, ".."), { recursive: true });
    await writeFile(entry, "");
    await truncate(entry, HUGE);
    const pm = new PromptManager({ registry, project: "web", cacheDir });
    const { ms, result } = await measured(() => pm.getPrompt("greet", { versionOrAlias: "v0.1.0" }));
    expect(result).toMatchObject({ source: "network", version: "v0.1.0" });
    expect(ms).toBeLessThan(2_000);
  });

  it("an 800 MB telemetry batch does not get read: analytics build skips it within seconds, naming the key and the limit, and goes on", async () => {
    const { dir, registry } = await published();
    const day = new Date().toISOString().slice(0, 10);
    const hour = new Date().toISOString().slice(11, 13);
    const batch = join(registry, `telemetry/web/events/dt=${day}/hour=${hour}/huge.ndjson.gz`);
    await mkdir(join(batch, ".."), { recursive: true });
    await writeFile(batch, "");
    await truncate(batch, HUGE);
    const started = performance.now();
    const result = await runCli(dir, ["analytics", "build", "--json"]);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { malformedObjects: number; malformedObjectSamples: { key: string; reason: string }[] };
    expect(report.malformedObjects).toBe(1);
    expect(report.malformedObjectSamples[0]!.key).toContain("huge.ndjson.gz");
    expect(report.malformedObjectSamples[0]!.reason).toContain("32 MiB");
    const heartbeat = join(registry, "telemetry/web/clients/huge.json");
    await mkdir(join(heartbeat, ".."), { recursive: true });
    await writeFile(heartbeat, "");
    await truncate(heartbeat, HUGE);
    const status = await runCli(dir, ["status", "--json"]);
    expect(status.code).toBe(0);
    expect(status.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("body limits on S3 (Ceph RGW)", () => {
  const s3 = requireS3();
  it.skipIf(!s3)("an alias object over its limit is refused by its ContentLength, naming the key and the limit", async () => {
    await ensureBucket(s3!);
    const registry = freshRegistry(s3!);
    const dir = await gitRepo({ "promptsync.config.yaml": `project: web\nregistry: ${registry}\n`, "prompts/greet.txt": "Hello {{ name }}\n" });
    const env = awsEnv(s3!);
    await cliJson(dir, ["push", "--alias", "production"], env);
    const key = `${registry.slice(`s3://${s3!.bucket}/`.length)}/prompts/web/aliases/production.json`;
    await rawClient(s3!).send(new PutObjectCommand({ Bucket: s3!.bucket, Key: key, Body: Buffer.alloc(5 * MiB, " ") }));
    const result = await runCli(dir, ["render", "greet", "--alias", "production", "--var", "name=Ada", "--json"], env);
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain("INVALID_BUNDLE");
    expect(output).toContain("prompts/web/aliases/production.json");
    expect(output).toContain("4 MiB");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
