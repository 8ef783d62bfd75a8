// The conformance table (test/fixtures/conformance/cases.json) that the Python SDK's suite also runs
// (python/tests/test_conformance.py), against the same registry written by this repository's CLI
// (test/fixtures/conformance/build.sh regenerates it). Semantic results: versions, variants, canary sides,
// renders and error codes.
import { copyFileSync, cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PromptManager } from "../sdk/index.ts";
import { compilePrompts } from "../src/compiler/compile-prompts.ts";
import { readPromptFolder } from "../src/source/read-folder.ts";

const DIR = new URL("./fixtures/conformance/", import.meta.url).pathname;

interface Case {
  name: string;
  prompt: string;
  versionOrAlias?: string;
  tags?: Record<string, string>;
  vars?: Record<string, unknown>;
  trustedKeys?: string[];
  renderLimits?: Record<string, number>;
  respectCanary?: boolean;
  strict?: boolean;
  output?: string;
  request?: "openai" | "openai-chat" | "anthropic";
  canaryKey?: string;
  tracking?: { context?: Record<string, unknown>; by?: "id" };
  expect: Record<string, unknown> & { error?: string; stage?: "get" | "format" | "parse" | "request" | "tracking"; render?: unknown };
}

interface DiffCase {
  name: string;
  prompt: string;
  from: string;
  to: string;
  promptsDir: string;
  expect: Record<string, unknown>;
}

const table = JSON.parse(readFileSync(join(DIR, "cases.json"), "utf8")) as { registry: string; project: string; cases: Case[]; diffs: DiffCase[] };

/** A diff without its text hunks, which the Python SDK computes with difflib. */
function withoutHunks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutHunks);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "hunks").map(([k, v]) => [k, withoutHunks(v)]));
}
const canary = JSON.parse(readFileSync(join(DIR, "canary-expected.json"), "utf8")) as {
  alias: string;
  stable: string;
  canary: string;
  keys: Record<string, boolean>;
};

function manager(c: Partial<Case> = {}): PromptManager {
  return new PromptManager({
    registry: join(DIR, table.registry),
    project: table.project,
    cwd: DIR,
    refreshInterval: 0,
    ...(c.trustedKeys && { trustedKeys: c.trustedKeys.map((k) => join(DIR, k)) }),
    ...(c.renderLimits && { renderLimits: c.renderLimits }),
    ...(c.respectCanary !== undefined && { respectCanary: c.respectCanary }),
    ...(c.strict !== undefined && { strict: c.strict }),
  });
}

function appValues(values: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === "__FUNCTION__" ? () => "called" : v]));
}

