import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrustedKeys } from "../src/signing/keys.ts";
import { buildSite } from "../src/dashboard/build.ts";
import { snapshotRegistry, type SiteData } from "../src/dashboard/snapshot.ts";
import { FolderStore } from "../src/storage/folder.ts";
import type { RegistryReader } from "../src/storage/types.ts";
import { collectErrors, launchChromium, requireChromium, screenshot } from "./helpers/browser.ts";
import { cliJson } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";
import { writeSignedRegistry, type SignedRegistry } from "./helpers/signed-registry.ts";
import { serveFolder, type StaticServer } from "./helpers/static-server.ts";

const SITE_DIR = fileURLToPath(new URL("../site/", import.meta.url));
const signers = (data: SiteData) => ({
  versions: Object.fromEntries(data.versions.map((v) => [v.version, v.signatures])),
  aliases: Object.fromEntries(data.aliases.map((a) => [a.alias, { signatures: a.signatures, expired: a.expiry?.passed }])),
});
const byKeyId = <T extends { keyId: string }>(...signatures: T[]) => signatures.sort((a, b) => (a.keyId < b.keyId ? -1 : 1));

/** The signed registry in this test's temporary folder. */
async function signedStore(): Promise<{ store: FolderStore; keys: SignedRegistry }> {
  const store = new FolderStore(await tempDir());
  return { store, keys: await writeSignedRegistry(store) };
}

