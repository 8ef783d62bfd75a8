import { describe, expect, it } from "vitest";
import type { SetDiff } from "../src/diff/compare.ts";
import type { StatusReport } from "../src/status/clients.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { commitAll, git, gitRepo } from "./helpers/git.ts";
import { heartbeatEvent, writeTelemetryObject } from "./helpers/telemetry.ts";

/** Three pushed commits of one prompt: `language` optional, then not read, then required. */
async function languageHistory() {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "Hello {{ name }}, in {{ language | default('English') }}\n" });
  const optional = git(dir, "rev-parse", "HEAD");
  await cliJson(dir, ["push", "--version", "v0.1.0"]);
  await writeFiles(dir, { "prompts/greet.txt": "Hello {{ name }}\n" });
  commitAll(dir, "greet no longer reads language");
  await cliJson(dir, ["push", "--version", "v0.1.1"]);
  await writeFiles(dir, { "prompts/greet.txt": "Hello {{ name }}, in {{ language }}\n" });
  commitAll(dir, "greet requires language");
  const required = git(dir, "rev-parse", "HEAD");
  await cliJson(dir, ["push", "--version", "v0.1.2"]);
  return { dir, registry: `${dir}/.promptsync/registry`, commits: { optional, required } };
}

/** A client whose code is at `commit`, serving greet at `version`, as its heartbeat pointer says. */
async function heartbeat(registry: string, client: string, commit: string, version: string): Promise<void> {
  const serves = [{ prompt: "greet", version, variant: null, alias: null, canary: false }];
  await writeTelemetryObject(registry, `telemetry/shop/clients/${client}.json`, JSON.stringify(heartbeatEvent({ client, commit, serves })));
}

const DROPPED_OPTIONAL = "no longer reads language (optional in the code, which may not pass it)";
const DROPPED_REQUIRED = "no longer reads language (the code passes it, now ignored)";
const NEWLY_REQUIRED = "new required variable language (give a default, or update the code)";

describe("status and validate judge variables by what the code passes for sure", () => {
  it("a served version that no longer reads an optional variable is a warning (exit 0); one that newly requires it is incompatible (exit 1); validate agrees on each", { timeout: 60_000 }, async () => {
    const { dir, registry, commits } = await languageHistory();

    // The code reads language behind a default, so the app may never pass it; the served v0.1.1 does not read it.
    await heartbeat(registry, "optional-code", commits.optional, "v0.1.1");
    const quiet = await runCli(dir, ["status", "--json"]);
    expect(quiet.code).toBe(0);
    const first = JSON.parse(quiet.stdout) as StatusReport;
    expect(first.compatible).toBe(true);
    expect(first.clients).toMatchObject([{ client: "optional-code", status: "warning", serves: [{ version: "v0.1.1", status: "warning", reasons: [DROPPED_OPTIONAL] }] }]);
    const text = await runCli(dir, ["status"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/optional-code\s.*greet@v0\.1\.1\s+warning\s+no longer reads language/);
    expect(text.stdout).toContain("1 client in the last 1h; none incompatible");

    // The same code served v0.1.2, which requires language: the app may not pass it, and rendering would fail.
    await heartbeat(registry, "newly-required", commits.optional, "v0.1.2");
    // Code that requires language (so passes it) served v0.1.1, which ignores it: a warning, not incompatible.
    await heartbeat(registry, "required-code", commits.required, "v0.1.1");
    const loud = await runCli(dir, ["status", "--json"]);
    expect(loud.code).toBe(1);
    const report = JSON.parse(loud.stdout) as StatusReport;
    expect(report.compatible).toBe(false);
    const byClient = Object.fromEntries(report.clients.map((c) => [c.client, c.serves[0]!]));
    expect(byClient).toMatchObject({
      "optional-code": { status: "warning", reasons: [DROPPED_OPTIONAL] },
      "newly-required": { status: "incompatible", reasons: [NEWLY_REQUIRED] },
      "required-code": { status: "warning", reasons: [DROPPED_REQUIRED] },
    });

    // validate --git-commit gives the same verdicts and reasons for the same pairs: one rule.
    const pairs = [
      ["optional-code", commits.optional, "v0.1.1", "warning", 0],
      ["newly-required", commits.optional, "v0.1.2", "error", 1],
      ["required-code", commits.required, "v0.1.1", "warning", 0],
    ] as const;
    for (const [client, commit, version, verdict, code] of pairs) {
      const result = await runCli(dir, ["validate", "--git-commit", commit, "--version", version, "--json"]);
      expect(result.code, client).toBe(code);
      const finding = (JSON.parse(result.stdout) as { findings: { prompt: string; status: string; reasons: string[] }[] }).findings[0]!;
      expect(finding, client).toEqual({ prompt: "greet", status: verdict, reasons: byClient[client]!.reasons });
    }
  });
});

describe("diff marks a newly required variable as breaking, as validate does", () => {
  it("in JSON, text and markdown; a variable dropped or made optional is not breaking", { timeout: 60_000 }, async () => {
    const { dir } = await languageHistory();
    const json = async (from: string, to: string) => {
      const diff = JSON.parse((await runCli(dir, ["diff", "greet", from, to, "--format", "json"])).stdout) as SetDiff;
      return diff.prompts[0]!.changes.find((c) => c.kind === "variables");
    };
    // Added as required, and optional → required: both may be missing from code written for the old side.
    expect(await json("v0.1.1", "v0.1.2")).toEqual({ kind: "variables", added: ["language"], removed: [], nowRequired: [], nowOptional: [], breaking: ["language"] });
    expect(await json("v0.1.0", "v0.1.2")).toEqual({ kind: "variables", added: [], removed: [], nowRequired: ["language"], nowOptional: [], breaking: ["language"] });
    expect(await json("v0.1.0", "v0.1.1")).toEqual({ kind: "variables", added: [], removed: ["language"], nowRequired: [], nowOptional: [], breaking: [] });
    expect(await json("v0.1.2", "v0.1.0")).toEqual({ kind: "variables", added: [], removed: [], nowRequired: [], nowOptional: ["language"], breaking: [] });

    const text = (await runCli(dir, ["diff", "greet", "v0.1.0", "v0.1.2"])).stdout;
    expect(text).toContain("  variables: now required language\n  BREAKING: new required variable language (give a default, or update the code)\n");
    const markdown = (await runCli(dir, ["diff", "--version", "v0.1.1", "--version", "v0.1.2", "--format", "markdown"])).stdout;
    expect(markdown).toContain("- variables: added language\n- **BREAKING:** new required variable language (give a default, or update the code)\n");
    const html = (await runCli(dir, ["diff", "greet", "v0.1.1", "v0.1.2", "--format", "html"])).stdout;
    expect(html).toContain("<li>BREAKING: new required variable language (give a default, or update the code)</li>");
    for (const [from, to] of [["v0.1.0", "v0.1.1"], ["v0.1.2", "v0.1.0"]]) {
      expect((await runCli(dir, ["diff", "greet", from!, to!])).stdout, `${from} → ${to}`).not.toContain("BREAKING");
    }
  });

  it("marks names that markdown would read as syntax, escaped (variables in name order)", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "Hello\n" });
    await cliJson(dir, ["push", "--version", "v1.0.0"]);
    await writeFiles(dir, { "prompts/greet.txt": "Hello {{ order_id }} {{ _x_ }}\n" });
    const markdown = (await runCli(dir, ["diff", "--version", "v1.0.0", "--format", "markdown"])).stdout;
    expect(markdown).toContain("- **BREAKING:** new required variables \\_x\\_, order\\_id (give a default, or update the code)\n");
  });
});
