import { afterEach, describe, expect, it, vi } from "vitest";
import { reportError } from "../cli/output.ts";
import { AliasNotFoundError, PromptSyncError, UsageError } from "../src/errors.ts";
import { runCli } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";

async function project(): Promise<string> {
  return gitRepo({ "promptsync.config.yaml": "project: exits\n", "prompts/hello.txt": "Hello {{ name }}\n" });
}

describe("CLI exit codes: the error's code decides", () => {
  it("a usage error exits 2, with the same message, hint and --json shape as before", async () => {
    const dir = await project();
    expect(await runCli(dir, ["push", "--bump", "huge"])).toEqual({ code: 2, stdout: "", stderr: 'error: --bump must be patch, minor or major, not "huge"\n' });
    expect(await runCli(dir, ["push", "--bump", "huge", "--json"])).toEqual({
      code: 2,
      stdout: `${JSON.stringify({ error: { code: "USAGE", message: '--bump must be patch, minor or major, not "huge"' } }, null, 2)}\n`,
      stderr: "",
    });
    expect(await runCli(dir, ["diff"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: Compare with what?\nhint: Give a version, --alias, --version or --git-commit; the local files are the other side.\n",
    });
    expect(JSON.parse((await runCli(dir, ["diff", "--json"])).stdout)).toEqual({
      error: { code: "USAGE", message: "Compare with what?", suggestion: "Give a version, --alias, --version or --git-commit; the local files are the other side." },
    });
  });

  it("a usage error the command line alone shows comes before the config is read", async () => {
    const dir = await project();
    await writeFiles(dir, { "promptsync.config.yaml": "project: [unclosed\n" });
    const result = await runCli(dir, ["push", "--bump", "huge", "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: "USAGE" } });
    expect((await runCli(dir, ["push", "--json"])).code).toBe(1);
  });

  it("an error the user can fix exits 1, with the same --json shape", async () => {
    const dir = await project();
    expect((await runCli(dir, ["push"])).code).toBe(0);
    const text = await runCli(dir, ["alias", "history", "nope"]);
    expect(text).toMatchObject({ code: 1, stdout: "" });
    expect(text.stderr).toMatch(/^error: Alias "nope" does not exist in project "exits"\n(hint: .+\n)?$/);
    const json = await runCli(dir, ["alias", "history", "nope", "--json"]);
    expect(json).toMatchObject({ code: 1, stderr: "" });
    const { error } = JSON.parse(json.stdout) as { error: Record<string, unknown> };
    expect(Object.keys(error).filter((key) => key !== "suggestion")).toEqual(["code", "message"]);
    expect(error).toMatchObject({ code: "ALIAS_NOT_FOUND", message: 'Alias "nope" does not exist in project "exits"' });
  });

  it("a finding keeps its exit code: diff --exit-code is 1 with differences, 0 without", async () => {
    const dir = await project();
    expect((await runCli(dir, ["push"])).code).toBe(0);
    expect((await runCli(dir, ["diff", "v0.1.0", "--exit-code"])).code).toBe(0);
    await writeFiles(dir, { "prompts/hello.txt": "Hi {{ name }}\n" });
    const changed = await runCli(dir, ["diff", "v0.1.0", "--exit-code", "--json"]);
    expect(changed.code).toBe(1);
    expect(JSON.parse(changed.stdout)).toMatchObject({ summary: { changed: 1 } });
  });
});

describe("reportError", () => {
  afterEach(() => vi.restoreAllMocks());

  it("maps USAGE to 2 whichever class carries it, every other PromptSyncError and anything else to 1", () => {
    vi.spyOn(process.stderr, "write").mockReturnValue(true);
    expect(reportError(new UsageError("Which version?"), false)).toBe(2);
    expect(reportError(new PromptSyncError("USAGE", "Pass a prompt"), false)).toBe(2);
    expect(reportError(new AliasNotFoundError("nope", "exits"), false)).toBe(1);
    expect(reportError(new PromptSyncError("NETWORK", "offline"), false)).toBe(1);
    expect(reportError(new Error("bug"), false)).toBe(1);
  });
});
