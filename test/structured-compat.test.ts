import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SetDiff } from "../src/diff/compare.ts";
import type { StatusReport } from "../src/status/clients.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { commitAll, git, gitRepo } from "./helpers/git.ts";
import { heartbeatEvent, writeTelemetryObject } from "./helpers/telemetry.ts";

const OUTPUT = {
  type: "object",
  properties: { answer: { type: "string" }, score: { type: "number" }, meta: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } },
  required: ["answer", "score", "meta"],
};

/** The agent prompt: messages with placeholders, tools and an output schema, each replaceable. */
function agent(options: { placeholders: string[]; tools: string[]; output: object }): string {
  return JSON.stringify({
    messages: [{ role: "system", content: "You are {{ persona }}." }, ...options.placeholders.map((p) => (p.endsWith("?") ? { placeholder: p.slice(0, -1), required: false } : { placeholder: p }))],
    tools: options.tools.map((name) => ({ name, parameters: { type: "object", properties: {} } })),
    output: { name: "reply", schema: options.output },
  });
}

const BASE = agent({ placeholders: ["history", "notes?"], tools: ["lookup", "refund"], output: OUTPUT });
const FINE = agent({
  placeholders: ["history", "notes?", "extra?"],
  tools: ["lookup", "refund", "escalate"],
  output: { ...OUTPUT, properties: { ...OUTPUT.properties, tip: { type: "string" } } },
});
const BREAKING = agent({
  placeholders: ["history", "context"],
  tools: ["lookup"],
  output: {
    type: "object",
    properties: { score: { type: "string" }, meta: { type: "object", properties: { id: { type: "string" } } } },
    required: ["score", "meta"],
  },
});

/** Three pushed commits of the agent: the base, a compatible change, a breaking one. */
async function agentHistory() {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/agent.yaml": BASE, "prompts/plain.txt": "Hi {{ name }}\n" });
  const base = git(dir, "rev-parse", "HEAD");
  await cliJson(dir, ["push", "--version", "v0.1.0"]);
  await writeFiles(dir, { "prompts/agent.yaml": FINE });
  commitAll(dir, "compatible");
  await cliJson(dir, ["push", "--version", "v0.1.1"]);
  await writeFiles(dir, { "prompts/agent.yaml": BREAKING });
  commitAll(dir, "breaking");
  await cliJson(dir, ["push", "--version", "v0.1.2"]);
  return { dir, registry: join(dir, ".promptsync/registry"), base };
}

const BREAKING_REASONS = [
  "placeholder notes removed (the code fills it; its messages would be dropped)",
  "new required placeholder context (make it required: false, or update the code)",
  "tool refund removed (the code handles its calls)",
  "output field answer is removed",
  'output field score changes type from "number" to "string"',
  "output field meta.id is no longer required",
];

interface Check {
  compatible: boolean;
  findings: { prompt: string; status: string; reasons: string[] }[];
}

