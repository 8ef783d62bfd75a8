import type { Command } from "commander";
import { resolveContext, type CliContext, type GlobalOptions } from "./context.ts";
import { print, printJson } from "./output.ts";
import { writeStdout } from "./stdout.ts";

/** Adds options to a command: its own, or a group several commands share (cli/options/). */
export type OptionGroup = (command: Command) => Command;

/** Adds a command (and its subcommands) to a program or to a command group. */
export type Register = (parent: Command) => Command;

/** Output a formatter has made terminal-safe itself, keeping its own colour codes: written as it is. */
export class Preformatted {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** What a command prints for people: a string or lines, made terminal-safe, or preformatted output. */
type TextOutput = string | readonly string[] | Preformatted;

interface CommandSpec<Options, Args extends unknown[], Parsed, Result> {
  /** The name and the arguments as commander reads them: "set <alias> [version]". */
  command: string;
  description: string;
  /** Positional arguments that help describes, as [name, description]. */
  arguments?: readonly (readonly [string, string])[];
  /** The command's own options, then the shared groups: help lists them in this order. */
  options: readonly OptionGroup[];
  /** Checks and converts the command line before any file is read, so its usage errors come first. */
  parse?: (options: Options, ...args: Args) => Parsed;
  /** What --json prints; the result itself when not given. */
  json?: (result: Result) => unknown;
  text: (result: Result, options: Parsed) => TextOutput;
  /** For a finding the command reports with its exit code (validate, verify, status, diff --exit-code). */
  exitCode?: (result: Result, options: Parsed) => number;
}

/**
 * A command that reads the config or the registry: the context is resolved once, from its options, then `run`
 * computes a result that --json prints as JSON and `text` prints for people. What `run` throws, reportError
 * prints, and its code decides the exit code (USAGE 2, any other 1).
 */
export function defineCommand<Options extends GlobalOptions, Args extends unknown[], Parsed = Options, Result = unknown>(
  spec: CommandSpec<Options, Args, Parsed, Result> & { run: (ctx: CliContext, options: Parsed, ...args: Args) => Promise<Result> },
): Register {
  return register(spec, async (options, parsed, args) => spec.run(await resolveContext(options), parsed, ...args));
}

/** A command that reads neither the config nor the registry (keys generate, keys id): no context to resolve. */
export function defineCommandWithoutContext<Options extends { json?: boolean }, Args extends unknown[], Parsed = Options, Result = unknown>(
  spec: CommandSpec<Options, Args, Parsed, Result> & { run: (options: Parsed, ...args: Args) => Promise<Result> },
): Register {
  return register(spec, (_options, parsed, args) => spec.run(parsed, ...args));
}

/** A command that only groups subcommands (alias set, alias list, …). */
export function defineGroup(spec: { command: string; description: string; subcommands: readonly Register[] }): Register {
  return (parent) => {
    const group = parent.command(spec.command).description(spec.description);
    for (const subcommand of spec.subcommands) subcommand(group);
    return group;
  };
}

function register<Options extends { json?: boolean }, Args extends unknown[], Parsed, Result>(
  spec: CommandSpec<Options, Args, Parsed, Result>,
  run: (options: Options, parsed: Parsed, args: Args) => Promise<Result>,
): Register {
  return (parent) => {
    let command = parent.command(spec.command).description(spec.description);
    for (const [name, description] of spec.arguments ?? []) command = command.argument(name, description);
    for (const group of spec.options) command = group(command);
    return command.action(async (...params: unknown[]) => {
      // Commander passes the positional arguments, then the options, then the command itself.
      const args = params.slice(0, -2) as Args;
      const options = params.at(-2) as Options;
      const parsed = spec.parse ? spec.parse(options, ...args) : (options as unknown as Parsed);
      const result = await run(options, parsed, args);
      if (options.json === true) printJson(spec.json ? spec.json(result) : result);
      else printText(spec.text(result, parsed));
      if (spec.exitCode) process.exitCode = spec.exitCode(result, parsed);
    });
  };
}

function printText(output: TextOutput): void {
  if (output instanceof Preformatted) writeStdout(output.text);
  else if (typeof output === "string") print(output);
  else for (const line of output) print(line);
}
