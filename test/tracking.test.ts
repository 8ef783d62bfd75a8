import { join } from "node:path";
import type { Metadata } from "openai/resources/shared";
import { describe, expect, it } from "vitest";
import { setCanary } from "../src/registry/canary-rollout.ts";
import { FolderStore } from "../src/storage/folder.ts";
import { PromptManager, UsageError } from "../sdk/index.ts";
import { cliJson } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";

describe("createTrackingMetadata", () => {
  it("names the prompt, version, variant, alias and canary side in a map that fits OpenAI's metadata", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.yaml": "content: Hi\nvariants:\n  - tags: {locale: fr}\n    content: Salut\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    await writeFiles(dir, { "prompts/greet.yaml": "content: Hello\nvariants:\n  - tags: {locale: fr}\n    content: Bonjour\n" });
    await cliJson(dir, ["push"]);
    await setCanary(new FolderStore(join(dir, ".promptsync/registry")), { project: "shop", alias: "production", version: "v0.1.1", percentage: 100 });
    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "shop" });
    const prompt = await pm.getPrompt("greet", { tags: { locale: "fr" } });

    // Type-checked against the openai package's own Metadata type by `npm run typecheck`.
    const metadata: Metadata = pm.createTrackingMetadata({ prompt, context: { customer_id: "12345", attempt: 2 } });
    expect(metadata).toEqual({
      promptsync_project: "shop",
      promptsync_prompt: "greet",
      promptsync_version: "v0.1.1",
      promptsync_variant: "fr",
      promptsync_alias: "production",
      promptsync_canary: "true",
      customer_id: "12345",
      attempt: "2",
    });
    pm.close();
  });

  it("refuses a map beyond OpenAI's limits, naming the key", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "Hi\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    const pm = new PromptManager({ registry: join(dir, ".promptsync/registry"), project: "shop" });
    const prompt = await pm.getPrompt("greet");
    const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, "v"]));
    expect(() => pm.createTrackingMetadata({ prompt, context: many })).toThrow(/keys; the limit is 16/);
    expect(() => pm.createTrackingMetadata({ prompt, context: { ["k".repeat(65)]: "v" } })).toThrow(/longer than 64 characters/);
    expect(() => pm.createTrackingMetadata({ prompt, context: { note: "x".repeat(513) } })).toThrow(/value of "note" is longer than 512/);
    expect(() => pm.createTrackingMetadata({ prompt, context: { promptsync_version: "x" } })).toThrow(/reserved/);
    expect(() => pm.createTrackingMetadata({ prompt, context: { promptsync_version: "x" } })).toThrow(UsageError);
    pm.close();
  });
});
