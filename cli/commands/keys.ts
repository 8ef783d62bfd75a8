import { resolve } from "node:path";
import type { Command } from "commander";
import { signAllReleases } from "../../src/registry/signing.ts";
import { keyIdOfFile, writeKeyPair } from "../../src/signing/key-files.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withWriteOptions } from "../global-options.ts";
import { print, printJson } from "../output.ts";
import { SIGNING_KEY_ENV } from "../signing-settings.ts";

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("Ed25519 keys that sign releases and aliases, and the apps that trust them");

  keys
    .command("generate")
    .description("Write a new key pair: promptsync.key (private, mode 0600: a CI secret) and promptsync.pub (for apps)")
    .requiredOption("--out <dir>", "the folder to write them to (never overwritten)")
    .option("--json", "machine-readable output")
    .action(async (options: { out: string; json?: boolean }) => {
      const written = await writeKeyPair(resolve(process.cwd(), options.out));
      if (options.json) return printJson(written);
      print(`Key ID ${written.keyId}\nprivate key: ${written.privateKeyFile} (keep it secret: a CI secret, ${SIGNING_KEY_ENV})\npublic key:  ${written.publicKeyFile} (give it to apps: trustedKeys)`);
    });

  keys
    .command("id <file>")
    .description("Print the key ID of a private or public key file (for signing.revokedKeys)")
    .option("--json", "machine-readable output")
    .action(async (file: string, options: { json?: boolean }) => {
      const keyId = await keyIdOfFile(resolve(process.cwd(), file));
      if (options.json) return printJson({ keyId });
      print(keyId);
    });

  withWriteOptions(
    keys.command("sign-releases").description("Sign every release of the project with the configured key (a new key taking over; existing signatures stay)"),
  ).action(async (options: GlobalOptions) => {
    const ctx = await resolveContext(options);
    const signing = await ctx.requireSigning();
    const result = await signAllReleases(await ctx.store(), await ctx.project(), signing.signer, new Date());
    if (ctx.json) return printJson({ keyId: signing.signer.keyId, ...result });
    print(`Signed ${result.signed.length} release${result.signed.length === 1 ? "" : "s"} with ${signing.signer.keyId}${result.already.length ? ` (${result.already.length} already signed by it)` : ""}`);
  });
}
