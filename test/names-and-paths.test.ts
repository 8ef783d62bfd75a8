import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidNameError, PromptManager, SourcesUnavailableError } from "../sdk/index.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { serveFolder, type StaticServer } from "./helpers/static-server.ts";

const servers: StaticServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A project pushed to a folder registry, served over HTTP under /registry so that a key can try to climb out of it. */
async function published(): Promise<{ dir: string; registry: string; server: StaticServer; baseUrl: string }> {
  const dir = await gitRepo({ "promptsync.config.yaml": "project: web\n", "prompts/greet.txt": "Hello {{ name }}\n" });
  await cliJson(dir, ["push", "--alias", "production"]);
  const registry = join(dir, ".promptsync/registry");
  // The server's root holds the registry and, beside it, what a climbing key would reach.
  const root = join(dir, ".promptsync");
  await mkdir(join(root, "etc/passwd/v0.1.0"), { recursive: true });
  await writeFile(join(root, "etc/passwd/v0.1.0/default.yaml"), "root:x:0:0\n");
  await writeFile(join(root, "secret"), "s3cr3t\n");
  const server = await serveFolder(root);
  servers.push(server);
  return { dir, registry, server, baseUrl: `${server.url}/registry` };
}

/** Every file below `dir`, as paths relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

function cacheFolderOf(cacheDir: string, registryUrl: string): string {
  return join(cacheDir, createHash("sha256").update(registryUrl).digest("hex").slice(0, 16));
}

describe("SDK: names from the app are checked with the CLI's rules before any request", () => {
  it("getPrompt refuses a prompt name that climbs out of the registry, with INVALID_NAME, requesting and caching nothing", async () => {
    const { dir, server, baseUrl } = await published();
    const outside = await tempDir();
    const cacheDir = join(outside, "cache");
    const pm = new PromptManager({ registry: baseUrl, project: "web", cacheDir, cwd: dir });
    for (const name of ["../../../../etc/passwd", "../../secret", "greet/../../x", "a\\b", "greet\u0000", "", "aliases/x", "greet.txt", "x".repeat(600)]) {
      const error = await pm.getPrompt(name).catch((e: unknown) => e);
      expect(error, name).toMatchObject({ code: "INVALID_NAME", kind: "prompt" });
      expect(error, name).toBeInstanceOf(InvalidNameError);
    }
    expect(server.requests).toEqual([]);
    expect(await filesBelow(outside)).toEqual([]);
    // A valid name still works, and an invalid one is still refused once memory is warm.
    expect((await pm.getPrompt("greet")).format({ name: "Ada" })).toBe("Hello Ada");
    await expect(pm.getPrompt("../../../../etc/passwd")).rejects.toMatchObject({ code: "INVALID_NAME" });
    expect(server.requests.filter((p) => !p.startsWith("/registry/prompts/web/"))).toEqual([]);
  });

  it("a version or alias that is neither a version, latest nor an alias name is INVALID_NAME before any request", async () => {
    const { server, baseUrl } = await published();
    const pm = new PromptManager({ registry: baseUrl, project: "web" });
    for (const versionOrAlias of ["../../secret", "v0.1.0/../../../secret", "production/../../x", "Production", "", "prod\\x", "v1.0.0\u0000"]) {
      await expect(pm.getPrompt("greet", { versionOrAlias }), versionOrAlias).rejects.toMatchObject({ code: "INVALID_NAME" });
      await expect(pm.preload({ versionOrAlias }), versionOrAlias).rejects.toMatchObject({ code: "INVALID_NAME" });
      await expect(pm.diff("greet", versionOrAlias, "production"), versionOrAlias).rejects.toMatchObject({ code: "INVALID_NAME" });
    }
    await expect(pm.diff("../x", "production", "local")).rejects.toMatchObject({ code: "INVALID_NAME", kind: "prompt" });
    expect(server.requests).toEqual([]);
    expect((await pm.getPrompt("greet", { versionOrAlias: "v0.1.0" })).version).toBe("v0.1.0");
    expect((await pm.getPrompt("greet", { versionOrAlias: "latest" })).version).toBe("v0.1.0");
  });

  it("a project or default alias that could leave its prefix is refused when the manager is created", async () => {
    const { server, baseUrl } = await published();
    for (const project of ["../../other", "web/../other", "Web", "", "a".repeat(200)]) {
      expect(() => new PromptManager({ registry: baseUrl, project }), project).toThrow(InvalidNameError);
    }
    expect(() => new PromptManager({ registry: baseUrl, project: "web", defaultVersionOrAlias: "../x" })).toThrow(
      expect.objectContaining({ code: "INVALID_NAME" }),
    );
    expect(server.requests).toEqual([]);
  });

  it("the CLI refuses the same names: render never requests a key outside the registry", async () => {
    const { dir, server, baseUrl } = await published();
    const result = await runCli(dir, ["render", "../../../../etc/passwd", "--alias", "production", "--registry", baseUrl, "--json"]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain("INVALID_NAME");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(server.requests.filter((p) => !p.startsWith("/registry/prompts/web/"))).toEqual([]);
  });
});

describe("SDK: registry objects cannot steer reads or the disk cache", () => {
  it("a manifest listing a prompt name that climbs out is INVALID_BUNDLE, and the escaped key is never requested", async () => {
    const { registry, server, baseUrl } = await published();
    const manifestPath = join(registry, "prompts/web/_releases/v0.1.0.json");
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { prompts: Record<string, unknown> };
    manifest.prompts["../../../../etc/passwd"] = manifest.prompts.greet;
    await writeFile(manifestPath, JSON.stringify(manifest));
    await rm(join(registry, "prompts/web/_bundles"), { recursive: true, force: true });
    const cacheDir = await tempDir();
    const pm = new PromptManager({ registry: baseUrl, project: "web", cacheDir });
    await expect(pm.preload()).rejects.toMatchObject({ cause: expect.objectContaining({ code: "INVALID_BUNDLE" }) });
    // Every source failed: the SDK's one error for that, with what each source said.
    const failure = await pm.preload().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SourcesUnavailableError);
    expect(failure).toMatchObject({ code: "PROMPT_UNAVAILABLE", attempts: [{ source: "network" }] });
    expect(server.requests.filter((p) => !p.startsWith("/registry/prompts/web/"))).toEqual([]);
    expect((await filesBelow(cacheDir)).filter((f) => !f.includes("/_pointers/"))).toEqual([]);
  });

  it("content is checked against its release manifest before it is written to cacheDir, never after", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: web\n", "prompts/greet.txt": "Hello {{ name }}\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    const registry = join(dir, ".promptsync/registry");
    const genuine = await readFile(join(registry, "prompts/web/greet/v0.1.0/default.yaml"));
    await writeFile(join(dir, "prompts/greet.txt"), "Transfer the funds to {{ name }}\n");
    await cliJson(dir, ["push"]);
    // Written directly: v0.1.1's prompt (valid, with its own correct hash) in place of v0.1.0's.
    await writeFile(join(registry, "prompts/web/greet/v0.1.0/default.yaml"), await readFile(join(registry, "prompts/web/greet/v0.1.1/default.yaml")));
    const cacheDir = await tempDir();
    const pm = new PromptManager({ registry, project: "web", cacheDir });
    const error = await pm.getPrompt("greet", { versionOrAlias: "v0.1.0" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PROMPT_UNAVAILABLE", cause: expect.objectContaining({ code: "INVALID_BUNDLE" }) });
    const cached = await filesBelow(cacheDir);
    expect(cached.filter((f) => f.endsWith("default.yaml"))).toEqual([]);
    expect(cached.some((f) => f.endsWith("_releases/v0.1.0.json"))).toBe(true);

    // Once the object is repaired, the genuine content is served and cached.
    await writeFile(join(registry, "prompts/web/greet/v0.1.0/default.yaml"), genuine);
    expect((await pm.getPrompt("greet", { versionOrAlias: "v0.1.0" })).format({ name: "Ada" })).toBe("Hello Ada");
    expect((await filesBelow(cacheDir)).filter((f) => f.endsWith("default.yaml"))).toHaveLength(1);
  });

  it("the disk cache neither writes nor reads through a symbolic link that leaves cacheDir", async () => {
    const { baseUrl } = await published();
    const cacheDir = await tempDir();
    const outside = await tempDir();
    await symlink(outside, cacheFolderOf(cacheDir, baseUrl));
    const pm = new PromptManager({ registry: baseUrl, project: "web", cacheDir });
    const prompt = await pm.getPrompt("greet");
    expect(prompt).toMatchObject({ source: "network", version: "v0.1.0" });
    expect(await filesBelow(outside)).toEqual([]);

    // A planted entry behind such a link is not read either: a restart fetches from the registry again.
    await mkdir(join(outside, "prompts/web/greet/v0.1.0"), { recursive: true });
    await writeFile(join(outside, "prompts/web/greet/v0.1.0/default.yaml"), "not: [a prompt\n");
    const restarted = new PromptManager({ registry: baseUrl, project: "web", cacheDir });
    expect((await restarted.getPrompt("greet", { versionOrAlias: "v0.1.0" })).source).toBe("network");
  });
});

describe("folder registry: symbolic links out of its root are not followed", () => {
  it("an alias pointer that is a link to a file outside the registry is refused; a link inside it is followed", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: web\n", "prompts/greet.txt": "Hello {{ name }}\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    const registry = join(dir, ".promptsync/registry");
    const aliases = join(registry, "prompts/web/aliases");
    const outside = await tempDir();
    await writeFile(join(outside, "pointer.json"), await readFile(join(aliases, "production.json")));
    await symlink(join(outside, "pointer.json"), join(aliases, "escaped.json"));
    await symlink("production.json", join(aliases, "inside.json"));

    const pm = new PromptManager({ registry, project: "web" });
    const error = await pm.getPrompt("greet", { versionOrAlias: "escaped" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PROMPT_UNAVAILABLE", cause: expect.objectContaining({ code: "INVALID_BUNDLE" }) });
    expect(String((error as Error).message)).toMatch(/symbolic link/);
    expect((await pm.getPrompt("greet", { versionOrAlias: "inside" })).version).toBe("v0.1.0");
  });

  it("push does not write through a project folder that is a link out of the registry", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: web\n", "prompts/greet.txt": "Hello {{ name }}\n" });
    const outside = await tempDir();
    await mkdir(join(dir, ".promptsync/registry/prompts"), { recursive: true });
    await symlink(outside, join(dir, ".promptsync/registry/prompts/web"));
    const result = await runCli(dir, ["push", "--alias", "production", "--json"]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain("INVALID_BUNDLE");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await filesBelow(outside)).toEqual([]);
  });
});
