import { hostname } from "node:os";
import { ConfigError, UsageError } from "../../src/errors.ts";
import type { HeartbeatEvent, Metrics, MetricsEvent, ServedPrompt, TelemetryEvent, UsageEvent } from "../../src/formats/telemetry-events.ts";
import { checkMetrics } from "../../src/telemetry/metrics.ts";
import type { ResolvedTelemetry } from "../options.ts";
import type { Prompt } from "../prompt.ts";
import type { AppInfo } from "./app-info.ts";
import type { TelemetryConnection } from "./connect.ts";

/** Most events in one object or POST. */
const MAX_BATCH_EVENTS = 5000;
/** A heartbeat lists what was served this recently. */
const SERVING_WINDOW_MS = 3_600_000;
/** Usage is counted per UTC hour, so that calls counted while the sink was down land on their own hour and day. */
const USAGE_WINDOW_MS = 3_600_000;
/** Prompts remembered by id for reportMetrics({ promptId }) and createTrackingMetadata({ promptId }). */
const MAX_REMEMBERED_IDS = 256;

export interface TelemetryStats {
  /** Events waiting to be sent: reportMetrics events, and usage of past hours not yet delivered. */
  buffered: number;
  /** Events dropped because the buffer was full: exact. */
  dropped: number;
  /** Events delivered. */
  sent: number;
  failedFlushes: number;
  /** Why the last flush failed, or what it could not do besides delivering (the client's heartbeat pointer). */
  lastError: string | undefined;
}

interface RecorderContext {
  /** Undefined when telemetry is off: served prompts are still known by id, but nothing is recorded or sent. */
  settings: ResolvedTelemetry | undefined;
  client: string;
  now: () => number;
  /** Resolved at the first flush: the project, the sink, and what the app is. */
  connect: () => Promise<TelemetryConnection>;
  /** Registry objects refused so far for want of a trusted signature; undefined when the manager does not verify. */
  signatureRefusals: (() => number) | undefined;
}

interface UsageCounter {
  count: number;
  since: number;
}

interface Outgoing {
  event: TelemetryEvent;
  /** What delivering it settles, besides leaving the buffer. */
  delivered?: () => void;
  /** What failing to deliver it settles. */
  failed?: () => void;
}

/**
 * Records usage, metrics and heartbeats in memory and sends them in batches from a timer; the app's calls only
 * touch memory. getPrompt costs one Map lookup: calls are counted per served Prompt object (they are shared) and
 * become one usage event per served prompt per flush. Metrics events and the usage of past hours are bounded by
 * maxBufferedEvents; the current hour's counters are bounded by the prompts served; the heartbeat is one slot.
 */
export class TelemetryRecorder {
  private readonly context: RecorderContext;
  private readonly usage = new Map<Prompt, UsageCounter>();
  private usageWindow: number;
  /** Usage of past hours, waiting for the sink. */
  private pastUsage: UsageEvent[] = [];
  /** Calls of each counter in a batch on its way: the hour's end leaves them to that batch. */
  private readonly inFlight = new Map<UsageCounter, number>();
  /** Counters an hour's end let go while some of their calls were on their way. */
  private readonly detached = new Set<UsageCounter>();
  private readonly byId = new Map<string, Prompt>();
  /** What the client serves: the newest prompt per name, alias (or version), variant and canary side, and when. */
  private readonly serving = new Map<string, { served: ServedPrompt; at: number }>();
  private events: MetricsEvent[] = [];
  private dropped = 0;
  private sent = 0;
  private failedFlushes = 0;
  private lastError: string | undefined;
  private lastHeartbeat = Number.NEGATIVE_INFINITY;
  private readonly startedAt: string;
  private connection: Promise<TelemetryConnection> | undefined;
  private flushing: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private windowTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(context: RecorderContext) {
    this.context = context;
    const now = context.now();
    this.startedAt = new Date(now).toISOString();
    this.usageWindow = Math.floor(now / USAGE_WINDOW_MS);
    if (context.settings && context.settings.flushIntervalMs > 0) {
      this.timer = setInterval(() => void this.flush(), context.settings.flushIntervalMs);
      this.timer.unref();
    }
    if (context.settings) this.scheduleWindowClose();
  }

