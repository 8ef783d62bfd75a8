import { describe, expect, it } from "vitest";
import { PromptManager } from "../sdk/index.ts";
import { cliJson } from "./helpers/cli.ts";
import { Expected, sendTraffic, twoCommitApp } from "./helpers/telemetry.ts";

describe("telemetry through the folder sink", () => {
  it("analytics build and the CLI table show the exact counts and percentiles of several SDK instances", async () => {
    const app = await twoCommitApp();
    const expected = new Expected();
    const managers = [app.oldCommit, app.newCommit, app.newCommit].map(
      (appCommit, i) => new PromptManager({ registry: app.registry, project: "shop", appCommit, clientId: `client-${i}`, telemetry: { sink: "folder", dir: app.registry, flushInterval: 0 } }),
    );
    await Promise.all(managers.map((pm, i) => sendTraffic(pm, 400 + i * 50, expected, i)));
    await Promise.all(managers.map((pm) => pm.close()));
    for (const pm of managers) expect(pm.telemetryStats()).toMatchObject({ buffered: 0, dropped: 0, failedFlushes: 0 });

    const report = await cliJson<{ objects: number; metrics: number; malformedLines: number }>(app.dir, ["analytics", "build"]);
    expect(report).toMatchObject({ objects: 3, malformedLines: 0 });
    const table = await cliJson<{ rows: unknown[] }>(app.dir, ["analytics", "greet"]);
    expect(table.rows).toEqual(expected.rows());
    expect(expected.rows().some((r) => (r as { canary: boolean }).canary)).toBe(true);
  });
});
