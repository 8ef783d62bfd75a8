import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setCanary } from "../src/registry/canary-rollout.ts";
import { snapshotRegistry } from "../src/dashboard/snapshot.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { cliJson } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { commitAll, gitRepo } from "./helpers/git.ts";

describe("the dashboard's data snapshot", () => {
  it("holds versions with git metadata, each distinct content once, changes between versions, aliases and canaries", async () => {
    const dir = await gitRepo({
      "promptsync.config.yaml": "project: shop\n",
      "prompts/greet.yaml": "description: Greets\ncontent: Hello {{ name }}\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour {{ name }}\n",
      "prompts/stable.txt": "Never changes <script>alert(1)</script>\n",
    });
    await cliJson(dir, ["push", "--alias", "production"]);
    await writeFiles(dir, { "prompts/greet.yaml": "description: Greets\ncontent: Hello {{ name }} from {{ company }}\n" });
    commitAll(dir, "Greet names the company");
    await cliJson(dir, ["push", "--alias", "dev"]);
    const store = new FolderStore(join(dir, ".promptsync/registry"));
    await setCanary(store, { project: "shop", alias: "production", version: "v0.1.1", percentage: 25 });

    const data = await snapshotRegistry(store, "shop", { now: new Date("2026-11-25T00:00:00Z") });
    expect(data.versions.map((v) => [v.version, v.git?.subject])).toEqual([["v0.1.0", "Initial prompts"], ["v0.1.1", "Greet names the company"]]);
    expect(data.aliases.map((a) => [a.alias, a.version, a.canary?.percentage])).toEqual([["dev", "v0.1.1", undefined], ["production", "v0.1.0", 25]]);
    expect(data.aliases[1]!.history.map((h) => h.action)).toEqual(["set", "canary-set"]);

    const [greet, stable] = data.prompts;
    expect(greet).toMatchObject({ name: "greet", description: "Greets", latest: "v0.1.1", aliases: ["dev", "production"], variantTags: [] });
    expect(greet!.versions.map((v) => v.version)).toEqual(["v0.1.0", "v0.1.1"]);
    expect(greet!.versions[1]!.changes).toEqual(expect.arrayContaining([
      { kind: "variables", added: ["company"], removed: [], nowRequired: [], nowOptional: [], breaking: ["company"] },
      { kind: "variant", change: "removed", id: "fr", tags: { locale: "fr" } },
    ]));
    expect(Object.keys(greet!.contents)).toHaveLength(2);
    expect(Object.keys(stable!.contents)).toHaveLength(1);
    expect(stable!.versions.map((v) => v.changes)).toEqual([[], []]);
    expect(data.registry).toBe(store.url);
  });
});
