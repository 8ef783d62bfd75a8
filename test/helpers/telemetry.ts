import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import type { PromptManager } from "../../sdk/index.ts";
import { partitionOf } from "../../src/formats/layout.ts";
import type { HeartbeatEvent, MetricsEvent, UsageEvent } from "../../src/formats/telemetry-events.ts";
import { cliJson } from "./cli.ts";
import { writeFiles } from "./fs.ts";
import { commitAll, git, gitRepo } from "./git.ts";

/** What a test expects analytics to say, computed from what it sent, independently of the aggregation code. */
export class Expected {
  private readonly groups = new Map<string, { calls: number; reports: number; successes: number; failures: number; latencies: number[] }>();

  private group(version: string, variant: string | null, canary: boolean) {
    // Every call of sendTraffic goes through the production alias.
    const key = `${version}|${variant ?? "-"}|production|${canary}`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { calls: 0, reports: 0, successes: 0, failures: 0, latencies: [] }));
    return group;
  }

  call(version: string, variant: string | null, canary: boolean): void {
    this.group(version, variant, canary).calls++;
  }

  report(version: string, variant: string | null, canary: boolean, success: boolean, latency: number): void {
    const group = this.group(version, variant, canary);
    group.reports++;
    if (success) group.successes++;
    else group.failures++;
    group.latencies.push(latency);
  }

  /** Rows as `promptsync analytics --json` prints them: nearest-rank percentiles over the raw integer latencies. */
  rows(): unknown[] {
    return [...this.groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, g]) => {
        const [version, variant, alias, canary] = key.split("|");
        // Latencies are kept at 3 significant digits: rounded here with toPrecision, independently of the code.
        const sorted = g.latencies.map((l) => Number(l.toPrecision(3))).sort((a, b) => a - b);
        const rank = (p: number) => (sorted.length ? sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]! : null);
        return {
          version,
          variant: variant === "-" ? null : variant,
          alias,
          canary: canary === "true",
          calls: g.calls,
          reports: g.reports,
          successes: g.successes,
          failures: g.failures,
          successRate: g.successes + g.failures ? g.successes / (g.successes + g.failures) : null,
          p50: rank(50),
          p95: rank(95),
          p99: rank(99),
        };
      });
  }
}

export interface TwoCommitApp {
  dir: string;
  registry: string;
  /** v0.1.0's commit: greet reads `name`. */
  oldCommit: string;
  /** v0.1.1's commit: greet reads `name` and `order_id`. */
  newCommit: string;
}

/**
 * A project with two pushed commits: production on v0.1.0 and a canary of v0.1.1 on 30% of keys. Both versions
 * have a French variant.
 */
export async function twoCommitApp(registry?: string, env?: NodeJS.ProcessEnv): Promise<TwoCommitApp> {
  const dir = await gitRepo({
    "promptsync.config.yaml": `project: shop\n${registry ? `registry: ${registry}\n` : ""}`,
    "prompts/greet.yaml": "content: Hello {{ name }}\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}\n",
  });
  await cliJson(dir, ["push", "--alias", "production"], env);
  const oldCommit = git(dir, "rev-parse", "HEAD");
  await writeFiles(dir, { "prompts/greet.yaml": "content: Hello {{ name }}, about {{ order_id }}\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}, {{ order_id }}\n" });
  commitAll(dir, "greet mentions the order");
  await cliJson(dir, ["push"], env);
  await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "30"], env);
  return { dir, registry: registry ?? `${dir}/.promptsync/registry`, oldCommit, newCommit: git(dir, "rev-parse", "HEAD") };
}

/** Deterministic traffic: each call's canary key, locale, outcome and latency come from its index. */
export async function sendTraffic(pm: PromptManager, calls: number, expected: Expected, seed: number): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const n = i * 7919 + seed * 104729;
    const prompt = await pm.getPrompt("greet", { canaryKey: `user-${seed}-${i}`, tags: n % 3 === 0 ? { locale: "fr" } : {} });
    expected.call(prompt.version, prompt.variant ?? null, prompt.canary);
    if (i % 4 === 3) continue; // not every call reports
    const success = n % 10 !== 0;
    // Whole and half milliseconds from 50 to 4049.5: above 999 they are rounded to 3 significant digits.
    const latency = 50 + ((n * 31) % 4000) + (n % 2 ? 0.5 : 0);
    pm.reportMetrics(i % 2 ? { prompt, metrics: { success, latency_ms: latency, tokens: 100 } } : { promptId: prompt.id, metrics: { success, latency_ms: latency } });
    expected.report(prompt.version, prompt.variant ?? null, prompt.canary, success, latency);
  }
}

type Fields<T> = Partial<Record<keyof T, unknown>>;

/** Events as an app with write access to the telemetry prefix could write them: of greet at v0.1.0 by default. */
const served = (type: string) => ({ v: 1, type, ts: new Date().toISOString(), project: "shop", client: "c1", prompt: "greet", version: "v0.1.0", variant: null, alias: "production", canary: false });

export const usageEvent = (fields: Fields<UsageEvent> = {}) => ({ ...served("usage"), count: 1, ...fields });

export const metricsEvent = (fields: Fields<MetricsEvent> = {}) => ({ ...served("metrics"), metrics: { success: true, latency_ms: 100 }, ...fields });

export function heartbeatEvent(fields: Fields<HeartbeatEvent> = {}) {
  const now = new Date().toISOString();
  return { v: 1, type: "heartbeat", ts: now, project: "shop", client: "c1", app: "web", commit: null, sdk: "0.1.0", host: "pod", startedAt: now, dropped: 0, serves: [], ...fields };
}

/**
 * Writes a batch straight into a folder registry's current partition, as such an app could: any name, any lines
 * (objects are JSON-encoded, strings written as they are), gzipped when the name ends in .gz, or any bytes.
 * Returns its key.
 */
export async function writeBatch(registry: string, name: string, lines: readonly unknown[] | Uint8Array): Promise<string> {
  const key = `telemetry/shop/events/${partitionOf(new Date())}/${name}`;
  if (lines instanceof Uint8Array) return writeTelemetryObject(registry, key, lines);
  const text = lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n") + "\n";
  return writeTelemetryObject(registry, key, name.endsWith(".gz") ? gzipSync(text) : text);
}

/** Writes any object under the registry folder's telemetry prefix; returns its key. */
export async function writeTelemetryObject(registry: string, key: string, body: string | Uint8Array): Promise<string> {
  await mkdir(dirname(join(registry, key)), { recursive: true });
  await writeFile(join(registry, key), body);
  return key;
}
