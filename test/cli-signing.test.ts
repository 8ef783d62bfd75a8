import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FolderStore } from "../src/storage/folder.ts";
import { VerifyingReader } from "../src/signing/verifying-reader.ts";
import { TrustedKeys } from "../src/signing/keys.ts";
import { RegistryClient } from "../src/registry/read.ts";
import { layout } from "../src/formats/layout.ts";
import { cliJson, runCli } from "./helpers/cli.ts";
import { snapshot, writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { rewritePromptInPlace } from "./helpers/tamper.ts";

const REGISTRY = ".promptsync/registry";

interface Finding {
  object: string;
  ok: boolean;
  detail: string;
}

async function shop(): Promise<string> {
  return gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "one {{ name }}\n" });
}

async function keyPair(dir: string, out: string): Promise<{ keyId: string; key: string; pub: string }> {
  const written = await cliJson<{ keyId: string; privateKeyFile: string; publicKeyFile: string }>(dir, ["keys", "generate", "--out", out]);
  return { keyId: written.keyId, key: written.privateKeyFile, pub: written.publicKeyFile };
}

async function verify(dir: string, args: string[]): Promise<{ code: number; ok: boolean; findings: Finding[] }> {
  const result = await runCli(dir, ["verify", ...args, "--json"]);
  const report = JSON.parse(result.stdout) as { ok: boolean; findings: Finding[] };
  return { code: result.code, ...report };
}

function problems(findings: Finding[]): Finding[] {
  return findings.filter((f) => !f.ok);
}

