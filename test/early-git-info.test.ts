// cli/early-git-info.ts: the git facts an alias change records, started before the command's modules load, are
// the ones the command would have asked for itself; a command whose prompts folder is another gets its own.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gitInfoFor, startGitInfo } from "../cli/early-git-info.ts";
import { gitInfo } from "../src/git/repository.ts";
import { writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";

describe("gitInfoFor after startGitInfo", () => {
  it("gives the config's prompts folder the facts gitInfo gives it, dirty flag included", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "prompts: src/prompts\n", "src/prompts/a.txt": "a\n", "prompts/b.txt": "b\n" });
    await writeFiles(dir, { "src/prompts/new.txt": "new\n" });
    startGitInfo(dir);
    const early = await gitInfoFor(dir, join(dir, "src/prompts"));
    expect(early).toEqual(await gitInfo(dir, join(dir, "src/prompts")));
    expect(early?.dirty).toBe(true);
  });

  it("runs git for the folder asked when it is not the one started, and once only for the one started", async () => {
    const dir = await gitRepo({ "prompts/a.txt": "a\n", "other/b.txt": "b\n" });
    startGitInfo(dir);
    await writeFiles(dir, { "other/new.txt": "new\n" });
    expect((await gitInfoFor(dir, join(dir, "other")))?.dirty).toBe(true);
    startGitInfo(dir);
    expect((await gitInfoFor(dir, join(dir, "prompts")))?.dirty).toBe(false);
    await writeFiles(dir, { "prompts/new.txt": "new\n" });
    expect((await gitInfoFor(dir, join(dir, "prompts")))?.dirty).toBe(true);
  });

  it("starts nothing for a config only the YAML parser reads: the command asks git itself", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "prompts: 'src/prompts'\n", "src/prompts/a.txt": "a\n" });
    startGitInfo(dir);
    await writeFiles(dir, { "src/prompts/new.txt": "new\n" });
    expect((await gitInfoFor(dir, join(dir, "src/prompts")))?.dirty).toBe(true);
  });
});
