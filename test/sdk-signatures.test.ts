import { cp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { validateTelemetryEvent } from "../src/formats/validate.ts";
import { layout } from "../src/formats/layout.ts";
import { deleteAlias, setAlias } from "../src/registry/aliases.ts";
import { abortCanary, promoteCanary, setCanary } from "../src/registry/canary-rollout.ts";
import { pushRelease } from "../src/registry/push.ts";
import { refreshSignatures, signAllReleases } from "../src/registry/signing.ts";
import { generateSigningKeys, signerFromPem } from "../src/signing/keys.ts";
import { FolderStore } from "../src/storage/folder.ts";
import type { HeartbeatEvent, TelemetryEvent } from "../src/formats/telemetry-events.ts";
import { PromptManager, type Prompt, type PromptManagerOptions } from "../sdk/index.ts";
import { tempDir, writeFiles } from "./helpers/fs.ts";
import { countingOrigin } from "./helpers/origin-server.ts";
import {
  compileGreeting,
  readRegistryFile,
  rewriteInPlace,
  signedFolderRegistry,
  writeRegistryFile,
  type SignedFolderRegistry,
} from "./helpers/sdk-signing.ts";

const ALIAS = layout.alias("shop", "production");

/** Refreshes only when the test says so. */
function manager(reg: SignedFolderRegistry, options: PromptManagerOptions = {}): PromptManager {
  return new PromptManager({
    registry: reg.root,
    project: reg.project,
    trustedKeys: [reg.key.publicKeyPem],
    refreshInterval: 0,
    ...options,
    cacheStrategy: { refreshStrategy: "none", ...options.cacheStrategy },
  });
}

const stranger = () => ({ signer: signerFromPem(generateSigningKeys().privateKeyPem) });

async function greeting(pm: PromptManager, versionOrAlias?: string, canaryKey?: string): Promise<{ prompt: Prompt; text: string }> {
  const prompt = await pm.getPrompt("greet", { ...(versionOrAlias !== undefined && { versionOrAlias }), ...(canaryKey !== undefined && { canaryKey }) });
  return { prompt, text: prompt.format({ name: "A" }) as string };
}

/** What refusing looks like when nothing verified was served before. */
const REFUSED = { code: "PROMPT_UNAVAILABLE", cause: { code: "SIGNATURE_INVALID" } };

async function cacheRootOf(cacheDir: string): Promise<string> {
  return join(cacheDir, (await readdir(cacheDir))[0]!);
}

afterEach(() => vi.unstubAllEnvs());

describe("SDK: trusted keys are required of pointers, manifests and content", () => {
  it("serves what the team signed: push, alias set, canary set, promote and abort, latest and a version", async () => {
    const reg = await signedFolderRegistry();
    const pm = manager(reg);
    expect((await greeting(pm)).text).toBe("Hello A");
    const next = await reg.publish("Hi {{ name }}\n", "staging");
    await setCanary(reg.store, { project: "shop", alias: "production", version: next, percentage: 50, signing: reg.signing });
    await pm.refresh();
    const sides = new Set<string>();
    for (let i = 0; i < 40; i++) sides.add((await greeting(pm, undefined, `user-${i}`)).text);
    expect(sides).toEqual(new Set(["Hello A", "Hi A"]));
    await promoteCanary(reg.store, { project: "shop", alias: "production", signing: reg.signing });
    await pm.refresh();
    expect(await greeting(pm)).toMatchObject({ text: "Hi A", prompt: { version: next, stale: false } });
    await setCanary(reg.store, { project: "shop", alias: "production", version: "v0.1.0", percentage: 100, signing: reg.signing });
    await abortCanary(reg.store, { project: "shop", alias: "production", signing: reg.signing });
    await pm.refresh();
    expect((await greeting(pm)).text).toBe("Hi A");
    expect((await greeting(pm, "staging")).text).toBe("Hi A");
    expect((await greeting(pm, "latest")).prompt.version).toBe(next);
    expect((await greeting(pm, "v0.1.0")).text).toBe("Hello A");
    expect(pm.cacheStats().signatureRefusals).toBe(0);
  });

  it("a forged new version (content, manifest, alias) signed by an unknown key or unsigned is refused; the verified one stays, stale", async () => {
    const reg = await signedFolderRegistry();
    const pm = manager(reg);
    expect((await greeting(pm)).text).toBe("Hello A");

    const forged = await reg.publish("Pwned {{ name }}\n", "production", stranger());
    await pm.refresh();
    expect(await greeting(pm)).toMatchObject({ text: "Hello A", prompt: { version: "v0.1.0", stale: true } });
    expect(pm.cacheStats().signatureRefusals).toBe(1);
    await expect(pm.getPrompt("greet", { versionOrAlias: forged })).rejects.toMatchObject(REFUSED);

    const { version: unsigned } = await pushRelease(reg.store, { project: "shop", prompts: compileGreeting("Unsigned {{ name }}\n") });
    await setAlias(reg.store, { project: "shop", alias: "production", ref: unsigned });
    await pm.refresh();
    expect(await greeting(pm)).toMatchObject({ text: "Hello A", prompt: { version: "v0.1.0", stale: true } });
    await expect(pm.getPrompt("greet", { versionOrAlias: unsigned })).rejects.toMatchObject(REFUSED);
    expect(pm.cacheStats().signatureRefusals).toBe(4);

    const fresh = manager(reg);
    await expect(fresh.getPrompt("greet")).rejects.toMatchObject(REFUSED);
    expect(fresh.cacheStats().signatureRefusals).toBe(1);
  });

  it("content rewritten in place (hashes and manifest recomputed) is refused; the disk cache and the old version keep serving", async () => {
    const reg = await signedFolderRegistry();
    const cacheDir = await tempDir();
    const pm = manager(reg, { cacheDir });
    expect((await greeting(pm)).text).toBe("Hello A");

    await rewriteInPlace(reg.root, "shop", "v0.1.0", "Pwned {{ name }}\n");
    const fresh = manager(reg);
    await expect(fresh.getPrompt("greet")).rejects.toMatchObject(REFUSED);
    expect(fresh.cacheStats().signatureRefusals).toBeGreaterThan(0);
    expect(await greeting(manager(reg, { cacheDir }))).toMatchObject({ text: "Hello A", prompt: { source: "disk" } });

    // The same manager, on a new version rewritten before it could load it.
    const next = await reg.publish("Hi {{ name }}\n");
    await rewriteInPlace(reg.root, "shop", next, "Pwned {{ name }}\n");
    await pm.refresh();
    expect(await greeting(pm)).toMatchObject({ text: "Hello A", prompt: { version: "v0.1.0", stale: true } });
    expect(pm.cacheStats().signatureRefusals).toBe(1);
  });

  it("a replayed older pointer is refused by the same manager and by a new one sharing its cacheDir, even without its pointer entry", async () => {
    const reg = await signedFolderRegistry();
    const cacheDir = await tempDir();
    const options = { cacheDir, cacheStrategy: { fileTtl: 0 } };
    const pm = manager(reg, options);
    expect((await greeting(pm)).text).toBe("Hello A");
    const revisionOne = await readRegistryFile(reg.root, ALIAS);
    await reg.publish("Hi {{ name }}\n");
    await pm.refresh();
    expect((await greeting(pm)).text).toBe("Hi A");

    await writeRegistryFile(reg.root, ALIAS, revisionOne);
    await pm.refresh();
    expect(await greeting(pm)).toMatchObject({ text: "Hi A", prompt: { version: "v0.1.1", stale: true } });
    expect(pm.cacheStats().signatureRefusals).toBe(1);

    const restarted = manager(reg, options);
    expect(await greeting(restarted)).toMatchObject({ text: "Hi A", prompt: { version: "v0.1.1", stale: true } });
    expect(restarted.cacheStats().signatureRefusals).toBe(1);

    await rm(join(await cacheRootOf(cacheDir), "_pointers"), { recursive: true });
    const withoutPointer = manager(reg, options);
    await expect(withoutPointer.getPrompt("greet")).rejects.toMatchObject(REFUSED);
  });

  it("an unsigned registry is refused (latest and versions too); local files are the app's own and served unverified", async () => {
    const root = await tempDir();
    const store = new FolderStore(root);
    await pushRelease(store, { project: "shop", prompts: compileGreeting("Hello {{ name }}\n") });
    await setAlias(store, { project: "shop", alias: "production", ref: "v0.1.0" });
    const app = await tempDir();
    await writeFiles(app, { "prompts/greet.txt": "Local {{ name }}\n" });
    const trustedKeys = [generateSigningKeys().publicKeyPem];
    const pm = new PromptManager({ registry: root, project: "shop", trustedKeys, cwd: app });
    for (const versionOrAlias of ["production", "latest", "v0.1.0"]) {
      await expect(pm.getPrompt("greet", { versionOrAlias })).rejects.toMatchObject(REFUSED);
    }
    expect(pm.cacheStats().signatureRefusals).toBe(3);
    expect((await pm.getPrompt("greet", { fallbackToLocal: true })).format({ name: "A" })).toBe("Local A");
    expect((await new PromptManager({ registry: root, project: "shop" }).getPrompt("greet")).format({ name: "A" })).toBe("Hello A");
  });

  it("a pointer signed by an unknown key is refused, even for a version the team signed", async () => {
    const reg = await signedFolderRegistry();
    const pm = manager(reg);
    const next = await reg.publish("Hi {{ name }}\n", "staging");
    expect((await greeting(pm)).text).toBe("Hello A");
    await setAlias(reg.store, { project: "shop", alias: "production", ref: next, signing: stranger() });
    await pm.refresh();
    expect(await greeting(pm)).toMatchObject({ text: "Hello A", prompt: { stale: true } });
    await expect(manager(reg).getPrompt("greet")).rejects.toMatchObject(REFUSED);
  });

  it("an expired pointer is refused, also when the registry still answers 304; re-signing serves it again", async () => {
    const reg = await signedFolderRegistry();
    let now = Date.now();
    const signing = { ...reg.signing, pointerTtlMs: 60_000 };
    await setAlias(reg.store, { project: "shop", alias: "production", ref: "v0.1.0", signing, now: new Date(now) });
    const pm = manager(reg, { now: () => now });
    expect((await greeting(pm)).prompt.stale).toBe(false);

    now += 61_000;
    await pm.refresh();
    expect(await greeting(pm)).toMatchObject({ text: "Hello A", prompt: { stale: true } });
    expect(pm.cacheStats().signatureRefusals).toBe(1);
    await expect(manager(reg, { now: () => now }).getPrompt("greet")).rejects.toMatchObject({
      cause: { code: "SIGNATURE_INVALID", message: expect.stringContaining("expired") },
    });

    await refreshSignatures(reg.store, "shop", signing, new Date(now));
    await pm.refresh();
    expect((await greeting(pm)).prompt.stale).toBe(false);
  });

  it("a manifest, its signature and content copied from another project of the same team are refused", async () => {
    const reg = await signedFolderRegistry();
    const other = await pushRelease(reg.store, { project: "blog", prompts: compileGreeting("Blog {{ name }}\n"), signing: reg.signing });
    expect(other.version).toBe("v0.1.0");
    for (const key of [layout.release("blog", "v0.1.0"), layout.releaseSignature("blog", "v0.1.0", reg.key.keyId), layout.promptDefault("blog", "greet", "v0.1.0")]) {
      await writeRegistryFile(reg.root, key.replace("prompts/blog/", "prompts/shop/"), await readRegistryFile(reg.root, key));
    }
    const pm = manager(reg);
    await expect(pm.getPrompt("greet")).rejects.toMatchObject({
      cause: { code: "SIGNATURE_INVALID", message: expect.stringContaining("not shop v0.1.0") },
    });
  });

  it("a tampered disk cache file is discarded and fetched again; a tampered pointer entry cannot raise the revision", async () => {
    const reg = await signedFolderRegistry();
    const cacheDir = await tempDir();
    expect((await greeting(manager(reg, { cacheDir }))).text).toBe("Hello A");
    const cacheRoot = await cacheRootOf(cacheDir);
    await rewriteInPlace(cacheRoot, "shop", "v0.1.0", "Pwned {{ name }}\n");
    const entryPath = join(cacheRoot, "_pointers", ALIAS);
    const entry = JSON.parse(await readFile(entryPath, "utf8")) as { body: string };
    entry.body = entry.body.replace(/"revision":\s*1/, '"revision": 7');
    await writeFile(entryPath, JSON.stringify(entry));

    const restarted = manager(reg, { cacheDir });
    expect(await greeting(restarted)).toMatchObject({ text: "Hello A", prompt: { source: "network", stale: false } });
    // The pointer entry, the manifest and the content.
    expect(restarted.cacheStats().signatureRefusals).toBe(3);
    expect(await greeting(manager(reg, { cacheDir }))).toMatchObject({ text: "Hello A", prompt: { source: "disk" } });
  });

  it("a bare 404 of the alias is refused and the alias kept, stale; a signed tombstone deletes it; an unsigned one is refused", async () => {
    const reg = await signedFolderRegistry();
    const pm = manager(reg);
    expect((await greeting(pm)).text).toBe("Hello A");
    const pointer = await readRegistryFile(reg.root, ALIAS);
    await rm(join(reg.root, ALIAS));
    await pm.refresh();
    expect(await greeting(pm)).toMatchObject({ text: "Hello A", prompt: { stale: true } });
    expect(pm.cacheStats().signatureRefusals).toBe(1);
    await expect(manager(reg).getPrompt("greet")).rejects.toMatchObject(REFUSED);

    await writeRegistryFile(reg.root, ALIAS, pointer);
    await deleteAlias(reg.store, { project: "shop", alias: "production" });
    await pm.refresh();
    expect(await greeting(pm)).toMatchObject({ text: "Hello A", prompt: { stale: true } });

    await writeRegistryFile(reg.root, ALIAS, pointer);
    await deleteAlias(reg.store, { project: "shop", alias: "production", signing: reg.signing });
    await pm.refresh().catch(() => undefined);
    await expect(pm.getPrompt("greet")).rejects.toMatchObject({ code: "ALIAS_NOT_FOUND" });
    await expect(manager(reg).getPrompt("greet")).rejects.toMatchObject({ code: "ALIAS_NOT_FOUND" });
  });

  it("rotation: signed by A then B, both trusted, serves; A revoked refuses an A-only pointer and serves B's", async () => {
    const reg = await signedFolderRegistry();
    const signedByA = await readRegistryFile(reg.root, ALIAS);
    const b = generateSigningKeys();
    const signingB = { signer: signerFromPem(b.privateKeyPem) };
    await signAllReleases(reg.store, "shop", signingB.signer, new Date());
    await refreshSignatures(reg.store, "shop", signingB, new Date());
    const trustedKeys = [reg.key.publicKeyPem, b.publicKeyPem];
    expect((await greeting(manager(reg, { trustedKeys }))).text).toBe("Hello A");
    const next = await reg.publish("Hi {{ name }}\n", "production", signingB);

    const retired = manager(reg, { trustedKeys, revokedKeys: [reg.key.keyId] });
    expect(await greeting(retired)).toMatchObject({ text: "Hi A", prompt: { version: next, stale: false } });
    expect((await greeting(retired, "v0.1.0")).text).toBe("Hello A");

    await writeRegistryFile(reg.root, ALIAS, signedByA);
    await retired.refresh();
    expect(await greeting(retired)).toMatchObject({ text: "Hi A", prompt: { stale: true } });
    expect(retired.cacheStats().signatureRefusals).toBe(1);
    await expect(manager(reg, { trustedKeys, revokedKeys: [reg.key.publicKeyPem] }).getPrompt("greet")).rejects.toMatchObject({
      cause: { message: expect.stringContaining("revoked") },
    });
  });

  it("a snapshot is verified like the registry: served when the registry is down, refused when tampered", async () => {
    const reg = await signedFolderRegistry();
    const snapshotDir = await tempDir();
    await cp(reg.root, snapshotDir, { recursive: true });
    const offline = { registry: "http://127.0.0.1:9", retries: 0, snapshotDir };
    expect(await greeting(manager(reg, offline))).toMatchObject({ text: "Hello A", prompt: { source: "snapshot", stale: true } });

    await rewriteInPlace(snapshotDir, "shop", "v0.1.0", "Pwned {{ name }}\n");
    const tampered = manager(reg, offline);
    await expect(tampered.getPrompt("greet")).rejects.toMatchObject({ code: "PROMPT_UNAVAILABLE" });
    expect(tampered.cacheStats().signatureRefusals).toBeGreaterThan(0);
  });

  it("over HTTP: a cold get reads the pointer, then the manifest, its signature and the content side by side; a forgery is refused", async () => {
    const reg = await signedFolderRegistry();
    const origin = await countingOrigin(reg.root);
    try {
      const pm = manager(reg, { registry: origin.url });
      expect((await greeting(pm)).text).toBe("Hello A");
      expect(origin.requests.map((r) => `${r.status} ${r.path}`).sort()).toEqual([
        "200 /prompts/shop/_releases/v0.1.0.json",
        `200 /prompts/shop/_signatures/v0.1.0/${reg.key.keyId}.json`,
        "200 /prompts/shop/aliases/production.json",
        "200 /prompts/shop/greet/v0.1.0/default.yaml",
      ]);
      await reg.publish("Pwned {{ name }}\n", "production", stranger());
      await pm.refresh();
      expect(await greeting(pm)).toMatchObject({ text: "Hello A", prompt: { stale: true } });
      expect(pm.cacheStats().signatureRefusals).toBe(1);
    } finally {
      await origin.stop();
    }
  });

  it("heartbeats carry the refusals when verifying, and nothing new when not", async () => {
    const reg = await signedFolderRegistry();
    await reg.publish("Pwned {{ name }}\n", "staging", stranger());
    const batches: TelemetryEvent[][] = [];
    const telemetry = { sink: async (batch: TelemetryEvent[]) => void batches.push(batch), flushInterval: 0 };
    const verifying = manager(reg, { telemetry });
    await greeting(verifying);
    await expect(verifying.getPrompt("greet", { versionOrAlias: "staging" })).rejects.toMatchObject(REFUSED);
    await verifying.close();
    const plain = manager(reg, { telemetry, trustedKeys: undefined });
    await greeting(plain);
    await plain.close();
    const [withKeys, without] = batches.flat().filter((e): e is HeartbeatEvent => e.type === "heartbeat");
    expect(withKeys).toMatchObject({ signatureRefusals: 1 });
    expect(validateTelemetryEvent(withKeys).ok).toBe(true);
    expect(without).not.toHaveProperty("signatureRefusals");
  });
});

describe("SDK: trusted key options", () => {
  it("PROMPTSYNC_TRUSTED_KEYS takes PEMs one after another or file paths; PROMPTSYNC_REVOKED_KEYS key IDs", async () => {
    const reg = await signedFolderRegistry();
    const other = generateSigningKeys();
    const files = await tempDir();
    await writeFiles(files, { "team.pub": reg.key.publicKeyPem, "other.pub": other.publicKeyPem });
    const options = { registry: reg.root, project: "shop" };
    vi.stubEnv("PROMPTSYNC_TRUSTED_KEYS", `${other.publicKeyPem}${reg.key.publicKeyPem}`);
    expect((await new PromptManager(options).getPrompt("greet")).format({ name: "A" })).toBe("Hello A");
    vi.stubEnv("PROMPTSYNC_TRUSTED_KEYS", `${join(files, "other.pub")},\n${join(files, "team.pub")}\n`);
    expect((await new PromptManager(options).getPrompt("greet")).format({ name: "A" })).toBe("Hello A");
    vi.stubEnv("PROMPTSYNC_REVOKED_KEYS", reg.key.keyId);
    await expect(new PromptManager(options).getPrompt("greet")).rejects.toMatchObject(REFUSED);
  });

  it("a key that cannot be used is a ConfigError naming the option", async () => {
    const reg = await signedFolderRegistry();
    const cases: [PromptManagerOptions, string][] = [
      [{ trustedKeys: ["missing.pub"] }, "trustedKeys[0]"],
      [{ trustedKeys: [reg.key.publicKeyPem, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"] }, "trustedKeys[1]"],
      [{ trustedKeys: [] }, "trustedKeys"],
      [{ trustedKeys: [reg.key.publicKeyPem], revokedKeys: [reg.key.keyId] }, "revokedKeys"],
      [{ trustedKeys: [reg.key.publicKeyPem], revokedKeys: ["not-a-key"] }, "revokedKeys[0]"],
    ];
    for (const [options, option] of cases) {
      expect(() => new PromptManager({ registry: reg.root, project: "shop", ...options })).toThrow(
        expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringContaining(`\`${option}`) }),
      );
    }
  });
});
