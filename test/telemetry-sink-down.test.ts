import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { TelemetryEvent } from "../src/formats/telemetry-events.ts";
import { PromptManager } from "../sdk/index.ts";
import { twoCommitApp } from "./helpers/telemetry.ts";

type Mode = "down" | "hanging" | "up";

/** A real HTTP collector on loopback that can fail (503) or never answer. */
async function collector() {
  const received: TelemetryEvent[] = [];
  const hanging: ServerResponse[] = [];
  let mode: Mode = "down";
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk));
    req.on("end", () => {
      if (mode === "hanging") return void hanging.push(res);
      if (mode === "down") return void res.writeHead(503).end();
      for (const line of body.split("\n").filter(Boolean)) received.push(JSON.parse(line) as TelemetryEvent);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`,
    received,
    set: (next: Mode) => (mode = next),
    close: () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => cleanup?.());

describe("a telemetry sink that is down", () => {
  it("never delays getPrompt, keeps the buffer within its bound, counts drops exactly, and delivers once it returns", async () => {
    const app = await twoCommitApp();
    const sink = await collector();
    cleanup = sink.close;
    const pm = new PromptManager({
      registry: app.registry,
      project: "shop",
      clientId: "app-1",
      timeoutMs: 300,
      telemetry: { sink: "http", url: sink.url, flushInterval: 0, maxBufferedEvents: 100 },
    });
    const prompt = await pm.getPrompt("greet", { respectCanary: false });
    for (let i = 0; i < 250; i++) pm.reportMetrics({ prompt, metrics: { success: i % 5 !== 0, latency_ms: i } });
    expect(pm.telemetryStats()).toMatchObject({ buffered: 100, dropped: 150 });

    await pm.flushTelemetry();
    expect(pm.telemetryStats()).toMatchObject({ buffered: 100, dropped: 150, sent: 0, failedFlushes: 1, lastError: expect.stringContaining("503") });

    // A sink that never answers: the flush is pending, and getPrompt still answers from memory at once.
    sink.set("hanging");
    const flushing = pm.flushTelemetry();
    let calls = 1;
    for (; calls < 1001; calls++) await pm.getPrompt("greet", { respectCanary: false });
    let settled = false;
    void flushing.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await flushing;
    expect(pm.telemetryStats()).toMatchObject({ buffered: 100, dropped: 150, failedFlushes: 2 });
    for (let i = 0; i < 10; i++) pm.reportMetrics({ prompt, metrics: { success: true, latency_ms: 1 } });
    expect(pm.telemetryStats()).toMatchObject({ buffered: 100, dropped: 160 });

    sink.set("up");
    await pm.close();
    expect(pm.telemetryStats()).toMatchObject({ buffered: 0, dropped: 160, failedFlushes: 2, lastError: undefined });
    const metrics = sink.received.filter((e) => e.type === "metrics");
    expect(metrics.map((e) => e.metrics.latency_ms)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const usage = sink.received.filter((e) => e.type === "usage");
    expect(usage.reduce((sum, e) => sum + e.count, 0)).toBe(calls);
    expect(sink.received.filter((e) => e.type === "heartbeat")).toMatchObject([{ client: "app-1", dropped: 160, serves: [{ prompt: "greet", version: "v0.1.0", alias: "production" }] }]);
  });

  it("a callback sink that throws is retried at the next flush, with nothing lost or sent twice", async () => {
    const app = await twoCommitApp();
    const batches: TelemetryEvent[][] = [];
    let failing = true;
    const pm = new PromptManager({
      registry: app.registry,
      project: "shop",
      telemetry: {
        flushInterval: 0,
        sink: async (batch) => {
          if (failing) throw new Error("collector unavailable");
          batches.push(batch);
        },
      },
    });
    for (let i = 0; i < 7; i++) pm.reportMetrics({ prompt: await pm.getPrompt("greet", { canaryKey: `k${i}` }), metrics: { success: true } });
    await pm.flushTelemetry();
    expect(pm.telemetryStats()).toMatchObject({ buffered: 7, failedFlushes: 1, lastError: "collector unavailable" });
    failing = false;
    await pm.flushTelemetry();
    await pm.flushTelemetry();
    await pm.close();
    const events = batches.flat();
    expect(events.filter((e) => e.type === "metrics")).toHaveLength(7);
    expect(events.filter((e) => e.type === "usage").reduce((sum, e) => sum + e.count, 0)).toBe(7);
    expect(events.filter((e) => e.type === "heartbeat")).toHaveLength(1);
  });
});
