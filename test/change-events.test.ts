// pm.on("change") (issue 18): a refresh that moves an alias in use, or starts, changes or ends its canary, calls the
// listeners once, after the new version is loaded; nothing moved, nothing called.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PromptManager, type AliasChange } from "../sdk/index.ts";
import { runCli } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { commitAll, gitRepo } from "./helpers/git.ts";

async function cli(dir: string, args: string[]): Promise<void> {
  const result = await runCli(dir, args);
  if (result.code !== 0) throw new Error(`${args.join(" ")}: ${result.stderr}`);
}

describe("change events", () => {
  it("fire when a refresh moves an alias or its canary, after the new version is served", async () => {
    const dir = await gitRepo({ "prompts/greeting.txt": "Hello {{ name }}\n", "promptsync.config.yaml": "project: events\n" });
    await cli(dir, ["push", "--alias", "stable"]);
    for (const word of ["Hi", "Hey"]) {
      await writeFiles(dir, { "prompts/greeting.txt": `${word} {{ name }}\n` });
      commitAll(dir, word);
      await cli(dir, ["push"]);
    }
    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "events", refreshInterval: 0 });
    const changes: AliasChange[] = [];
    const served: string[] = [];
    pm.on("change", () => {
      throw new Error("a listener's own failure");
    });
    const stop = pm.on("change", (change) => {
      changes.push(change);
      void pm.getPrompt("greeting", { versionOrAlias: "stable", respectCanary: false }).then((p) => served.push(p.version));
    });
    expect((await pm.getPrompt("greeting", { versionOrAlias: "stable" })).version).toBe("v0.1.0");

    await pm.refresh();
    expect(changes).toEqual([]);
    await cli(dir, ["alias", "set", "stable", "v0.1.1"]);
    await pm.refresh();
    await cli(dir, ["canary", "set", "--alias", "stable", "--version", "v0.1.2", "--percentage", "20"]);
    await pm.refresh();
    await cli(dir, ["canary", "set", "--alias", "stable", "--version", "v0.1.2", "--percentage", "50"]);
    await pm.refresh();
    await cli(dir, ["canary", "promote", "--alias", "stable"]);
    await pm.refresh();
    await pm.refresh();
    expect(changes).toEqual([
      { alias: "stable", from: "v0.1.0", to: "v0.1.1", canary: undefined },
      { alias: "stable", from: "v0.1.1", to: "v0.1.1", canary: { version: "v0.1.2", percentage: 20 } },
      { alias: "stable", from: "v0.1.1", to: "v0.1.1", canary: { version: "v0.1.2", percentage: 50 } },
      { alias: "stable", from: "v0.1.1", to: "v0.1.2", canary: undefined },
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(served).toEqual(["v0.1.1", "v0.1.1", "v0.1.1", "v0.1.2"]);

    stop();
    await cli(dir, ["alias", "set", "stable", "v0.1.0"]);
    await pm.refresh();
    expect(changes).toHaveLength(4);
    expect((await pm.getPrompt("greeting", { versionOrAlias: "stable" })).version).toBe("v0.1.0");
    await pm.close();
  });
});
