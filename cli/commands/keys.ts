import { resolve } from "node:path";
import { signAllReleases } from "../../src/registry/signing.ts";
import { keyIdOfFile, writeKeyPair } from "../../src/signing/key-files.ts";
import { defineCommand, defineCommandWithoutContext, defineGroup } from "../define-command.ts";
import { jsonOption, writeOptions } from "../options/global.ts";
import { SIGNING_KEY_ENV } from "../signing-settings.ts";

const generate = defineCommandWithoutContext({
  command: "generate",
  description: "Write a new key pair: promptsync.key (private, mode 0600: a CI secret) and promptsync.pub (for apps)",
  options: [(command) => command.requiredOption("--out <dir>", "the folder to write them to (never overwritten)"), jsonOption],
  run: (options: { out: string; json?: boolean }) => writeKeyPair(resolve(process.cwd(), options.out)),
  text: (written) =>
    `Key ID ${written.keyId}\nprivate key: ${written.privateKeyFile} (keep it secret: a CI secret, ${SIGNING_KEY_ENV})\npublic key:  ${written.publicKeyFile} (give it to apps: trustedKeys)`,
});

const id = defineCommandWithoutContext({
  command: "id <file>",
  description: "Print the key ID of a private or public key file (for signing.revokedKeys)",
  options: [jsonOption],
  run: async (_options: { json?: boolean }, file: string) => ({ keyId: await keyIdOfFile(resolve(process.cwd(), file)) }),
  text: ({ keyId }) => keyId,
});

const signReleases = defineCommand({
  command: "sign-releases",
  description: "Sign every release of the project with the configured key (a new key taking over; existing signatures stay)",
  options: [writeOptions],
  run: async (ctx) => {
    const signing = await ctx.requireSigning();
    return { keyId: signing.signer.keyId, ...(await signAllReleases(await ctx.store(), await ctx.project(), signing.signer, new Date())) };
  },
  text: ({ keyId, signed, already }) =>
    `Signed ${signed.length} release${signed.length === 1 ? "" : "s"} with ${keyId}${already.length ? ` (${already.length} already signed by it)` : ""}`,
});

export const registerKeys = defineGroup({
  command: "keys",
  description: "Ed25519 keys that sign releases and aliases, and the apps that trust them",
  subcommands: [generate, id, signReleases],
});