  /** On getPrompt's hot path. */
  served(prompt: Prompt): void {
    if (!this.context.settings) {
      if (this.byId.get(prompt.id) !== prompt) this.remember(prompt);
      return;
    }
    const counter = this.usage.get(prompt);
    if (counter && counter.count++ > 0) return;
    // The first call since the last delivery: the counter's window and what the client serves start now.
    const now = this.context.now();
    if (counter) counter.since = now;
    else this.usage.set(prompt, { count: 1, since: now });
    this.remember(prompt);
    this.serving.set(servingKey(prompt), { served: servedOf(prompt), at: now });
  }

  /** A served prompt by its `id` (name@version#variant), with the alias and canary side it was last served with. */
  lookup(promptId: string): ServedPrompt {
    const prompt = this.byId.get(promptId);
    if (prompt) return servedOf(prompt);
    const match = /^(.+)@([^@#]+)(?:#(.+))?$/.exec(promptId);
    if (!match) {
      throw new UsageError(`"${promptId}" is not a prompt ID`, "Pass prompt.id (name@version or name@version#variant), or the prompt itself.");
    }
    return { prompt: match[1]!, version: match[2]!, variant: match[3] ?? null, alias: null, canary: false };
  }

  report(served: ServedPrompt, metrics: Metrics): void {
    checkMetrics(metrics);
    if (!this.context.settings) return;
    // The project is filled in when the batch is sent: it may not be known yet.
    this.buffer(this.events, { v: 1, type: "metrics", ts: new Date(this.context.now()).toISOString(), project: "", client: this.context.client, ...served, metrics: { ...metrics } });
  }

  stats(): TelemetryStats {
    return { buffered: this.events.length + this.pastUsage.length, dropped: this.dropped, sent: this.sent, failedFlushes: this.failedFlushes, lastError: this.lastError };
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
    clearTimeout(this.windowTimer);
    this.timer = undefined;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const finalFlush = (async () => {
      await this.flushing;
      await this.flush();
    })();
    await Promise.race([finalFlush, new Promise<void>((resolve) => (timeout = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timeout);
  }

  private remember(prompt: Prompt): void {
    this.byId.delete(prompt.id);
    this.byId.set(prompt.id, prompt);
    if (this.byId.size > MAX_REMEMBERED_IDS) this.byId.delete(this.byId.keys().next().value!);
  }

  private buffer<T extends TelemetryEvent>(list: T[], event: T): void {
    if (this.events.length + this.pastUsage.length >= this.context.settings!.maxBufferedEvents) this.dropped++;
    else list.push(event);
  }

  private async flushOnce(): Promise<void> {
    const now = this.context.now();
    this.closeUsageWindow(now);
    let outgoing: Outgoing[] = [];
    let start = 0;
    try {
      const { project, sink, app } = await this.connect();
      outgoing = this.outgoing(project, app, now);
      for (; start < outgoing.length; start += MAX_BATCH_EVENTS) {
        const slice = outgoing.slice(start, start + MAX_BATCH_EVENTS);
        const result = await sink.send(slice.map((o) => o.event));
        const sent = new Set<TelemetryEvent>(slice.map((o) => o.event));
        this.events = this.events.filter((e) => !sent.has(e));
        this.pastUsage = this.pastUsage.filter((e) => !sent.has(e));
        for (const o of slice) o.delivered?.();
        this.sent += slice.length;
        this.lastError = result?.warning;
      }
    } catch (error) {
      for (const o of outgoing.slice(start)) o.failed?.();
      this.failedFlushes++;
      this.lastError = (error as Error).message;
    }
  }

  /** A misconfigured sink stays misconfigured: its error is kept, so flushes do not retry the setup. */
  private connect(): Promise<TelemetryConnection> {
    this.connection ??= this.context.connect().catch((error: unknown) => {
      if (!(error instanceof ConfigError)) this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  /** The heartbeat when due, past hours' usage, this hour's usage so far, then the metrics buffered now. */
  private outgoing(project: string, app: AppInfo, now: number): Outgoing[] {
    const outgoing: Outgoing[] = [];
    if (now - this.lastHeartbeat >= this.context.settings!.heartbeatIntervalMs) {
      outgoing.push({ event: this.heartbeat(project, app, now), delivered: () => (this.lastHeartbeat = now) });
    }
    for (const event of this.pastUsage) outgoing.push({ event: Object.assign(event, { project }) });
    for (const { event, counters } of this.usageEvents(project, [...this.usage])) {
      // Calls counted while this batch is on its way stay for the next one.
      const taken = counters.map((counter) => counter.count);
      counters.forEach((counter, i) => this.inFlight.set(counter, taken[i]!));
      const delivered = () =>
        counters.forEach((counter, i) => {
          counter.count -= taken[i]!;
          counter.since = now;
          this.inFlight.delete(counter);
          this.detached.delete(counter);
        });
      // Not delivered: the calls stay counted, in their counter, or (when the hour ended meanwhile and let the
      // counter go) in an event of their hour.
      const failed = () => {
        const lost = counters.reduce((sum, counter, i) => sum + (this.detached.has(counter) ? taken[i]! : 0), 0);
        for (const counter of counters) {
          this.inFlight.delete(counter);
          this.detached.delete(counter);
        }
        if (lost > 0) this.buffer(this.pastUsage, { ...event, count: lost });
      };
      outgoing.push({ event, delivered, failed });
    }
    for (const event of this.events) outgoing.push({ event: Object.assign(event, { project }) });
    return outgoing;
  }

  /** At each hour's start (and at the first flush after it), the past hour's counters become events of their own. */
  private scheduleWindowClose(): void {
    const wait = USAGE_WINDOW_MS - (this.context.now() % USAGE_WINDOW_MS);
    this.windowTimer = setTimeout(() => {
      this.closeUsageWindow(this.context.now());
      this.scheduleWindowClose();
    }, wait);
    this.windowTimer.unref();
  }


  private closeUsageWindow(now: number): void {
    const window = Math.floor(now / USAGE_WINDOW_MS);
    if (window === this.usageWindow) return;
    this.usageWindow = window;
    this.touchServing(now);
    const counters = [...this.usage];
    this.usage.clear();
    for (const { event, counters: group } of this.usageEvents("", counters)) {
      // Calls in a batch on its way are that batch's: counted here too, they would be counted twice.
      for (const counter of group) {
        const flying = this.inFlight.get(counter);
        if (flying === undefined) continue;
        event.count -= flying;
        this.detached.add(counter);
      }
      if (event.count > 0) this.buffer(this.pastUsage, event);
    }
  }

  /**
   * One usage event per served prompt (a prompt may be counted under several Prompt objects, one per source),
   * with the counters it sums. Counters with nothing counted are let go.
   */
  private usageEvents(project: string, entries: [Prompt, UsageCounter][]): { event: UsageEvent; counters: UsageCounter[] }[] {
    const events = new Map<string, { event: UsageEvent; counters: UsageCounter[] }>();
    for (const [prompt, counter] of entries) {
      if (counter.count === 0) {
        this.usage.delete(prompt);
        continue;
      }
      const key = `${servingKey(prompt)}\u0000${prompt.version}`;
      const ts = new Date(counter.since).toISOString();
      const entry = events.get(key);
      if (entry) {
        entry.event.count += counter.count;
        if (ts < entry.event.ts) entry.event.ts = ts;
        entry.counters.push(counter);
      } else {
        events.set(key, { event: { v: 1, type: "usage", ts, project, client: this.context.client, ...servedOf(prompt), count: counter.count }, counters: [counter] });
      }
    }
    return [...events.values()];
  }

  private heartbeat(project: string, app: AppInfo, now: number): HeartbeatEvent {
    const refusals = this.context.signatureRefusals?.();
    const heartbeat: HeartbeatEvent = {
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
      ...(refusals !== undefined && { signatureRefusals: refusals }),
    };
    return heartbeat;
  }

  /** Prompts with calls counted and not yet delivered are still being served. */
  private touchServing(now: number): void {
    for (const [prompt, counter] of this.usage) {
      const entry = counter.count > 0 ? this.serving.get(servingKey(prompt)) : undefined;
      if (entry) entry.at = now;
    }
  }

  /** Prompts served in the last hour (or still being counted): a canary that ended drops out of the heartbeat. */
  private servedRecently(now: number): ServedPrompt[] {
    this.touchServing(now);
    const serves: ServedPrompt[] = [];
    for (const [key, { served, at }] of this.serving) {
      if (at >= now - SERVING_WINDOW_MS) serves.push(served);
      else this.serving.delete(key);
    }
    return serves;
  }
}

function servingKey(prompt: Prompt): string {
  return `${prompt.name}\u0000${prompt.alias ?? `@${prompt.version}`}\u0000${prompt.variant ?? ""}\u0000${prompt.canary}`;
}

/** What telemetry records of a prompt getPrompt returned. */
export function servedOf(prompt: Prompt): ServedPrompt {
  return { prompt: prompt.name, version: prompt.version, variant: prompt.variant ?? null, alias: prompt.alias ?? null, canary: prompt.canary };
}
