#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerAlias } from "./commands/alias.ts";
import { registerAnalytics } from "./commands/analytics.ts";
import { registerCanary } from "./commands/canary.ts";
import { registerDiff } from "./commands/diff.ts";
import { registerInit } from "./commands/init.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerList } from "./commands/list.ts";
import { registerPull } from "./commands/pull.ts";
import { registerPush } from "./commands/push.ts";
import { registerRender } from "./commands/render.ts";
import { registerServe } from "./commands/serve.ts";
import { registerShow } from "./commands/show.ts";
import { registerSite } from "./commands/site.ts";
import { registerStatus } from "./commands/status.ts";
import { registerValidate } from "./commands/validate.ts";
import { registerVerify } from "./commands/verify.ts";
import { registerVersion } from "./commands/version.ts";
import { packageVersion } from "../src/package-info.ts";
import { EXIT_OK, EXIT_USAGE, reportError } from "./output.ts";
import { terminalSafe } from "./terminal-safe.ts";


function buildProgram(): Command {
  const program = new Command("promptsync")
    .description("Compile prompts from git into immutable versioned bundles; alias, diff and serve them")
    .version(packageVersion(), "-V, --version")
    .enablePositionalOptions()
    .showHelpAfterError()
    // Usage errors quote the arguments, which scripts may fill from data.
    .configureOutput({ outputError: (text, write) => write(terminalSafe(text)) })
    .exitOverride();
  registerInit(program);
  registerPush(program);
  registerAlias(program);
  registerCanary(program);
  registerVersion(program);
  registerList(program);
  registerShow(program);
  registerRender(program);
  registerDiff(program);
  registerValidate(program);
  registerSite(program);
  registerServe(program);
  registerPull(program);
  registerAnalytics(program);
  registerStatus(program);
  registerKeys(program);
  registerVerify(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    // A command may report a finding with its exit code (diff --exit-code, validate).
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return reportError(error, argv.includes("--json"));
  }
}

process.exitCode = await main(process.argv.slice(2));