describe("the dashboard's signature data", () => {
  it("records the key IDs that signed each version and alias, with no verified claim when built without trusted keys", async () => {
    const { store, keys: { team, stranger } } = await signedStore();
    const data = await snapshotRegistry(store, "shop");
    expect(signers(data)).toEqual({
      // v0.1.0's forged and malformed signature objects count for nothing.
      versions: { "v0.1.0": [], "v0.1.1": byKeyId({ keyId: team.keyId }, { keyId: stranger.keyId }) },
      aliases: {
        dev: { signatures: [], expired: undefined },
        production: { signatures: [{ keyId: team.keyId }], expired: false },
        staging: { signatures: [{ keyId: team.keyId }], expired: true },
      },
    });
    expect(data.aliases.find((a) => a.alias === "production")!.expiry!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(data.trustedKeyIds).toBeUndefined();
  });

  it("marks each signature verified or not against trusted keys: an untrusted key's or an expired pointer's is not", async () => {
    const { store, keys: { team, stranger } } = await signedStore();
    const data = await snapshotRegistry(store, "shop", { trustedKeys: TrustedKeys.fromPems([team.publicKeyPem]) });
    expect(signers(data)).toEqual({
      versions: { "v0.1.0": [], "v0.1.1": byKeyId({ keyId: team.keyId, verified: true }, { keyId: stranger.keyId, verified: false }) },
      aliases: {
        dev: { signatures: [], expired: undefined },
        production: { signatures: [{ keyId: team.keyId, verified: true }], expired: false },
        staging: { signatures: [{ keyId: team.keyId, verified: false }], expired: true },
      },
    });
    expect(data.trustedKeyIds).toEqual([team.keyId]);
  });

  it("over a reader that cannot list (HTTP), finds the signatures of the trusted keys and of the keys that signed pointers", async () => {
    const { store, keys: { team, stranger } } = await signedStore();
    const reader: RegistryReader = { url: store.url, get: (key) => store.get(key) };
    expect(signers(await snapshotRegistry(reader, "shop")).versions["v0.1.1"]).toEqual([{ keyId: team.keyId }]);
    const trusted = await snapshotRegistry(reader, "shop", { trustedKeys: TrustedKeys.fromPems([stranger.publicKeyPem]) });
    expect(signers(trusted).versions["v0.1.1"]).toEqual(byKeyId({ keyId: team.keyId, verified: false }, { keyId: stranger.keyId, verified: true }));
  });
});

describe.runIf(requireChromium())("signatures on the dashboard in a real browser", () => {
  let keys: SignedRegistry;
  let browser: Browser;
  let unchecked: { url: string; close(): Promise<void> };
  let checked: { url: string; close(): Promise<void> };

  /** The site in a folder outside the per-test temporary folders, served on loopback. */
  async function served(build: (out: string) => Promise<unknown>): Promise<{ url: string; close(): Promise<void> }> {
    const out = await mkdtemp(join(tmpdir(), "promptsync-dashboard-"));
    await build(out);
    const site: StaticServer = await serveFolder(out);
    return { url: site.url, close: async () => (await site.close(), await rm(out, { recursive: true, force: true })) };
  }

  beforeAll(async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n" });
    const store = new FolderStore(join(dir, ".promptsync/registry"));
    keys = await writeSignedRegistry(store);
    unchecked = await served((out) => cliJson(dir, ["site", "build", "--out", out]));
    const trustedKeys = TrustedKeys.fromPems([keys.team.publicKeyPem]);
    checked = await served((out) => buildSite({ reader: store, project: "shop", siteDir: SITE_DIR, outDir: out, trustedKeys }));
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await unchecked?.close();
    await checked?.close();
  });

  const short = (keyId: string) => `${keyId.slice(0, 8)}…`;
  const badges = (page: Page, selector: string) => page.locator(`${selector} .badge`).allTextContents().then((texts) => texts.map((t) => t.replace(/\s+/g, " ").trim()));

  it("built without trusted keys, the timeline and the aliases say who signed, unsigned otherwise, and when pointers expire", async () => {
    const { team, stranger } = keys;
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${unchecked.url}/prompts/greet/`);
    const [newest, oldest] = [".timeline tbody tr:nth-child(1)", ".timeline tbody tr:nth-child(2)"];
    expect(await page.textContent(newest)).toContain("v0.1.1");
    expect((await badges(page, newest)).sort()).toEqual([`signed · ${short(team.keyId)}`, `signed · ${short(stranger.keyId)}`].sort());
    expect(await page.getAttribute(`${newest} [data-key-id="${team.keyId}"]`, "title")).toBe(`Key ID ${team.keyId}`);
    expect(await badges(page, oldest)).toEqual(["unsigned"]);
    expect(await page.textContent(".signing-note")).toContain("unchecked");

    await page.goto(`${unchecked.url}/aliases/`);
    expect(await badges(page, "#alias-production")).toEqual([`signed · ${short(team.keyId)}`]);
    expect(await page.textContent("#alias-production .expires")).toMatch(/^expires \d{4}-\d\d-\d\dT/);
    expect(await page.textContent("#alias-staging .expires")).toMatch(/^expired /);
    expect(await badges(page, "#alias-dev")).toEqual(["unsigned"]);
    expect(errors).toEqual([]);
  });

  it("built with trusted keys, each signature says verified or not verified", async () => {
    const { team, stranger } = keys;
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${checked.url}/prompts/greet/`);
    const newest = ".timeline tbody tr:nth-child(1)";
    expect((await badges(page, newest)).sort()).toEqual([`signed · ${short(team.keyId)} · verified`, `signed · ${short(stranger.keyId)} · not verified`].sort());
    // The header says the same of the latest version.
    expect((await badges(page, ".prompt-header .latest-signature")).sort()).toEqual((await badges(page, newest)).sort());
    expect(await page.textContent(".signing-note")).toContain("checked against 1 trusted key");
    await screenshot(page, "dashboard-signatures-prompt");

    await page.goto(`${checked.url}/aliases/`);
    expect(await badges(page, "#alias-production")).toEqual([`signed · ${short(team.keyId)} · verified`]);
    expect(await badges(page, "#alias-staging")).toEqual([`signed · ${short(team.keyId)} · not verified`]);
    expect(await badges(page, "#alias-dev")).toEqual(["unsigned"]);
    await screenshot(page, "dashboard-signatures-aliases");
    expect(errors).toEqual([]);
  });
});
