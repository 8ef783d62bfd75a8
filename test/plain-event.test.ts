import { describe, expect, it } from "vitest";
import { isPlainEvent } from "../src/analytics/plain-event.ts";
import { validateTelemetryEvent } from "../src/formats/validate.ts";

/**
 * analytics build's fast path (plain-event.ts) repeats the event schema's patterns and bounds. It may refuse what
 * the schema accepts (the schema then decides), never the reverse: every event it passes, the schema passes.
 */

const usage = { v: 1, type: "usage", ts: "2026-11-30T10:00:00.000Z", project: "shop", client: "c-1", prompt: "support/triage", version: "v1.2.3", variant: null, alias: "production", canary: false, count: 3 };
const metrics = { ...usage, type: "metrics", count: undefined, metrics: { latency_ms: 12.5, success: true, tokens: 40 } };

const STRINGS = ["", "a", "A", "x".repeat(64), "x".repeat(65), "x".repeat(128), "x".repeat(129), "x".repeat(512), "x".repeat(513), "v1.2.3", "v1.2.3-rc.1", "local", "../x", "a/b", "a//b", "Ü", "é".repeat(64), "a b", "a\u0000", "\u{1F600}", "2026-11-30T10:00:00Z", "2026-13-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "constructor", "__proto__"];
const NUMBERS = [0, -1, 1, 1.5, 1e12, 1e12 + 1, 1e15, 1e15 + 2, -1e15, 1e9, 1e9 + 1, Number.MAX_SAFE_INTEGER, 1e308, Infinity, -Infinity, NaN];
const OTHERS = [null, undefined, true, false, [], {}, ["x"]];
const VALUES = [...STRINGS, ...NUMBERS, ...OTHERS];

function* variants(): Generator<Record<string, unknown>> {
  for (const base of [usage, metrics]) {
    const clean = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
    yield clean;
    for (const field of Object.keys(clean)) {
      for (const value of VALUES) yield { ...clean, [field]: value };
      const { [field]: _dropped, ...without } = clean;
      yield without;
    }
    yield { ...clean, extra: 1 };
    if (base === metrics) {
      for (const value of VALUES) {
        yield { ...clean, metrics: { latency_ms: value } };
        yield { ...clean, metrics: { success: value } };
        yield { ...clean, metrics: { other: value } };
      }
      for (const name of STRINGS) yield { ...clean, metrics: { [name]: 1 } };
      yield { ...clean, metrics: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, 1])) };
      yield { ...clean, metrics: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`m${i}`, 1])) };
    }
  }
}

describe("analytics build's fast path for events", () => {
  it("passes nothing the schema refuses, and passes the plain events the SDK writes", () => {
    let passed = 0;
    let checked = 0;
    for (const event of variants()) {
      checked++;
      if (!isPlainEvent(event)) continue;
      passed++;
      expect(validateTelemetryEvent(event).ok, JSON.stringify(event)).toBe(true);
    }
    expect(isPlainEvent(JSON.parse(JSON.stringify(usage)))).toBe(true);
    expect(isPlainEvent(JSON.parse(JSON.stringify(metrics)))).toBe(true);
    expect(checked).toBeGreaterThan(1000);
    expect(passed).toBeGreaterThan(50);
  });
});
