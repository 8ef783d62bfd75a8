#!/usr/bin/env node
// First the Node.js version check (cli/node-version.ts), the only static import: an older Node.js would fail to
// load the modules below before the check ran. Then cli/start-up.ts: the compile cache, then `version get` without
// a config file is answered, and the process ends, before anything below is loaded. The rest is imported only now,
// so that it is compiled with the cache on; commander only for help, usage errors and unusual command lines.
import "./node-version.ts";
await import("./start-up.ts");
import type { Command as Program } from "commander";
const { commandsFor, quickInvocationOf } = await import("./commands/index.ts");
const { EXIT_OK, EXIT_USAGE, reportError } = await import("./output.ts");

async function buildProgram(argv: readonly string[]): Promise<Program> {
  const { Command } = await import("commander");
  const { packageVersion } = await import("../src/package-info.ts");
  const { terminalSafe } = await import("./terminal-safe.ts");
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
  let commander = false;
  try {
    // An ordinary command line is read without loading commander (cli/quick-command-line.ts).
    const quick = await quickInvocationOf(argv);
    if (quick) await quick.run();
    else {
      commander = true;
      await (await buildProgram(argv)).parseAsync(argv, { from: "user" });
    }
    // A command may report a finding with its exit code (diff --exit-code, validate).
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (commander) {
      const { CommanderError } = await import("commander");
      if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(error, argv.includes("--json"));
  }
}

process.exitCode = await main(process.argv.slice(2));
