#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { packageVersion } from "../src/package-info.ts";
import { commandsFor } from "./commands/index.ts";
import { EXIT_OK, EXIT_USAGE, reportError } from "./output.ts";
import { terminalSafe } from "./terminal-safe.ts";

async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command("promptsync")
    .description("Compile prompts from git into immutable versioned bundles; alias, diff and serve them")
    .version(packageVersion(), "-V, --version")
    .enablePositionalOptions()
    .showHelpAfterError()
    // Usage errors quote the arguments, which scripts may fill from data.
    .configureOutput({ outputError: (text, write) => write(terminalSafe(text)) })
    .exitOverride();
  for (const register of await commandsFor(argv)) register(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: "user" });
    // A command may report a finding with its exit code (diff --exit-code, validate).
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return reportError(error, argv.includes("--json"));
  }
}

process.exitCode = await main(process.argv.slice(2));
