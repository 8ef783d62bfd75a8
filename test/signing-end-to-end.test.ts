import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PromptManager } from "../sdk/index.ts";
import { cliJson } from "./helpers/cli.ts";
import { writeFiles } from "./helpers/fs.ts";
import { gitRepo } from "./helpers/git.ts";

/** What a team does: CI signs with the CLI, the app verifies with the SDK. */

async function keyPair(dir: string, out: string): Promise<{ keyId: string; key: string; pub: string }> {
  const written = await cliJson<{ keyId: string; privateKeyFile: string; publicKeyFile: string }>(dir, ["keys", "generate", "--out", out]);
  return { keyId: written.keyId, key: written.privateKeyFile, pub: await readFile(written.publicKeyFile, "utf8") };
}

function manager(dir: string, trustedKeys: string[], revokedKeys?: string[]): PromptManager {
  return new PromptManager({
    registry: join(dir, ".promptsync/registry"),
    project: "shop",
    trustedKeys,
    ...(revokedKeys && { revokedKeys }),
    cacheStrategy: { refreshStrategy: "none" },
  });
}

describe("signed by the CLI, verified by the SDK", () => {
  it("push, alias set, canary set/promote/abort signed with the CLI are served by an SDK that trusts the key", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "one {{ name }}\n" });
    const a = await keyPair(dir, "keys");
    const sign = ["--signing-key", a.key];
    await cliJson(dir, ["push", "--alias", "production", ...sign]);
    await writeFiles(dir, { "prompts/greet.txt": "two {{ name }}\n" });
    await cliJson(dir, ["push", ...sign]);
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "100", ...sign]);
    expect((await manager(dir, [a.pub]).getPrompt("greet", { versionOrAlias: "production" })).format({ name: "Ada" })).toBe("two Ada");
    await cliJson(dir, ["canary", "abort", "--alias", "production", ...sign]);
    expect((await manager(dir, [a.pub]).getPrompt("greet", { versionOrAlias: "production" })).format({ name: "Ada" })).toBe("one Ada");
    await cliJson(dir, ["canary", "set", "--alias", "production", "--version", "v0.1.1", "--percentage", "10", ...sign]);
    await cliJson(dir, ["canary", "promote", "--alias", "production", ...sign]);
    await cliJson(dir, ["alias", "set", "stable", "v0.1.0", ...sign]);
    const pm = manager(dir, [a.pub]);
    expect((await pm.getPrompt("greet", { versionOrAlias: "production" })).format({ name: "Ada" })).toBe("two Ada");
    expect((await pm.getPrompt("greet", { versionOrAlias: "stable" })).format({ name: "Ada" })).toBe("one Ada");
    expect((await pm.getPrompt("greet", { versionOrAlias: "latest" })).format({ name: "Ada" })).toBe("two Ada");
    expect(pm.cacheStats()).toMatchObject({ signatureRefusals: 0 });

    // The same registry pushed without the key is refused: nothing unsigned is served.
    await writeFiles(dir, { "prompts/greet.txt": "three {{ name }}\n" });
    await cliJson(dir, ["push", "--alias", "canary"]);
    const unsigned = await manager(dir, [a.pub])
      .getPrompt("greet", { versionOrAlias: "canary" })
      .catch((e: unknown) => e);
    expect(unsigned).toMatchObject({ code: "PROMPT_UNAVAILABLE", cause: { code: "SIGNATURE_INVALID" } });
  });

  it("rotation: A signs, B takes over, A is revoked; the SDK refuses A's pointers and serves B's", async () => {
    const dir = await gitRepo({ "promptsync.config.yaml": "project: shop\n", "prompts/greet.txt": "one {{ name }}\n" });
    const a = await keyPair(dir, "keys/a");
    const b = await keyPair(dir, "keys/b");
    await cliJson(dir, ["push", "--alias", "production", "--signing-key", a.key]);
    await cliJson(dir, ["alias", "set", "stable", "v0.1.0", "--signing-key", a.key]);
    expect((await manager(dir, [a.pub, b.pub]).getPrompt("greet", { versionOrAlias: "production" })).format({ name: "Ada" })).toBe("one Ada");

    await cliJson(dir, ["keys", "sign-releases", "--signing-key", b.key]);
    await cliJson(dir, ["alias", "refresh-signatures", "--signing-key", b.key]);
    // A CI job still on the old key moves one alias after the rotation.
    await cliJson(dir, ["alias", "set", "stable", "v0.1.0", "--signing-key", a.key]);

    const pm = manager(dir, [a.pub, b.pub], [a.keyId]);
    expect((await pm.getPrompt("greet", { versionOrAlias: "production" })).format({ name: "Ada" })).toBe("one Ada");
    const refused = await pm.getPrompt("greet", { versionOrAlias: "stable" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "PROMPT_UNAVAILABLE", cause: { code: "SIGNATURE_INVALID" } });
    expect(pm.cacheStats().signatureRefusals).toBeGreaterThan(0);
  });
});
