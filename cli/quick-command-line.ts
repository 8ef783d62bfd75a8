// The command line of an ordinary invocation read without commander, whose loading costs about a fifth of a short
// command's run (issue 15). The command registers itself on a recorder with the same calls it makes on commander
// (define-command.ts); the recorder reads the arguments exactly as commander does for what it accepts: long options
// with a value (`--version v1`, `--version=v1`), boolean long options, and positional arguments. Anything else —
// help, an unknown or missing option, a wrong number of arguments, `--` — is left to commander, which prints its
// usage error or help, so every message and exit code stays commander's.
import type { Command } from "commander";
import type { Register } from "./define-command.ts";

type ParseArg = (value: string, previous: unknown) => unknown;
type Action = (...params: unknown[]) => unknown;

interface RecordedOption {
  long: string;
  key: string;
  takesValue: boolean;
  mandatory: boolean;
  parseArg: ParseArg | undefined;
  defaultValue: unknown;
}

interface RecordedArgument {
  required: boolean;
  variadic: boolean;
}

/** An invocation read without commander: what the action is called with (the positional arguments, then the options), and the call. */
export interface QuickInvocation {
  params: readonly unknown[];
  run(): Promise<unknown>;
}

const LONG_OPTION = /^--([a-z][a-z0-9-]*)(?: <[^>]+>)?$/;

/** The subset of commander's Command that define-command.ts and the option groups call. */
class RecordingCommand {
  readonly name: string;
  readonly subcommands: RecordingCommand[] = [];
  readonly options: RecordedOption[] = [];
  readonly arguments: RecordedArgument[] = [];
  action_: Action | undefined;
  /** Set when the command asked for something the recorder does not read: commander handles the invocation. */
  unsupported = false;

  constructor(nameAndArgs: string) {
    const [name = "", ...args] = nameAndArgs.split(/ +/);
    this.name = name;
    for (const arg of args) this.argument(arg);
  }

  command(nameAndArgs: string): RecordingCommand {
    const sub = new RecordingCommand(nameAndArgs);
    this.subcommands.push(sub);
    return sub;
  }

  description(): this {
    return this;
  }

  argument(name: string): this {
    const required = name.startsWith("<");
    this.arguments.push({ required, variadic: name.endsWith("...>") || name.endsWith("...]") });
    return this;
  }

  option(flags: string, _description?: string, parseArg?: ParseArg | unknown, defaultValue?: unknown): this {
    return this.addOption(flags, false, parseArg, defaultValue);
  }

  requiredOption(flags: string, _description?: string, parseArg?: ParseArg | unknown, defaultValue?: unknown): this {
    return this.addOption(flags, true, parseArg, defaultValue);
  }

  action(action: Action): this {
    this.action_ = action;
    return this;
  }

  private addOption(flags: string, mandatory: boolean, parseArg: ParseArg | unknown, defaultValue: unknown): this {
    const match = LONG_OPTION.exec(flags);
    if (!match || match[1]!.startsWith("no-")) {
      this.unsupported = true;
      return this;
    }
    const long = match[1]!;
    this.options.push({
      long,
      key: long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
      takesValue: flags.includes("<"),
      mandatory,
      parseArg: typeof parseArg === "function" ? (parseArg as ParseArg) : undefined,
      defaultValue: typeof parseArg === "function" ? defaultValue : parseArg,
    });
    return this;
  }
}

/**
 * The invocation of `register`'s command that `argv` asks for, read as commander would read it; undefined when
 * commander must read it (see the top of this file). Option parsers run here, as in commander, so their usage
 * errors are thrown from here.
 */
export function quickInvocation(register: Register, argv: readonly string[]): QuickInvocation | undefined {
  const root = new RecordingCommand("promptsync");
  register(root as unknown as Command);
  let command = root;
  let rest = argv;
  while (command.subcommands.length > 0) {
    const sub = command.subcommands.find((c) => c.name === rest[0]);
    if (!sub) return undefined;
    command = sub;
    rest = rest.slice(1);
  }
  if (command.unsupported || !command.action_) return undefined;
  return readArguments(command, rest);
}

function readArguments(command: RecordingCommand, argv: readonly string[]): QuickInvocation | undefined {
  const values: Record<string, unknown> = {};
  for (const option of command.options) if (option.defaultValue !== undefined) values[option.key] = option.defaultValue;
  const seen = new Set<RecordedOption>();
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.length < 2 || !arg.startsWith("-")) {
      operands.push(arg);
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") return undefined;
    const eq = arg.indexOf("=");
    const option = command.options.find((o) => o.long === arg.slice(2, eq < 0 ? undefined : eq));
    if (!option || (eq >= 0 && !option.takesValue)) return undefined;
    let value: string | undefined;
    if (option.takesValue) {
      value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return undefined;
    }
    seen.add(option);
    values[option.key] = value === undefined ? true : option.parseArg ? option.parseArg(value, values[option.key]) : value;
  }
  if (command.options.some((o) => o.mandatory && !seen.has(o) && values[o.key] === undefined)) return undefined;
  const args = positional(command.arguments, operands);
  if (!args) return undefined;
  const action = command.action_!;
  const params = [...args, values];
  return { params, run: async () => action(...params, command) };
}

/** The values commander passes for the declared arguments, or undefined for a count it would refuse. */
function positional(declared: readonly RecordedArgument[], operands: readonly string[]): unknown[] | undefined {
  const variadic = declared.at(-1)?.variadic === true;
  if (!variadic && operands.length > declared.length) return undefined;
  const values: unknown[] = [];
  for (const [index, arg] of declared.entries()) {
    if (arg.variadic) {
      if (arg.required && operands.length <= index) return undefined;
      values.push(operands.slice(index));
    } else {
      if (arg.required && operands[index] === undefined) return undefined;
      values.push(operands[index]);
    }
  }
  return values;
}
