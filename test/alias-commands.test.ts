// Aliases through the CLI (issue 16): alias rollback, near-miss names refused unless --create, protected aliases
// (--confirm, and the signing key where the registry is signed), deletions in the history, and the dirty flag judged
// on the prompts folder as push judges it. Real git repositories, real CLI processes, folder registries.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AliasHistoryEntry } from "../src/formats/types.ts";
import { cliJson, runCli, type CliResult } from "./helpers/cli.ts";
import { snapshot, writeFiles } from "./helpers/fs.ts";
import { commitAll, gitRepo } from "./helpers/git.ts";

const REGISTRY = ".promptsync/registry";

interface PointerJson {
  alias: string;
  version: string;
  revision: number;
  canary?: { version: string; percentage: number };
  created?: boolean;
  rolledBackFrom?: string;
  signatures?: unknown[];
}

/** v0.1.0, v0.1.1 and v0.1.2 published, in a project `shop` with `config` added to its config file. */
async function threeVersions(config = ""): Promise<string> {
  const dir = await gitRepo({ "promptsync.config.yaml": `project: shop\n${config}`, "prompts/greet.txt": "one {{ name }}\n" });
  for (const text of ["two", "three"]) {
    await cliJson(dir, ["push"]);
    await writeFiles(dir, { "prompts/greet.txt": `${text} {{ name }}\n` });
  }
  await cliJson(dir, ["push"]);
  return dir;
}

function errorOf(result: CliResult): { code: string; message: string; suggestion?: string } {
  return (JSON.parse(result.stdout) as { error: { code: string; message: string; suggestion?: string } }).error;
}

const history = (dir: string, alias: string) => cliJson<AliasHistoryEntry[]>(dir, ["alias", "history", alias]);

