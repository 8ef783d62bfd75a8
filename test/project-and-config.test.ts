import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectProject, loadConfig } from "../src/project/config.ts";
import { gitInfo } from "../src/git/repository.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { git, gitRepo } from "./helpers/git.ts";

describe("project ID detection", () => {
  it("option, then config, then git remote, git folder, package.json, pyproject.toml", async () => {
    const dir = await gitRepo(
      { "package.json": '{"name": "@acme/from-package"}', "pyproject.toml": '[tool.x]\nname = "nope"\n[project]\nname = "from-pyproject"\n' },
      "init",
      "from-folder",
    );
    expect(await detectProject(dir, "from-option", { project: "from-config" })).toEqual({ project: "from-option", source: "option" });
    expect(await detectProject(dir, undefined, { project: "from-config" })).toEqual({ project: "from-config", source: "config" });
    expect(await detectProject(dir, undefined, {})).toEqual({ project: "from-folder", source: "git folder" });
    git(dir, "remote", "add", "origin", "git@github.com:acme/Support-Bot.git");
    expect(await detectProject(dir, undefined, {})).toEqual({ project: "support-bot", source: "git remote" });

    const plain = await tempDir();
    await writeFiles(plain, { "package.json": '{"name": "@acme/from-package"}' });
    expect(await detectProject(plain, undefined, {})).toEqual({ project: "from-package", source: "package.json" });
    const python = await tempDir();
    await writeFiles(python, { "pyproject.toml": '[tool.x]\nname = "nope"\n[project]\nname = "from-pyproject"\n' });
    expect(await detectProject(python, undefined, {})).toEqual({ project: "from-pyproject", source: "pyproject.toml" });
    await expect(detectProject(await tempDir(), undefined, {})).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });

  it("config from promptsync.config.yaml or package.json, searched upward to the git top level", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\nprompts: src/prompts\n", "app/sub/x.txt": "" });
    expect(await loadConfig(join(dir, "app/sub"))).toMatchObject({ config: { project: "shop", prompts: "src/prompts" }, dir });
    const pkg = await gitRepo({ "package.json": '{"name": "x", "promptsync": {"project": "pkg"}}' });
    expect((await loadConfig(pkg)).config).toEqual({ project: "pkg" });
    const bad = await gitRepo({ "promptsync.config.yaml": "projct: typo\n" });
    await expect(loadConfig(bad)).rejects.toMatchObject({ code: "CONFIG_INVALID", message: expect.stringContaining("projct") });
  });

  it("git metadata: commit, branch, author, subject, time, and dirty state of the prompts folder", async () => {
    const dir = await gitRepo({ "prompts/a.txt": "a\n", "other.txt": "x" }, "Add the refund prompt");
    const info = await gitInfo(dir, join(dir, "prompts"));
    expect(info).toMatchObject({ branch: "main", dirty: false, author: "Ada Lovelace <ada@example.com>", subject: "Add the refund prompt" });
    expect(info!.commit).toBe(git(dir, "rev-parse", "HEAD"));
    await writeFiles(dir, { "other.txt": "changed" });
    expect((await gitInfo(dir, join(dir, "prompts")))!.dirty).toBe(false);
    await writeFiles(dir, { "prompts/new.md": "new" });
    expect((await gitInfo(dir, join(dir, "prompts")))!.dirty).toBe(true);
    expect(await gitInfo(await tempDir(), ".")).toBeUndefined();
  });

  it("push records the git metadata in the manifest, the index and the prompt history", async () => {
    const dir = await gitRepo({ "prompts/a.txt": "a\n" }, "First prompt", "meta");
    await cliJson(dir, ["push"]);
    const list = await cliJson<{ project: string; versions: { git: { commit: string; subject: string } }[] }>(dir, ["list"]);
    expect(list.project).toBe("meta");
    expect(list.versions[0]!.git).toMatchObject({ commit: git(dir, "rev-parse", "HEAD"), subject: "First prompt" });
  });
});

