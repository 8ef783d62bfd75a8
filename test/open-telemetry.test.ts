// OpenTelemetry (issue 18): getPrompt and format set the GenAI convention's gen_ai.prompt.name and PromptSync's
// promptsync.* attributes on the active span, or on a span passed in, recorded here by the OpenTelemetry SDK's
// in-memory exporter; the values are createTrackingMetadata's.
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_GEN_AI_PROMPT_NAME } from "@opentelemetry/semantic-conventions/incubating";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptManager, SPAN_ATTRIBUTES } from "../sdk/index.ts";
import { runCli } from "./helpers/cli.ts";
import { commitAll, gitRepo } from "./helpers/git.ts";
import { writeFiles } from "./helpers/fs.ts";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("test");

async function cli(dir: string, args: string[]): Promise<void> {
  const result = await runCli(dir, args);
  if (result.code !== 0) throw new Error(`${args.join(" ")}: ${result.stderr}`);
}

/** A registry with greeting v0.1.0 on `stable` and v0.1.1 as its canary at 100%, each with a zh variant. */
async function canaryRegistry(): Promise<string> {
  const greeting = (text: string) => `content: "${text} {{ name }}"\nvariants:\n  - tags: { locale: zh }\n    content: "${text}（中文） {{ name }}"\n`;
  const dir = await gitRepo({ "prompts/greeting.yaml": greeting("Hello"), "promptsync.config.yaml": "project: otel\n" });
  await cli(dir, ["push", "--alias", "stable"]);
  await writeFiles(dir, { "prompts/greeting.yaml": greeting("Welcome") });
  commitAll(dir, "Welcome");
  await cli(dir, ["push"]);
  await cli(dir, ["canary", "set", "--alias", "stable", "--version", "v0.1.1", "--percentage", "100"]);
  return join(dir, ".promptsync/registry");
}

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});

afterAll(async () => {
  trace.disable();
  context.disable();
  await provider.shutdown();
});

describe("OpenTelemetry span attributes", () => {
  it("a canary-served variant: getPrompt and format set gen_ai.prompt.name and promptsync.* on the active span, with createTrackingMetadata's values", async () => {
    exporter.reset();
    const pm = new PromptManager({ registry: await canaryRegistry(), project: "otel" });
    const prompt = await tracer.startActiveSpan("answer", async (span) => {
      const served = await pm.getPrompt("greeting", { versionOrAlias: "stable", tags: { locale: "zh-CN" } });
      span.end();
      return served;
    });
    // A later call's span: format alone sets them, synchronously.
    tracer.startActiveSpan("follow-up", (span) => {
      expect(prompt.format({ name: "Li" })).toBe("Welcome（中文） Li");
      span.end();
    });
    const expected = {
      "gen_ai.prompt.name": "greeting",
      "promptsync.project": "otel",
      "promptsync.prompt.version": "v0.1.1",
      "promptsync.prompt.alias": "stable",
      "promptsync.prompt.variant": "zh",
      "promptsync.canary": true,
      "promptsync.prompt.hash": prompt.hash,
    };
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(["answer", "follow-up"]);
    for (const span of spans) expect(span.attributes).toEqual(expected);
    expect(pm.createTrackingMetadata({ prompt })).toEqual({
      promptsync_prompt: expected["gen_ai.prompt.name"],
      promptsync_project: expected["promptsync.project"],
      promptsync_version: expected["promptsync.prompt.version"],
      promptsync_alias: expected["promptsync.prompt.alias"],
      promptsync_variant: expected["promptsync.prompt.variant"],
      promptsync_canary: String(expected["promptsync.canary"]),
    });
    pm.close();
  });

  it("sets them on a span passed to getPrompt, which need not be the active one", async () => {
    exporter.reset();
    const pm = new PromptManager({ registry: await canaryRegistry(), project: "otel" });
    const span = tracer.startSpan("explicit");
    const prompt = await pm.getPrompt("greeting", { versionOrAlias: "v0.1.0", span });
    span.end();
    expect(exporter.getFinishedSpans()[0]!.attributes).toEqual({
      "gen_ai.prompt.name": "greeting",
      "promptsync.project": "otel",
      "promptsync.prompt.version": "v0.1.0",
      "promptsync.prompt.hash": prompt.hash,
    });
    pm.close();
  });

  it("uses the convention's name for the prompt, as @opentelemetry/semantic-conventions/incubating exports it", () => {
    expect(SPAN_ATTRIBUTES.promptName).toBe(ATTR_GEN_AI_PROMPT_NAME);
  });
});