describe("conformance table", () => {
  for (const c of table.cases) {
    it(c.name, async () => {
      const pm = manager(c);
      let spanAttributes: Record<string, unknown> | undefined;
      const span = { setAttributes: (attributes: Record<string, unknown>) => (spanAttributes = attributes) };
      const get = () =>
        pm.getPrompt(c.prompt, {
          ...(c.versionOrAlias !== undefined && { versionOrAlias: c.versionOrAlias }),
          ...(c.tags && { tags: c.tags }),
          ...(c.canaryKey !== undefined && { canaryKey: c.canaryKey }),
          span,
        });
      const e = c.expect;
      if (e.stage === "get") {
        const error = (await get().then(() => undefined, (err: unknown) => err)) as { code?: string; cause?: { code?: string } } | undefined;
        expect(error?.code).toBe(e.error);
        if (e.cause) expect(error?.cause?.code).toBe(e.cause);
        return;
      }
      const prompt = await get();
      for (const field of ["version", "alias", "variant", "kind", "canary", "variables", "tools", "output"] as const) {
        if (field in e) expect((prompt as unknown as Record<string, unknown>)[field] ?? null, field).toEqual(e[field]);
      }
      if ("spanAttributes" in e) expect(spanAttributes).toEqual(e.spanAttributes);
      if (c.tracking) {
        const reference = c.tracking.by === "id" ? { promptId: prompt.id } : { prompt };
        const track = () => pm.createTrackingMetadata({ ...reference, ...(c.tracking!.context && { context: c.tracking!.context }) });
        if (e.stage === "tracking") expect(() => track()).toThrow(expect.objectContaining({ code: e.error }));
        else expect(track()).toEqual(e.metadata);
        return;
      }
      if (c.output !== undefined) {
        if (e.stage === "parse") {
          let error: { code?: string } | undefined;
          try {
            prompt.parseOutput(c.output);
          } catch (err) {
            error = err as typeof error;
          }
          expect(error?.code).toBe(e.error);
        } else {
          expect(prompt.parseOutput(c.output)).toEqual(e.parsed);
        }
        return;
      }
      const values = appValues(c.vars);
      if (c.request !== undefined) {
        const build = () => (c.request === "anthropic" ? prompt.toAnthropic(values) : prompt.toOpenAI(values, { api: c.request === "openai" ? "responses" : "chat" }));
        if (e.stage === "request") {
          let error: { code?: string } | undefined;
          try {
            build();
          } catch (err) {
            error = err as typeof error;
          }
          expect(error?.code).toBe(e.error);
        } else {
          expect(build()).toEqual(e.body);
        }
        return;
      }
      if (e.stage === "format") {
        let error: { code?: string; limit?: string; variables?: string[] } | undefined;
        try {
          prompt.format(values);
        } catch (err) {
          error = err as typeof error;
        }
        expect(error?.code).toBe(e.error);
        if (e.limit) expect(error?.limit).toBe(e.limit);
        if (e.missing) expect(error?.variables).toEqual(e.missing);
        return;
      }
      if ("render" in e) expect(prompt.format(values)).toEqual(e.render);
    });
  }

  for (const d of table.diffs) {
    it(d.name, async () => {
      const pm = new PromptManager({ registry: join(DIR, table.registry), project: table.project, cwd: DIR, refreshInterval: 0, promptsDir: d.promptsDir });
      const result = await pm.diff(d.prompt, d.from, d.to).then(
        (diff) => withoutHunks(JSON.parse(JSON.stringify(diff))),
        (error: { code?: string }) => ({ error: error.code }),
      );
      expect(result).toEqual(d.expect);
    });
  }

  it("puts each of 1,000 keys on the canary side canary-expected.json gives", async () => {
    const pm = manager();
    for (const [key, inCanary] of Object.entries(canary.keys)) {
      const prompt = await pm.getPrompt("greeting", { versionOrAlias: canary.alias, canaryKey: key });
      expect(prompt.canary, key).toBe(inCanary);
      expect(prompt.version, key).toBe(inCanary ? canary.canary : canary.stable);
    }
  });

  it("refuses a replayed older signed pointer and keeps serving the verified one, marked stale", async () => {
    const registry = join(mkdtempSync(join(tmpdir(), "conformance-")), "registry");
    cpSync(join(DIR, table.registry), registry, { recursive: true });
    const pm = new PromptManager({
      registry, project: table.project, cwd: DIR, refreshInterval: 0, respectCanary: false,
      trustedKeys: [join(DIR, "keys/promptsync.pub")], cacheDir: join(registry, "..", "cache"),
    });
    expect((await pm.getPrompt("greeting", { versionOrAlias: "production" })).stale).toBe(false);
    copyFileSync(join(DIR, "replay/production-r1.json"), join(registry, "prompts", table.project, "aliases/production.json"));
    await pm.refresh();
    const prompt = await pm.getPrompt("greeting", { versionOrAlias: "production" });
    expect(prompt.stale).toBe(true);
    expect(pm.cacheStats().signatureRefusals).toBeGreaterThanOrEqual(1);
  });

  it("holds what this repository's compiler writes today (else run test/fixtures/conformance/build.sh)", async () => {
    const compiled = compilePrompts(await readPromptFolder(join(DIR, "src/v2")));
    if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => `${d.file}: ${d.message}`).join("; "));
    const manifest = JSON.parse(readFileSync(join(DIR, table.registry, "prompts", table.project, "_releases/v0.2.0.json"), "utf8")) as { prompts: Record<string, { hash: string }> };
    expect(Object.fromEntries(compiled.prompts.map((p) => [p.name, p.hash]))).toEqual(Object.fromEntries(Object.entries(manifest.prompts).map(([n, e]) => [n, e.hash])));
  });
});