describe("alias rollback", () => {
  it("moves the alias to the version before its current one, recorded as a set; again, it returns; canary steps are not moves, a promote is", async () => {
    const dir = await threeVersions();
    await cliJson(dir, ["alias", "set", "production", "v0.1.0"]);
    await cliJson(dir, ["alias", "set", "production", "v0.1.1"]);
    // A canary started and aborted, and a set to the same version, leave v0.1.0 the previous version.
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.2", "--percentage", "10"]);
    await cliJson(dir, ["canary", "abort", "--alias", "production"]);
    await cliJson(dir, ["alias", "set", "production", "v0.1.1"]);

    const back = await runCli(dir, ["alias", "rollback", "production"]);
    expect(back).toMatchObject({ code: 0, stdout: "alias production → v0.1.0 (rolled back from v0.1.1)\n" });
    expect((await history(dir, "production")).at(-1)).toMatchObject({ revision: 6, action: "set", version: "v0.1.0" });
    expect(await cliJson<PointerJson>(dir, ["alias", "rollback", "production"])).toMatchObject({ version: "v0.1.1", rolledBackFrom: "v0.1.0", revision: 7 });

    // A promote moves the alias: rolling back undoes it.
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.2", "--percentage", "50"]);
    await cliJson(dir, ["canary", "promote", "--alias", "production"]);
    expect(await cliJson<PointerJson>(dir, ["alias", "rollback", "production"])).toMatchObject({ version: "v0.1.1", rolledBackFrom: "v0.1.2" });
    expect((await history(dir, "production")).map((h) => [h.action, h.version])).toEqual([
      ["set", "v0.1.0"],
      ["set", "v0.1.1"],
      ["canary-set", "v0.1.1"],
      ["canary-abort", "v0.1.1"],
      ["set", "v0.1.1"],
      ["set", "v0.1.0"],
      ["set", "v0.1.1"],
      ["canary-set", "v0.1.1"],
      ["canary-promote", "v0.1.2"],
      ["set", "v0.1.1"],
    ]);
  });

  it("refuses with nothing written: no earlier version (exit 1), a canary running unless --force, an unknown alias", async () => {
    const dir = await threeVersions();
    await cliJson(dir, ["alias", "set", "production", "v0.1.0"]);
    await cliJson(dir, ["alias", "set", "production", "v0.1.0"]);
    const registry = join(dir, REGISTRY);
    const before = await snapshot(registry);
    const none = await runCli(dir, ["alias", "rollback", "production"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: "production" has pointed only to v0\.1\.0: there is no earlier version to roll back to\nhint: .*alias set production <version>/);
    expect(errorOf(await runCli(dir, ["alias", "rollback", "production", "--json"])).code).toBe("NO_PREVIOUS_VERSION");
    expect(errorOf(await runCli(dir, ["alias", "rollback", "nope", "--json"])).code).toBe("ALIAS_NOT_FOUND");
    expect(await snapshot(registry)).toEqual(before);

    await cliJson(dir, ["alias", "set", "production", "v0.1.1"]);
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.2", "--percentage", "10"]);
    const running = await runCli(dir, ["alias", "rollback", "production", "--json"]);
    expect(running.code).toBe(1);
    expect(errorOf(running)).toMatchObject({ code: "CANARY_RUNNING", suggestion: expect.stringContaining("--force") });
    // --force moves the alias and leaves the canary running, as alias set does.
    expect(await cliJson<PointerJson>(dir, ["alias", "rollback", "production", "--force"])).toMatchObject({
      version: "v0.1.0",
      canary: { version: "v0.1.2", percentage: 10 },
    });
  });

  it("on a signed registry: signed like every alias write, and verify passes", async () => {
    const dir = await threeVersions();
    const keys = await cliJson<{ privateKeyFile: string; publicKeyFile: string; keyId: string }>(dir, ["keys", "generate", "--out", "keys"]);
    const sign = ["--signing-key", keys.privateKeyFile];
    await cliJson(dir, ["keys", "sign-releases", ...sign]);
    await cliJson(dir, ["alias", "set", "production", "v0.1.1", ...sign]);
    await cliJson(dir, ["alias", "set", "production", "v0.1.2", ...sign]);
    const rolled = await cliJson<PointerJson>(dir, ["alias", "rollback", "production", ...sign]);
    expect(rolled).toMatchObject({ version: "v0.1.1", signatures: [{ keyid: keys.keyId }] });
    const verify = await runCli(dir, ["verify", "--trusted-key", keys.publicKeyFile]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const render = await runCli(dir, ["render", "greet", "--alias", "production", "--var", "name=Ada", "--trusted-key", keys.publicKeyFile]);
    expect(render).toMatchObject({ code: 0, stdout: "two Ada\n" });
  });
});

describe("alias set: new names", () => {
  it("a new name close to an existing alias is refused with a did-you-mean (exit 1, nothing written) unless --create; other new names are created with a notice", async () => {
    const dir = await threeVersions();
    await cliJson(dir, ["alias", "set", "production", "v0.1.0"]);
    const registry = join(dir, REGISTRY);
    const before = await snapshot(registry);

    const typo = await runCli(dir, ["alias", "set", "prodution", "v0.1.1"]);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe("");
    expect(typo.stderr).toMatch(/^error: There is no alias "prodution" in project "shop": did you mean "production"\?\nhint: .*--create/);
    expect(errorOf(await runCli(dir, ["alias", "set", "prodcution", "v0.1.1", "--json"])).code).toBe("ALIAS_NEAR_MISS");
    expect(await snapshot(registry)).toEqual(before);

    const created = await runCli(dir, ["alias", "set", "prodution", "v0.1.1", "--create"]);
    expect(created).toMatchObject({ code: 0, stdout: "alias prodution → v0.1.1\n", stderr: 'notice: created the alias "prodution" (it did not exist)\n' });

    // Far from every alias: created, with a notice on stderr in text and `created` in JSON.
    const staging = await runCli(dir, ["alias", "set", "staging", "v0.1.1"]);
    expect(staging).toMatchObject({ code: 0, stdout: "alias staging → v0.1.1\n", stderr: 'notice: created the alias "staging" (it did not exist)\n' });
    const json = await runCli(dir, ["alias", "set", "canary-eu", "v0.1.2", "--json"]);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toMatchObject({ alias: "canary-eu", version: "v0.1.2", revision: 1, created: true });
    // Deliberate neighbours: one name extending another, names that differ in digits only.
    for (const name of ["production-eu", "pr-11", "pr-12", "staging2"]) {
      expect(await cliJson<PointerJson>(dir, ["alias", "set", name, "v0.1.0"]), name).toMatchObject({ created: true });
    }
    // Moving an existing alias says nothing more.
    const moved = await runCli(dir, ["alias", "set", "production", "v0.1.2"]);
    expect(moved).toMatchObject({ code: 0, stderr: "" });
    expect(await cliJson<PointerJson>(dir, ["alias", "set", "production", "v0.1.1"])).toMatchObject({ created: false });
  });

  it("a deleted alias's history shows the deletion; set again, it is created anew and its revision carries on", async () => {
    const dir = await threeVersions();
    await cliJson(dir, ["alias", "set", "preview", "v0.1.0"]);
    await cliJson(dir, ["alias", "delete", "preview"]);
    expect((await history(dir, "preview")).map((h) => [h.revision, h.action, h.version])).toEqual([
      [1, "set", "v0.1.0"],
      [2, "delete", "v0.1.0"],
    ]);
    expect((await runCli(dir, ["alias", "history", "preview"])).stdout).toMatch(/\n2 +\S+ +delete +v0\.1\.0 /);
    expect(errorOf(await runCli(dir, ["alias", "rollback", "preview", "--json"])).code).toBe("ALIAS_NOT_FOUND");
    expect(await cliJson<PointerJson>(dir, ["alias", "set", "preview", "v0.1.1"])).toMatchObject({ revision: 3, created: true });
    expect(errorOf(await runCli(dir, ["alias", "history", "nope", "--json"])).code).toBe("ALIAS_NOT_FOUND");
  });
});

describe("protected aliases", () => {
  it("alias set, delete and rollback, canary set and promote, and push --alias need --confirm (exit 1, naming the alias and the flag, nothing written); canary abort does not", async () => {
    const dir = await threeVersions("protectedAliases: [production]\n");
    const registry = join(dir, REGISTRY);
    const refused = async (args: string[], command: string) => {
      const before = await snapshot(registry);
      const result = await runCli(dir, args);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^error: "production" is a protected alias \\(protectedAliases in promptsync\\.config\\.yaml\\): ${command} needs --confirm\\nhint: `),
      );
      expect(errorOf(await runCli(dir, [...args, "--json"])).code).toBe("ALIAS_PROTECTED");
      expect(await snapshot(registry), args.join(" ")).toEqual(before);
    };

    await refused(["alias", "set", "production", "v0.1.0"], "alias set");
    await cliJson(dir, ["alias", "set", "production", "v0.1.0", "--confirm"]);
    await cliJson(dir, ["alias", "set", "staging", "v0.1.0"]);
    await cliJson(dir, ["alias", "set", "production", "v0.1.1", "--confirm"]);
    await refused(["alias", "rollback", "production"], "alias rollback");
    expect(await cliJson<PointerJson>(dir, ["alias", "rollback", "production", "--confirm"])).toMatchObject({ version: "v0.1.0" });

    await refused(["canary", "set", "--alias", "production", "--version", "v0.1.2", "--percentage", "10"], "canary set");
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.2", "--percentage", "10", "--confirm"]);
    await refused(["canary", "promote", "--alias", "production"], "canary promote");
    expect(await cliJson<PointerJson>(dir, ["canary", "promote", "--alias", "production", "--confirm"])).toMatchObject({ version: "v0.1.2" });
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.0", "--percentage", "5", "--confirm"]);
    expect((await cliJson<PointerJson>(dir, ["canary", "abort", "--alias", "production"])).canary).toBeUndefined();

    await writeFiles(dir, { "prompts/greet.txt": "four {{ name }}\n" });
    await refused(["push", "--alias", "production"], "push --alias");
    expect(await cliJson(dir, ["push", "--alias", "production", "--confirm"])).toMatchObject({ version: "v0.1.3", aliases: { production: "v0.1.3" } });

    await refused(["alias", "delete", "production"], "alias delete");
    expect(await cliJson<PointerJson>(dir, ["alias", "delete", "production", "--confirm"])).toMatchObject({ deleted: true });
    // Other aliases need no --confirm; a near miss of a protected alias is refused even before it exists.
    await cliJson(dir, ["alias", "delete", "staging"]);
    expect(errorOf(await runCli(dir, ["alias", "set", "productoin", "v0.1.0", "--json"])).code).toBe("ALIAS_NEAR_MISS");
  });

  it("where the registry is signed, a protected alias needs the signing key too: refused before anything is written", async () => {
    const dir = await threeVersions("protectedAliases: [production, staging]\n");
    const keys = await cliJson<{ privateKeyFile: string; publicKeyFile: string }>(dir, ["keys", "generate", "--out", "keys"]);
    await cliJson(dir, ["keys", "sign-releases", "--signing-key", keys.privateKeyFile]);
    await cliJson(dir, ["alias", "set", "production", "v0.1.0", "--confirm", "--signing-key", keys.privateKeyFile]);
    await cliJson(dir, ["alias", "set", "production", "v0.1.1", "--confirm", "--signing-key", keys.privateKeyFile]);
    const registry = join(dir, REGISTRY);
    const before = await snapshot(registry);
    const cases: [string[], string][] = [
      [["alias", "set", "production", "v0.1.2"], "alias set"],
      [["alias", "rollback", "production"], "alias rollback"],
      [["alias", "delete", "production"], "alias delete"],
      [["canary", "set", "--alias", "production", "--version", "v0.1.2", "--percentage", "10"], "canary set"],
      // staging does not exist yet: the index is signed, so the registry is.
      [["alias", "set", "staging", "v0.1.2"], "alias set"],
    ];
    for (const [args, command] of cases) {
      const alias = args.includes("staging") ? "staging" : "production";
      const result = await runCli(dir, [...args, "--confirm"]);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error: "${alias}" is protected and the registry is signed: ${command} needs the signing key; nothing was written\\nhint: .*--signing-key`));
      expect(errorOf(await runCli(dir, [...args, "--confirm", "--json"])).code).toBe("SIGNING_KEY_INVALID");
    }
    expect(await snapshot(registry)).toEqual(before);

    expect(await cliJson<PointerJson>(dir, ["alias", "rollback", "production", "--confirm", "--signing-key", keys.privateKeyFile])).toMatchObject({ version: "v0.1.0" });
    expect((await runCli(dir, ["verify", "--trusted-key", keys.publicKeyFile])).code).toBe(0);
  });

  it("the config's protectedAliases must be a list of alias names", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\nprotectedAliases: [Production]\n", "prompts/greet.txt": "one\n" });
    const result = await runCli(dir, ["alias", "list", "--json"]);
    expect(result.code).toBe(1);
    expect(errorOf(result)).toMatchObject({ code: "CONFIG_INVALID", message: expect.stringContaining("protectedAliases") });
  });
});

describe("alias and canary changes record git as push does", () => {
  it("after init and a commit, push then alias set and canary steps record dirty: false even with untracked files outside the prompts folder", async () => {
    const dir = await gitRepo({ "README.md": "app\n" });
    expect((await runCli(dir, ["init"])).code).toBe(0);
    commitAll(dir, "promptsync init");
    await cliJson(dir, ["push", "--alias", "dev"]);
    await writeFiles(dir, { "notes.txt": "untracked\n", "src/app.ts": "// work in progress\n" });
    await cliJson(dir, ["alias", "set", "production", "dev"]);
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.0", "--percentage", "10"]);
    await cliJson(dir, ["canary", "abort", "--alias", "production"]);
    const entries = await history(dir, "production");
    expect(entries.map((h) => [h.action, h.git?.dirty])).toEqual([
      ["set", false],
      ["canary-set", false],
      ["canary-abort", false],
    ]);
    // A change in the prompts folder is dirty, for alias moves as for push.
    await writeFiles(dir, { "prompts/new.txt": "new\n" });
    await cliJson(dir, ["alias", "set", "staging", "dev"]);
    expect((await history(dir, "staging")).at(-1)?.git?.dirty).toBe(true);
  });
});
