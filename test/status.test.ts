import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StatusReport } from "../src/status/clients.ts";
import { PromptManager } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { twoCommitApp } from "./helpers/telemetry.ts";

describe("promptsync status", () => {
  it("warns about a client whose code passes a variable the served version no longer reads, without failing (exit 0)", async () => {
    const app = await twoCommitApp();
    const client = (clientId: string, appCommit: string | undefined, appName: string) =>
      new PromptManager({
        registry: app.registry,
        project: "shop",
        clientId,
        appName,
        ...(appCommit && { appCommit }),
        // The stable side only: v0.1.0, whose greet reads name but not order_id.
        respectCanary: false,
        telemetry: { sink: "folder", dir: app.registry, flushInterval: 0 },
      });
    const managers = [
      client("old-code", app.oldCommit, "web"),
      client("new-code", app.newCommit, "web"),
      client("unpushed-code", "1234567890abcdef1234567890abcdef12345678", "worker"),
    ];
    for (const pm of managers) await pm.getPrompt("greet", { tags: { locale: "fr" } });
    await Promise.all(managers.map((pm) => pm.close()));

    // Issue 16 reversed the rule this test once held ("stricter than validate": incompatible, exit 1). The new code
    // requires order_id, so it passes it, and v0.1.0 ignores it: nothing breaks, so a warning, as validate says.
    const result = await runCli(app.dir, ["status", "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as StatusReport;
    const byClient = Object.fromEntries(report.clients.map((c) => [c.client, c]));
    expect(report.compatible).toBe(true);
    expect(byClient["new-code"]).toMatchObject({
      commit: app.newCommit,
      status: "warning",
      serves: [{ prompt: "greet", version: "v0.1.0", variant: "fr", alias: "production", canary: false, status: "warning", reasons: ["no longer reads order_id (the code passes it, now ignored)"] }],
    });
    expect(byClient["old-code"]).toMatchObject({ commit: app.oldCommit, status: "compatible", serves: [{ version: "v0.1.0", status: "compatible", reasons: [] }] });
    expect(byClient["unpushed-code"]).toMatchObject({ status: "unknown", serves: [{ reasons: ["commit 1234567 was never pushed, so its prompt interface is not recorded"] }] });
    expect(report.clients.map((c) => c.client)).toEqual(["unpushed-code", "new-code", "old-code"]);

    const text = await runCli(app.dir, ["status"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/new-code\s+web\s+[0-9a-f]{7}\s+\S+\s+greet@v0\.1\.0#fr \(production\)\s+warning\s+no longer reads order_id \(the code passes it, now ignored\)/);
    expect(text.stdout).toContain("3 clients in the last 1h; none incompatible");
  });

  it("the canary side of the same client is checked too: old code served the canary's new required variable", async () => {
    const app = await twoCommitApp();
    const pm = new PromptManager({ registry: app.registry, project: "shop", clientId: "old", appCommit: app.oldCommit, telemetry: { sink: "folder", dir: app.registry, flushInterval: 0 } });
    // Enough keys that both sides of the 30% canary are served.
    for (let i = 0; i < 40; i++) await pm.getPrompt("greet", { canaryKey: `user-${i}` });
    await pm.close();
    const report = JSON.parse((await runCli(app.dir, ["status", "--json"])).stdout) as StatusReport;
    expect(report.clients[0]!.serves.map((s) => [s.version, s.canary, s.status, s.reasons])).toEqual(
      expect.arrayContaining([
        ["v0.1.0", false, "compatible", []],
        ["v0.1.1", true, "incompatible", ["new required variable order_id (give a default, or update the code)"]],
      ]),
    );
  });

  it("clients older than --since are left out; a bad period is a usage error", async () => {
    const app = await twoCommitApp();
    const pm = new PromptManager({ registry: app.registry, project: "shop", clientId: "past", now: () => Date.now() - 2 * 3_600_000, telemetry: { sink: "folder", dir: app.registry, flushInterval: 0 } });
    await pm.getPrompt("greet");
    await pm.close();
    await writeFile(join(app.registry, "telemetry/shop/clients/garbage.json"), "not json");
    expect((await runCli(app.dir, ["status"])).stdout).toContain("No client of shop sent a heartbeat in the last 1h");
    expect(JSON.parse((await runCli(app.dir, ["status", "--json"])).stdout)).toMatchObject({ clients: [], unreadable: 1 });
    expect(JSON.parse((await runCli(app.dir, ["status", "--since", "3h", "--json"])).stdout)).toMatchObject({ clients: [{ client: "past" }] });
    // analytics build forgets clients not seen for --forget-clients (and pointers that are not heartbeats).
    expect(await cliJson(app.dir, ["analytics", "build", "--forget-clients", "1h"])).toMatchObject({ clientsForgotten: 2 });
    expect(JSON.parse((await runCli(app.dir, ["status", "--since", "3h", "--json"])).stdout)).toMatchObject({ clients: [], unreadable: 0 });
    const bad = await runCli(app.dir, ["status", "--since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since yesterday is not a period such as 30m, 1h or 7d");
  });
});
