import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, nearestNames } from "../src/formats/nearest-name.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";

interface ErrorOutput {
  error: { code: string; message: string; suggestion?: string };
}

const PROMPTS = {
  "promptsync.config.yaml": "project: shop\n",
  "prompts/customer_support.txt": "Help {{ name }}\n",
  "prompts/customer_survey.txt": "Rate us\n",
  "prompts/greet.txt": "Hello\n",
};

describe("near-miss names", () => {
  it("edit distance counts a swap of two adjacent characters as one edit", () => {
    expect(editDistance("prodution", "production")).toBe(1);
    expect(editDistance("custoemr", "customer")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  it("suggests names within two edits (fewer for short names) or sharing a prefix, nearest first", () => {
    const names = ["production", "prod-eu", "dev", "staging", "customer_support"];
    expect(nearestNames("prodution", names)).toEqual(["production"]);
    expect(nearestNames("prod", names)).toEqual(["prod-eu", "production"]);
    expect(nearestNames("dve", names)).toEqual(["dev"]);
    expect(nearestNames("xy", ["ab", "x", "xyz"])).toEqual(["xyz"]);
    expect(nearestNames("production", names)).toEqual([]);
    expect(nearestNames("nothing", names)).toEqual([]);
    expect(didYouMean("stagign", names)).toBe('Did you mean "staging"?');
    expect(didYouMean("customer_suport", ["customer_support", "customer_supports"])).toBe('Did you mean "customer_support" or "customer_supports"?');
    expect(didYouMean("zzz", names)).toBeUndefined();
  });
});

describe("unknown prompt and alias names get a 'Did you mean …?'", () => {
  it("show, from the local files and from a version; version get; the messages keep their first part", { timeout: 60_000 }, async () => {
    const dir = await gitRepo(PROMPTS);
    await cliJson(dir, ["push", "--alias", "production"]);

    const local = await runCli(dir, ["show", "custmer_support"]);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('error: Prompt "custmer_support" not found in');
    expect(local.stderr).toContain('hint: Did you mean "customer_support"? Check the name: it is the file\'s path below the prompts folder, without extension.');

    const registry = JSON.parse((await runCli(dir, ["show", "custmer_support", "--version", "v0.1.0", "--json"])).stdout) as ErrorOutput;
    expect(registry.error).toEqual({
      code: "PROMPT_NOT_FOUND",
      message: 'Prompt "custmer_support" not found in project "shop" at v0.1.0',
      suggestion: 'Did you mean "customer_support"? Run `promptsync list` to see the prompts of each version.',
    });

    const alias = await runCli(dir, ["version", "get", "prodution"]);
    expect(alias.code).toBe(1);
    expect(alias.stderr).toContain('error: Alias "prodution" does not exist in project "shop"');
    expect(alias.stderr).toContain('hint: Did you mean "production"? Otherwise create it with `promptsync alias set prodution <version>` (with --create if it is refused as too close to another alias), or run `promptsync alias list`.');
    expect((JSON.parse((await runCli(dir, ["version", "get", "lates", "--json"])).stdout) as ErrorOutput).error.suggestion).toMatch(/^Did you mean "latest"\?/);

    // Nothing near: the suggestion is the one it always was.
    const far = JSON.parse((await runCli(dir, ["version", "get", "qa", "--json"])).stdout) as ErrorOutput;
    expect(far.error.suggestion).toBe("Create it with `promptsync alias set qa <version>`, or run `promptsync alias list`.");
    const farPrompt = JSON.parse((await runCli(dir, ["show", "billing", "--json"])).stdout) as ErrorOutput;
    expect(farPrompt.error.suggestion).toBe("Check the name: it is the file's path below the prompts folder, without extension.");
  });

  it("analytics of a prompt no version has says it does not exist (exit 1); a published prompt without events is not an error", { timeout: 60_000 }, async () => {
    const dir = await gitRepo(PROMPTS);
    await cliJson(dir, ["push"]);
    await cliJson(dir, ["analytics", "build"]);

    const unknown = await runCli(dir, ["analytics", "custmer_support"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: Prompt "custmer_support" not found in project "shop"');
    expect(unknown.stderr).toContain('hint: Did you mean "customer_support"?');
    const json = await runCli(dir, ["analytics", "nope", "--json"]);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as ErrorOutput).error).toMatchObject({ code: "PROMPT_NOT_FOUND", message: 'Prompt "nope" not found in project "shop"' });

    const quiet = await runCli(dir, ["analytics", "greet"]);
    expect(quiet).toMatchObject({ code: 0, stdout: expect.stringContaining("No events for greet") });
    // The summary of events of prompts the registry does not have is not a prompt, and is always there to ask for.
    expect((await runCli(dir, ["analytics", "_unknown"])).code).toBe(0);
  });
});

describe("push outside a git repository", () => {
  it("says on stderr that no commit will be recorded; --json output stays JSON alone", { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    await writeFiles(dir, PROMPTS);
    const text = await runCli(dir, ["push"]);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain("no commit will be recorded");
    expect(text.stdout).toContain("Published 3 prompts as v0.1.0");
    await writeFiles(dir, { "prompts/greet.txt": "Hello again\n" });
    const json = await runCli(dir, ["push", "--json"]);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toMatchObject({ version: "v0.1.1", status: "created" });

    const repo = await gitRepo(PROMPTS);
    expect((await runCli(repo, ["push"])).stderr).not.toContain("no commit will be recorded");
  });
});
