import type { Command } from "commander";
import { REGISTRY_ENV } from "./context.ts";

/** Options that every command takes, after the command name: `promptsync push --json`. */
export function withGlobalOptions(command: Command): Command {
  return command
    .option("--registry <url>", `registry: a folder, file://…, or http(s)://… (env ${REGISTRY_ENV})`)
    .option("--project <id>", "project ID (default: config, git remote, git folder, package.json, pyproject.toml)")
    .option("--json", "machine-readable output");
}
