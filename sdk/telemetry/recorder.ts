import { hostname } from "node:os";
import { PromptSyncError } from "../../src/errors.ts";
import { MAX_METRICS, type HeartbeatEvent, type Metrics, type MetricsEvent, type ServedPrompt, type TelemetryEvent, type UsageEvent } from "../../src/telemetry/events.ts";
import type { ResolvedTelemetry } from "../options.ts";
import type { Prompt } from "../prompt.ts";
import type { TelemetrySink } from "./sinks.ts";

/** Most events in one object or POST. */
const MAX_BATCH_EVENTS = 5000;

/** A heartbeat lists what was served this recently. */
const SERVING_WINDOW_MS = 3_600_000;

export interface TelemetryStats {
  /** reportMetrics events waiting to be sent. */
  buffered: number;
  /** Events dropped because the buffer was full: exact. */
  dropped: number;
  /** Events delivered, usage events counted once per served prompt and flush. */
  sent: number;
  failedFlushes: number;
  /** Why the last flush failed, or what it could not do besides delivering (the client's heartbeat pointer). */
  lastError: string | undefined;
}

export interface AppInfo {
  app: string;
  commit: string | null;
  sdk: string;
}

export interface TelemetryConnection {
  project: string;
  sink: TelemetrySink;
  app: AppInfo;
}

export interface RecorderContext {
  /** Undefined when telemetry is off: served prompts are still known by id, but nothing is recorded or sent. */
  settings: ResolvedTelemetry | undefined;
  client: string;
  now: () => number;
  /** Resolved at the first flush: the project, the sink, and what the app is. */
  connect: () => Promise<TelemetryConnection>;
}

interface UsageCounter {
  count: number;
  since: number;
}

/**
 * Records usage, metrics and heartbeats in memory and sends them in batches from a timer; the app's calls only
 * touch memory. getPrompt costs one Map lookup: calls are counted per served Prompt object (they are shared) and
 * become one usage event each per flush. Metrics events are bounded by maxBufferedEvents; usage counters are
 * bounded by the prompts served, and the heartbeat is a single slot, so neither is ever dropped.
 */
export class TelemetryRecorder {
  /** Counted only while telemetry is on; bounded by the Prompt objects handed out. */
  private readonly usage = new Map<Prompt, UsageCounter>();
  /** The last Prompt handed out per id, so that reportMetrics({ promptId }) knows its alias and canary side. */
  private readonly byId = new Map<string, Prompt>();
  /** What the client serves: the newest Prompt per name, alias (or version), variant and canary side, and when. */
  private readonly serving = new Map<string, { prompt: Prompt; at: number }>();
  private events: MetricsEvent[] = [];
  private dropped = 0;
  private sent = 0;
  private failedFlushes = 0;
  private lastError: string | undefined;
  private lastHeartbeat = Number.NEGATIVE_INFINITY;
  private readonly startedAt: string;
  private connection: ReturnType<RecorderContext["connect"]> | undefined;
  private flushing: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  private readonly context: RecorderContext;

