import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fs.ts";
import { awsEnv, publicUrl, requireS3 } from "./helpers/s3.ts";
import { Expected, sendTraffic, twoCommitApp } from "./helpers/telemetry.ts";

const s3 = requireS3();

describe.runIf(s3)("telemetry through the registry's bucket (Ceph RGW)", () => {
  it("apps read anonymously over HTTP and write events to the bucket; analytics and status show the exact figures", async () => {
    const server = s3!;
    const env = awsEnv(server);
    // The SDK finds write credentials where AWS SDKs look: the environment.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey });
    const bucket = `ps-telemetry-${randomUUID().slice(0, 8)}`;
    const registry = `s3://${bucket}/registry`;
    // The bucket, with the public-read policy on prompts/ that `init --public-read` sets, made from elsewhere.
    expect((await runCli(await tempDir(), ["init", "--public-read", "--registry", registry], env)).code).toBe(0);
    const app = await twoCommitApp(registry, env);
    const http = publicUrl(server, registry);

    const expected = new Expected();
    const managers = [app.oldCommit, app.newCommit, app.newCommit].map(
      (appCommit, i) =>
        new PromptManager({
          registry: http,
          project: "shop",
          appCommit,
          clientId: `pod-${i}`,
          telemetry: { registry, s3: { endpoint: server.endpoint, region: server.region }, flushInterval: 0 },
        }),
    );
    for (const [i, pm] of managers.entries()) {
      await sendTraffic(pm, 150, expected, i);
      // Two batches per client: one mid-way, one on close.
      await pm.flushTelemetry();
      await sendTraffic(pm, 100, expected, i + 10);
    }
    await Promise.all(managers.map((pm) => pm.close()));
    for (const pm of managers) expect(pm.telemetryStats()).toMatchObject({ buffered: 0, dropped: 0, failedFlushes: 0 });

    // Telemetry is never public, though the prompts are.
    expect((await fetch(`${http}/prompts/shop/_index.json`)).status).toBe(200);
    expect((await fetch(`${http}/telemetry/shop/clients/pod-0.json`)).status).toBe(403);

    const report = await cliJson<{ objects: number; malformedLines: number; malformedObjects: number }>(app.dir, ["analytics", "build"], env);
    expect(report).toMatchObject({ objects: 6, malformedLines: 0, malformedObjects: 0 });
    const table = await cliJson<{ rows: unknown[] }>(app.dir, ["analytics", "greet"], env);
    expect(table.rows).toEqual(expected.rows());
    // Incremental on S3 too: nothing new to read.
    expect(await cliJson(app.dir, ["analytics", "build"], env)).toMatchObject({ objects: 0, events: 0 });

    const status = await runCli(app.dir, ["status", "--json"], env);
    const clients = (JSON.parse(status.stdout) as { clients: { client: string; commit: string; status: string }[] }).clients;
    expect(clients.map((c) => [c.client, c.commit]).sort()).toEqual([
      ["pod-0", app.oldCommit],
      ["pod-1", app.newCommit],
      ["pod-2", app.newCommit],
    ]);
    // Every pod served both sides of the canary: old code got the new required variable (incompatible), new code the
    // old prompt, which does not read the variable the new code passes (a warning).
    expect(Object.fromEntries(clients.map((c) => [c.client, c.status]))).toEqual({ "pod-0": "incompatible", "pod-1": "warning", "pod-2": "warning" });
    expect(status.code).toBe(1);
  });
});