describe("CLI conventions", () => {
  it("exit 2 for bad usage, 1 for user errors with a message and no stack, 0 for success", async () => {
    const dir = await gitRepo({ "prompts/a.txt": "a\n" });
    expect((await runCli(dir, ["push", "--no-such-option"])).code).toBe(2);
    expect((await runCli(dir, ["alias", "set"])).code).toBe(2);
    expect((await runCli(dir, ["push", "--bump", "huge"])).code).toBe(2);
    expect((await runCli(dir, ["frobnicate"])).code).toBe(2);
    const unknown = await runCli(dir, ["version", "get", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Alias "nope" does not exist');
    expect(unknown.stderr).toContain("hint:");
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    expect((await runCli(dir, ["--version"])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await runCli(dir, ["--help"])).code).toBe(0);
  });

  it("errors are JSON with --json; unknown versions and prompts are named", async () => {
    const dir = await gitRepo({ "prompts/a.txt": "a\n" });
    await cliJson(dir, ["push"]);
    const version = await runCli(dir, ["alias", "set", "prod", "v9.9.9", "--json"]);
    expect(version.code).toBe(1);
    expect(JSON.parse(version.stdout).error).toMatchObject({ code: "VERSION_NOT_FOUND", message: expect.stringContaining("v9.9.9") });
    const prompt = await runCli(dir, ["show", "missing", "--version", "v0.1.0", "--json"]);
    expect(JSON.parse(prompt.stdout).error).toMatchObject({ code: "PROMPT_NOT_FOUND", message: expect.stringContaining("missing") });
    const alias = await runCli(dir, ["alias", "set", "v1.0.0", "v0.1.0", "--json"]);
    expect(JSON.parse(alias.stdout).error.code).toBe("ALIAS_INVALID");
  });

  it("registry from --registry, PROMPTSYNC_REGISTRY, the config, else .promptsync/registry at the repo root", async () => {
    const dir = await gitRepo({ "prompts/a.txt": "a\n", "sub/.keep": "" });
    expect((await cliJson<{ registry: string }>(join(dir, "sub"), ["push", "--path", "../prompts"])).registry).toBe(`file://${dir}/.promptsync/registry`);
    const viaEnv = await cliJson<{ registry: string; status: string }>(dir, ["push", "--force"], { PROMPTSYNC_REGISTRY: "env-reg" });
    expect(viaEnv.registry).toBe(`file://${dir}/env-reg`);
    const viaFlag = await cliJson<{ registry: string }>(dir, ["push", "--registry", "file://flag-reg"], { PROMPTSYNC_REGISTRY: "env-reg" });
    expect(viaFlag.registry).toBe(`file://${dir}/flag-reg`);
    await writeFiles(dir, { "promptsync.config.yaml": "registry: ./config-reg\n" });
    expect((await cliJson<{ registry: string }>(join(dir, "sub"), ["push", "--path", "../prompts"])).registry).toBe(`file://${dir}/config-reg`);
  });

  it("init creates a config and an example prompt that pushes", async () => {
    const dir = await gitRepo({ ".gitignore": "node_modules/\n" }, "init", "fresh-app");
    const init = await cliJson<{ created: string[] }>(dir, ["init"]);
    expect(init.created).toEqual(["promptsync.config.yaml", "prompts/hello.md", ".gitignore entry .promptsync/"]);
    expect(await cliJson(dir, ["push", "--alias", "dev"])).toMatchObject({ project: "fresh-app", version: "v0.1.0" });
    const again = await cliJson<{ created: string[]; kept: string[] }>(dir, ["init"]);
    expect(again).toEqual({ created: [], kept: ["promptsync.config.yaml"] });
    const bare = await tempDir();
    expect((await cliJson<{ created: string[] }>(bare, ["init"])).created).toEqual(["promptsync.config.yaml", "prompts/hello.md", ".gitignore"]);
    expect(await readFile(join(bare, ".gitignore"), "utf8")).toBe(".promptsync/\n");
  });
});