  constructor(context: RecorderContext) {
    this.context = context;
    this.startedAt = new Date(context.now()).toISOString();
    if (context.settings && context.settings.flushIntervalMs > 0) {
      this.timer = setInterval(() => void this.flush(), context.settings.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** On getPrompt's hot path. */
  served(prompt: Prompt): void {
    const counter = this.usage.get(prompt);
    if (counter) {
      counter.count++;
      return;
    }
    const now = this.context.now();
    this.usage.set(prompt, { count: 1, since: now });
    this.byId.set(prompt.id, prompt);
    this.serving.set(servingKey(prompt), { prompt, at: now });
  }

  /** A served prompt by its `id` (name@version#variant), with the alias and canary side it was last served with. */
  lookup(promptId: string): ServedPrompt {
    const prompt = this.byId.get(promptId);
    if (prompt) return servedOf(prompt);
    const match = /^(.+)@([^@#]+)(?:#(.+))?$/.exec(promptId);
    if (!match) {
      throw new PromptSyncError("USAGE", `"${promptId}" is not a prompt ID`, { suggestion: "Pass prompt.id (name@version or name@version#variant), or the prompt itself." });
    }
    return { prompt: match[1]!, version: match[2]!, variant: match[3] ?? null, alias: null, canary: false };
  }

  report(served: ServedPrompt, metrics: Metrics): void {
    checkMetrics(metrics);
    if (!this.context.settings) return;
    if (this.events.length >= this.context.settings.maxBufferedEvents) {
      this.dropped++;
      return;
    }
    // The project is filled in when the batch is sent: it may not be known yet.
    this.events.push({ v: 1, type: "metrics", ts: new Date(this.context.now()).toISOString(), project: "", client: this.context.client, ...served, metrics: { ...metrics } });
  }

  stats(): TelemetryStats {
    return { buffered: this.events.length, dropped: this.dropped, sent: this.sent, failedFlushes: this.failedFlushes, lastError: this.lastError };
  }

  /** Sends what is buffered (one flush at a time); never rejects: failures are counted in stats(). */
  flush(): Promise<void> {
    if (!this.context.settings) return Promise.resolve();
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops the timer and sends what is left (after a flush in progress), waiting at most `timeoutMs` in all. */
  async close(timeoutMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const finalFlush = (async () => {
      await this.flushing;
      await this.flush();
    })();
    await Promise.race([finalFlush, new Promise<void>((resolve) => (timeout = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timeout);
  }

  private async flushOnce(): Promise<void> {
    try {
      this.connection ??= this.context.connect().catch((error: unknown) => {
        this.connection = undefined;
        throw error;
      });
      const { project, sink, app } = await this.connection;
      const now = this.context.now();
      const heartbeat = now - this.lastHeartbeat >= this.context.settings!.heartbeatIntervalMs ? this.heartbeat(project, app, now) : undefined;
      const usage = [...this.usage].map(([prompt, counter]) => ({ prompt, counter, taken: counter.count }));
      let head: TelemetryEvent[] = [...(heartbeat ? [heartbeat] : []), ...this.usageEvents(project, usage)];
      // Only what is buffered now: events reported during the flush wait for the next one.
      let pending = this.events.length;
      while (head.length > 0 || pending > 0) {
        const metrics = this.takeMetrics(project, Math.min(pending, MAX_BATCH_EVENTS - head.length));
        const result = await sink.send([...head, ...metrics]);
        this.events.splice(0, metrics.length);
        this.sent += head.length + metrics.length;
        pending -= metrics.length;
        if (head.length > 0) this.confirmHead(usage, heartbeat ? now : undefined, now);
        head = [];
        this.lastError = result?.warning;
      }
    } catch (error) {
      this.failedFlushes++;
      this.lastError = (error as Error).message;
    }
  }

  /**
   * One usage event per served prompt: the same prompt may be counted under several Prompt objects (one per
   * source it was loaded from).
   */
  private usageEvents(project: string, usage: { prompt: Prompt; counter: UsageCounter; taken: number }[]): UsageEvent[] {
    const events = new Map<string, UsageEvent>();
    for (const { prompt, counter, taken } of usage) {
      const served = servedOf(prompt);
      const key = `${servingKey(prompt)}\u0000${prompt.version}`;
      const ts = new Date(counter.since).toISOString();
      const event = events.get(key);
      if (event) {
        event.count += taken;
        if (ts < event.ts) event.ts = ts;
      } else {
        events.set(key, { v: 1, type: "usage", ts, project, client: this.context.client, ...served, count: taken });
      }
    }
    return [...events.values()];
  }

  private confirmHead(usage: { prompt: Prompt; counter: UsageCounter; taken: number }[], heartbeatAt: number | undefined, now: number): void {
    if (heartbeatAt !== undefined) this.lastHeartbeat = heartbeatAt;
    for (const { prompt, counter, taken } of usage) {
      counter.count -= taken;
      counter.since = now;
      if (counter.count === 0) this.usage.delete(prompt);
    }
  }

  /** The oldest buffered metrics events, stamped with the project; they leave the buffer only once sent. */
  private takeMetrics(project: string, limit: number): MetricsEvent[] {
    const taken = this.events.slice(0, Math.max(0, limit));
    for (const event of taken) event.project = project;
    return taken;
  }

  private heartbeat(project: string, app: AppInfo, now: number): HeartbeatEvent {
    return {
      v: 1,
      type: "heartbeat",
      ts: new Date(now).toISOString(),
      project,
      client: this.context.client,
      ...app,
      host: hostname(),
      startedAt: this.startedAt,
      dropped: this.dropped,
      serves: this.servedRecently(now),
    };
  }

  /** Prompts served in the last hour, or still counted: a canary that ended drops out of the heartbeat. */
  private servedRecently(now: number): ServedPrompt[] {
    const serves: ServedPrompt[] = [];
    for (const [key, { prompt, at }] of this.serving) {
      if (at >= now - SERVING_WINDOW_MS || this.usage.has(prompt)) serves.push(servedOf(prompt));
      else this.serving.delete(key);
    }
    return serves;
  }
}

function servingKey(prompt: Prompt): string {
  return `${prompt.name}\u0000${prompt.alias ?? `@${prompt.version}`}\u0000${prompt.variant ?? ""}\u0000${prompt.canary}`;
}

function servedOf(prompt: Prompt): ServedPrompt {
  return { prompt: prompt.name, version: prompt.version, variant: prompt.variant ?? null, alias: prompt.alias ?? null, canary: prompt.canary };
}

function checkMetrics(metrics: Metrics): void {
  const problem = metricsProblem(metrics);
  if (problem) throw new PromptSyncError("USAGE", `reportMetrics: ${problem}`, { suggestion: "Report numbers and booleans, e.g. { success: true, latency_ms: 250, tokens: 812 }." });
}

function metricsProblem(metrics: Metrics): string | undefined {
  const entries = Object.entries(metrics ?? {});
  if (entries.length === 0) return "metrics is empty";
  if (entries.length > MAX_METRICS) return `metrics has ${entries.length} entries; the limit is ${MAX_METRICS}`;
  const bad = entries.find(([, value]) => !(typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))));
  if (bad) return `metrics.${bad[0]} must be a finite number or a boolean`;
  if ("success" in metrics && typeof metrics.success !== "boolean") return "metrics.success must be a boolean";
  if ("latency_ms" in metrics && (typeof metrics.latency_ms !== "number" || metrics.latency_ms < 0)) return "metrics.latency_ms must be a non-negative number of milliseconds";
  return undefined;
}