describe("validate and status: the placeholder, tool and output rules", () => {
  it("an added optional placeholder, optional output field or tool is fine (a new tool warns); removals, a new required placeholder and retyped fields are errors; status agrees", { timeout: 120_000 }, async () => {
    const { dir, registry, base } = await agentHistory();

    const fine = await runCli(dir, ["validate", "--git-commit", base, "--version", "v0.1.1", "--json"]);
    expect(fine.code).toBe(0);
    expect((JSON.parse(fine.stdout) as Check).findings).toContainEqual({ prompt: "agent", status: "warning", reasons: ["new tool escalate (the code may not handle its calls)"] });

    const broken = await runCli(dir, ["validate", "--git-commit", base, "--version", "v0.1.2", "--json"]);
    expect(broken.code).toBe(1);
    const check = JSON.parse(broken.stdout) as Check;
    expect(check.compatible).toBe(false);
    // Placeholders are variables too, but only the placeholder rules name them: no "no longer reads notes".
    expect(check.findings).toContainEqual({ prompt: "agent", status: "error", reasons: BREAKING_REASONS });
    const text = await runCli(dir, ["validate", "--git-commit", base, "--version", "v0.1.2"]);
    expect(text.stdout).toMatch(/agent\s+error\s+placeholder notes removed/);
    expect(text.stdout).toContain("v0.1.2 is NOT compatible with the code at git");

    // The code at the base commit, deployed: status judges it by the interface push recorded, with the same rule.
    const serves = (version: string) => [{ prompt: "agent", version, variant: null, alias: null, canary: false }];
    await writeTelemetryObject(registry, "telemetry/shop/clients/old.json", JSON.stringify(heartbeatEvent({ client: "old", commit: base, serves: serves("v0.1.2") })));
    await writeTelemetryObject(registry, "telemetry/shop/clients/ok.json", JSON.stringify(heartbeatEvent({ client: "ok", commit: base, serves: serves("v0.1.1") })));
    const status = await runCli(dir, ["status", "--json"]);
    expect(status.code).toBe(1);
    const report = JSON.parse(status.stdout) as StatusReport;
    const byClient = Object.fromEntries(report.clients.map((c) => [c.client, c.serves[0]!]));
    expect(byClient.old).toMatchObject({ status: "incompatible", reasons: BREAKING_REASONS });
    expect(byClient.ok).toMatchObject({ status: "warning", reasons: ["new tool escalate (the code may not handle its calls)"] });
  });

  it("push records the placeholders, tools and output in a promptsync.interface/v2; a plain project's stays v1", { timeout: 60_000 }, async () => {
    const { registry, base } = await agentHistory();
    const recorded = JSON.parse(await readFile(join(registry, `prompts/shop/_interfaces/${base}.json`), "utf8")) as Record<string, unknown>;
    expect(recorded.format).toBe("promptsync.interface/v2");
    expect(recorded.prompts).toContainEqual(expect.objectContaining({
      name: "agent",
      placeholders: [{ name: "history", required: true }, { name: "notes", required: false }],
      tools: ["lookup", "refund"],
      output: { name: "reply", schema: OUTPUT },
    }));
    expect(recorded.prompts).toContainEqual({ name: "plain", kind: "text", variables: [{ name: "name", required: true }], variantTags: [] });

    const plain = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/plain.txt": "Hi {{ name }}\n" });
    await cliJson(plain, ["push"]);
    const v1 = JSON.parse(await readFile(join(plain, `.promptsync/registry/prompts/shop/_interfaces/${git(plain, "rev-parse", "HEAD")}.json`), "utf8")) as Record<string, unknown>;
    expect(v1.format).toBe("promptsync.interface/v1");
  });
});

describe("diff: placeholders, tools and output", () => {
  it("lists each change, marked BREAKING as validate judges it, in text and JSON", { timeout: 60_000 }, async () => {
    const { dir } = await agentHistory();
    const text = await runCli(dir, ["diff", "--version", "v0.1.0", "--version", "v0.1.2"]);
    expect(text.code).toBe(0);
    for (const line of [
      "  placeholder removed: notes\n  BREAKING: placeholder notes removed (the code fills it)",
      "  placeholder added: context (required)\n  BREAKING: new required placeholder context",
      "  tool removed: refund\n  BREAKING: tool refund removed (the code handles its calls)",
      '  output changed: reply (schema)\n  BREAKING: output field answer is removed; output field score changes type from "number" to "string"; output field meta.id is no longer required',
    ]) expect(text.stdout).toContain(line);
    expect(text.stdout).not.toContain("new required variable context");

    const json = await cliJson<SetDiff>(dir, ["diff", "--version", "v0.1.0", "--version", "v0.1.1"]);
    const agentDiff = json.prompts.find((p) => p.name === "agent")!;
    expect(agentDiff.changes.filter((c) => c.kind === "structure")).toEqual([
      { kind: "structure", target: "default", what: "placeholder", change: "added", name: "extra", detail: "optional" },
      { kind: "structure", target: "default", what: "tool", change: "added", name: "escalate" },
      { kind: "structure", target: "default", what: "output", change: "changed", name: "reply", detail: "schema" },
    ]);
  });
});

describe("dashboard: placeholders, tools and output on the prompt page", () => {
  it("lists each version's placeholders, tools and output schema, and the timeline names their changes", { timeout: 120_000 }, async () => {
    const { dir } = await agentHistory();
    const out = await mkdtemp(join(tmpdir(), "promptsync-structured-site-"));
    try {
      await cliJson(dir, ["site", "build", "--out", out]);
      // The prompt page holds the latest version; every version, the older ones among them, is on its page of versions.
      const page = (await readFile(join(out, "prompts/agent/index.html"), "utf8")) + (await readFile(join(out, "prompts/agent/versions.1/index.html"), "utf8"));
      const text = page.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<[^>]+>/g, " ").replace(/&quot;/g, '"').replace(/\s+/g, " ");
      expect(text).toContain("Placeholder history required: the app's messages");
      expect(text).toContain("Placeholder notes optional: the app's messages");
      expect(text).toMatch(/tool lookup .*tool refund .*output reply/);
      expect(text).toContain('"score": { "type": "number" }');
      expect(text).toContain("tool removed: refund");
      expect(text).toContain("placeholder added: context (required)");
      expect(text).toContain("tool added: escalate");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
