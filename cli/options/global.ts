import { REGISTRY_ENV, TELEMETRY_ENV } from "../context.ts";
import type { OptionGroup } from "../define-command.ts";
import { collect } from "../parse-options.ts";
import { SIGNING_KEY_ENV } from "../signing-settings.ts";

export const jsonOption: OptionGroup = (command) => command.option("--json", "machine-readable output");

/** Options that every command reading the config or the registry takes, after the command name: `promptsync push --json`. */
export const globalOptions: OptionGroup = (command) =>
  jsonOption(
    command
      .option("--registry <url>", `registry: a folder, file://…, s3://bucket/prefix, or http(s)://… (env ${REGISTRY_ENV})`)
      .option("--endpoint <url>", "S3-compatible endpoint for s3:// registries (env AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL)")
      .option("--region <region>", "region of an s3:// registry (env AWS_REGION)")
      .option("--project <id>", "project ID (default: config, git remote, git folder, package.json, pyproject.toml)"),
  );

/** For commands that write to the registry. */
export const unsafeStoreOption: OptionGroup = (command) =>
  command.option("--allow-unsafe-store", "write to an S3 store even if it ignores conditional writes (risks overwriting versions)");

/** For commands that read or aggregate telemetry. */
export const telemetryOption: OptionGroup = (command) =>
  command.option("--telemetry <url>", `where telemetry is, when not in the registry: a folder or s3://bucket/prefix (env ${TELEMETRY_ENV})`);

/** For commands that publish or move something: they sign it when a key is configured. */
export const signingOption: OptionGroup = (command) =>
  command.option("--signing-key <file>", `sign with this Ed25519 private key (env ${SIGNING_KEY_ENV} holds the PEM itself; config signing.key)`);

/** For commands that read prompts: they read only what a trusted key signed when one is configured. */
export const trustOption: OptionGroup = (command) =>
  command.option("--trusted-key <file>", "read only what this public key signed (repeatable; replaces config signing.trustedKeys)", collect);

/** The global options and both of the above, for commands that write to the registry. */
export const writeOptions: OptionGroup = (command) => signingOption(unsafeStoreOption(globalOptions(command)));