describe("promptsync keys", () => {
  it("generate writes promptsync.key (0600) and promptsync.pub, prints the key ID, and refuses to overwrite them", async () => {
    const dir = await shop();
    const result = await runCli(dir, ["keys", "generate", "--out", "keys"]);
    expect(result.code).toBe(0);
    const keyId = /Key ID ([0-9a-f]{32})/.exec(result.stdout)?.[1];
    expect(keyId).toBeDefined();
    expect((await stat(join(dir, "keys/promptsync.key"))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, "keys/promptsync.key"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(await readFile(join(dir, "keys/promptsync.pub"), "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    for (const file of ["keys/promptsync.key", "keys/promptsync.pub"]) {
      expect((await runCli(dir, ["keys", "id", file])).stdout.trim()).toBe(keyId);
    }

    const before = await snapshot(join(dir, "keys"));
    const again = await runCli(dir, ["keys", "generate", "--out", "keys"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/promptsync\.key already exists; keys are never overwritten/);
    expect(await snapshot(join(dir, "keys"))).toEqual(before);
  });
});

describe("signed writes through the CLI", () => {
  it("push, alias set, canary set/promote/abort and alias delete with --signing-key; verify passes at every step", async () => {
    const dir = await shop();
    const { key, pub, keyId } = await keyPair(dir, "keys");
    const sign = ["--signing-key", key];
    const push = await cliJson<{ signedBy: string }>(dir, ["push", "--alias", "production", ...sign]);
    expect(push.signedBy).toBe(keyId);
    await writeFiles(dir, { "prompts/greet.txt": "two {{ name }}\n" });
    await cliJson(dir, ["push", ...sign]);
    await cliJson(dir, ["alias", "set", "staging", "v0.1.1", ...sign]);
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "10", ...sign]);
    expect(await verify(dir, ["--trusted-key", pub])).toMatchObject({ code: 0, ok: true });

    const running = await runCli(dir, ["alias", "delete", "production", ...sign]);
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/A canary of v0\.1\.1 is running on "production"/);
    await cliJson(dir, ["canary", "promote", "--alias", "production", ...sign]);
    await cliJson(dir, ["canary", "set", "--alias", "staging", "--version", "v0.1.0", "--percentage", "5", ...sign]);
    await cliJson(dir, ["canary", "abort", "--alias", "staging", ...sign]);
    expect(await cliJson(dir, ["alias", "delete", "staging", ...sign])).toMatchObject({ deleted: true, revision: 4 });
    const stored = await new FolderStore(join(dir, REGISTRY)).get(layout.alias("shop", "staging"));
    expect(JSON.parse(new TextDecoder().decode(stored!.body))).toMatchObject({ deleted: true, revision: 4, signatures: [{ keyid: keyId }] });

    const report = await verify(dir, ["--trusted-key", pub]);
    expect(report).toMatchObject({ code: 0, ok: true });
    expect(report.findings.find((f) => f.object.endsWith("aliases/staging.json"))?.detail).toMatch(/deleted \(tombstone\) at revision 4/);
    expect(report.findings.find((f) => f.object.endsWith("aliases/production.json"))?.detail).toMatch(/→ v0\.1\.1, revision 3/);

    const render = await runCli(dir, ["render", "greet", "--alias", "production", "--var", "name=Ada", "--trusted-key", pub]);
    expect(render).toMatchObject({ code: 0, stdout: "two Ada\n" });
    const deleted = await runCli(dir, ["render", "greet", "--alias", "staging", "--var", "name=Ada", "--trusted-key", pub, "--json"]);
    expect(deleted.code).toBe(1);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ error: { code: "ALIAS_NOT_FOUND" } });
  });

  it("PROMPTSYNC_SIGNING_KEY (the PEM) and signing.key (a file) sign too; signing.trustedKeys makes reads verify", async () => {
    const dir = await shop();
    const { key, pub, keyId } = await keyPair(dir, "keys");
    const pem = await readFile(join(dir, key.slice(dir.length + 1)), "utf8");
    await cliJson(dir, ["push", "--alias", "production"], { PROMPTSYNC_SIGNING_KEY: pem });
    await writeFiles(dir, {
      "promptsync.config.yaml": "project: shop\nsigning:\n  key: keys/promptsync.key\n  trustedKeys: [keys/promptsync.pub]\n  pointerTtl: 30d\n",
      "prompts/greet.txt": "two {{ name }}\n",
    });
    await cliJson(dir, ["push", "--alias", "production"]);
    const store = new FolderStore(join(dir, REGISTRY));
    for (const version of ["v0.1.0", "v0.1.1"]) expect(await store.get(layout.releaseSignature("shop", version, keyId))).toBeDefined();
    const pointer = await new RegistryClient(new VerifyingReader(store, TrustedKeys.fromPems([await readFile(pub, "utf8")])), "shop").alias("production");
    expect(Date.parse(pointer!.expires!) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const report = await verify(dir, []);
    expect(report).toMatchObject({ code: 0, ok: true });
    expect((await runCli(dir, ["show", "greet", "--alias", "production"])).code).toBe(0);
    expect((await runCli(dir, ["diff", "v0.1.0", "v0.1.1"])).code).toBe(0);
  });

  it("a malformed key file, a public key as signing key, a missing file, a path in the env var: one clear line, exit 1, nothing written", async () => {
    const dir = await shop();
    const { pub } = await keyPair(dir, "keys");
    await writeFiles(dir, { "bad.key": "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n" });
    await cliJson(dir, ["push", "--alias", "production"]);
    await writeFiles(dir, { "prompts/greet.txt": "two {{ name }}\n" });
    const registry = join(dir, REGISTRY);
    const before = await snapshot(registry);
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [["push", "--signing-key", "bad.key"], {}, /--signing-key bad\.key is not a PEM private key/],
      [["alias", "set", "staging", "v0.1.0", "--signing-key", pub], {}, /is a public key/],
      [["canary", "set", "--alias", "production", "--version", "v0.1.0", "--percentage", "5", "--signing-key", "missing.key"], {}, /--signing-key: .*missing\.key does not exist/],
      [["alias", "delete", "production"], { PROMPTSYNC_SIGNING_KEY: "keys/promptsync.key" }, /PROMPTSYNC_SIGNING_KEY does not hold a PEM key/],
      [["alias", "refresh-signatures"], {}, /No signing key/],
      [["keys", "sign-releases", "--signing-key", "bad.key"], {}, /not a PEM private key/],
    ];
    for (const [args, env, message] of cases) {
      const result = await runCli(dir, args, env);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/^error: .*\nhint: .*\n$/);
      expect(result.stderr).not.toMatch(/\s+at /);
    }
    const json = await runCli(dir, ["push", "--signing-key", "bad.key", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "SIGNING_KEY_INVALID" } });
    expect(await snapshot(registry)).toEqual(before);
  });

  it("a signing push never signs a manifest someone rewrote: same releaseHash, other content is INVALID_BUNDLE, nothing written", async () => {
    const dir = await shop();
    const { key } = await keyPair(dir, "keys");
    await cliJson(dir, ["push"]);
    const registry = join(dir, REGISTRY);
    await rewritePromptInPlace(registry, { project: "shop", prompt: "greet", version: "v0.1.0" }, "{{ attacker }}");
    const before = await snapshot(registry);
    const result = await runCli(dir, ["push", "--signing-key", key, "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: "INVALID_BUNDLE" } });
    expect(JSON.parse(result.stdout).error.message).toMatch(/_releases\/v0\.1\.0\.json: its releaseHash is this push's, but it lists other content/);
    expect(await snapshot(registry)).toEqual(before);
  });

  it("pull --trusted-key writes the manifest's signature objects into the snapshot, which verifies on its own", async () => {
    const dir = await shop();
    const { key, pub, keyId } = await keyPair(dir, "keys");
    await cliJson(dir, ["push", "--alias", "production", "--signing-key", key]);
    const pulled = await cliJson<{ signatures: string[] }>(dir, ["pull", "--out", "snapshot", "--trusted-key", pub]);
    expect(pulled.signatures).toEqual([keyId]);
    const snapshotStore = new FolderStore(join(dir, "snapshot"));
    const client = new RegistryClient(new VerifyingReader(snapshotStore, TrustedKeys.fromPems([await readFile(pub, "utf8")])), "shop");
    const { version } = await client.resolve("production");
    expect((await client.prompt(version, "greet")).content).toBe("one {{ name }}\n");
  });
});

describe("key rotation through the CLI", () => {
  it("A signs; B takes over (sign-releases, refresh-signatures); A revoked: A-only objects are problems, B-signed ones fine", async () => {
    const dir = await shop();
    const a = await keyPair(dir, "keys/a");
    const b = await keyPair(dir, "keys/b");
    const both = ["--trusted-key", a.pub, "--trusted-key", b.pub];
    await cliJson(dir, ["push", "--alias", "production", "--signing-key", a.key]);
    await writeFiles(dir, { "prompts/greet.txt": "two {{ name }}\n" });
    await cliJson(dir, ["push", "--alias", "staging", "--signing-key", a.key]);
    expect(await verify(dir, both)).toMatchObject({ code: 0 });

    expect(await cliJson(dir, ["keys", "sign-releases", "--signing-key", b.key])).toEqual({ keyId: b.keyId, signed: ["v0.1.0", "v0.1.1"], already: [] });
    await writeFiles(dir, { "promptsync.config.yaml": `project: shop\nsigning:\n  revokedKeys: [${a.keyId}]\n` });
    const halfway = await verify(dir, both);
    expect(halfway.code).toBe(1);
    expect(problems(halfway.findings).map((f) => f.object).sort()).toEqual([
      "prompts/shop/_index.json",
      "prompts/shop/aliases/production.json",
      "prompts/shop/aliases/staging.json",
    ]);
    expect(problems(halfway.findings).every((f) => f.detail.includes(`revoked key (${a.keyId})`))).toBe(true);
    expect(halfway.findings.find((f) => f.object.endsWith("_releases/v0.1.0.json"))?.detail).toMatch(new RegExp(`signed by ${b.keyId}.*revoked`));
    const refused = await runCli(dir, ["render", "greet", "--alias", "production", "--var", "name=Ada", ...both, "--json"]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: "SIGNATURE_INVALID", message: expect.stringContaining("aliases/production.json") } });

    expect(await cliJson(dir, ["alias", "refresh-signatures", "--signing-key", b.key])).toEqual({ keyId: b.keyId, aliases: ["production", "staging"] });
    expect(await verify(dir, both)).toMatchObject({ code: 0, ok: true });
    expect((await runCli(dir, ["render", "greet", "--alias", "production", "--var", "name=Ada", ...both])).stdout).toBe("one Ada\n");

    // A CI job still on the old key: its release is flagged, the rest stays fine.
    await writeFiles(dir, { "prompts/greet.txt": "three {{ name }}\n" });
    await cliJson(dir, ["push", "--signing-key", a.key]);
    const late = await verify(dir, both);
    expect(problems(late.findings).map((f) => f.object)).toEqual(expect.arrayContaining(["prompts/shop/_releases/v0.1.2.json"]));
    expect(late.findings.find((f) => f.object.endsWith("aliases/production.json"))).toMatchObject({ ok: true });
  });
});
