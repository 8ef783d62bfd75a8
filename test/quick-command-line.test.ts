// The command line read without commander (cli/quick-command-line.ts) must mean what commander makes of it: for
// every line it accepts, the action gets the same arguments and options as through commander; every line commander
// refuses or answers with help, it leaves to commander.
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../cli/commands/index.ts";
import { quickInvocation } from "../cli/quick-command-line.ts";

/** commander's Command, with every action replaced by one that records what it is called with. */
class RecordingProgram extends Command {
  calls: unknown[][] = [];
  override createCommand(name?: string): Command {
    const command = new RecordingProgram(name);
    command.calls = this.calls;
    return command;
  }
  override action(): this {
    return super.action((...params: unknown[]) => {
      this.calls.push(params.slice(0, -1));
    });
  }
}

async function throughCommander(argv: readonly string[]): Promise<unknown[] | "refused"> {
  const program = new RecordingProgram("promptsync").enablePositionalOptions().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  (await COMMANDS[argv[0]!]!())(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return "refused";
    throw error;
  }
  return program.calls[0]!;
}

const ACCEPTED = [
  ["list"],
  ["list", "--json"],
  ["list", "--registry", "/tmp/r", "--project", "p"],
  ["list", "--registry=/tmp/r", "--json"],
  ["alias", "list", "--json"],
  ["alias", "set", "production", "v1.0.0"],
  ["alias", "set", "production", "--version", "latest", "--confirm", "--json"],
  ["alias", "set", "--version=v1.2.3", "production", "--create"],
  ["alias", "set", "production", "--version", "-v1"],
  ["alias", "delete", "staging", "--force"],
  ["alias", "history", "production", "--json"],
  ["version", "get", "production", "--project", "p"],
  ["render", "support/refund", "--var", "name=Ann", "--var", "plan=pro", "--tags", "locale=fr"],
  ["render", "support/refund", "--var-json", 'items=["a"]', "--version", "v0.1.0"],
  ["show", "hello", "--trusted-key", "a.pem", "--trusted-key", "b.pem"],
  ["diff", "v0.1.0", "v0.2.0", "--json"],
  ["diff"],
  ["push", "--alias", "staging", "--json"],
  ["canary", "set", "--alias", "production", "--version", "v2.0.0", "--percentage", "10", "--confirm"],
  ["validate", "--json"],
  ["status"],
];

const LEFT_TO_COMMANDER = [
  ["list", "--help"],
  ["list", "-h"],
  ["list", "--no-such-option"],
  ["list", "extra"],
  ["list", "--registry"],
  ["list", "--json=yes"],
  ["list", "--", "x"],
  ["alias"],
  ["alias", "sett", "production"],
  ["alias", "--json", "list"],
  ["alias", "set"],
  ["alias", "history"],
  ["canary", "set", "--alias", "production", "--version", "v2.0.0"],
  ["render"],
  ["show", "a", "b"],
];

describe("the command line read without commander", () => {
  it.each(ACCEPTED)("%s … reaches the action with what commander gives it", async (...argv) => {
    const quick = quickInvocation(await COMMANDS[argv[0]!]!(), argv);
    expect(quick).toBeDefined();
    expect(quick!.params).toEqual(await throughCommander(argv));
  });

  it.each(LEFT_TO_COMMANDER)("%s … is left to commander, which refuses it or prints help", async (...argv) => {
    expect(quickInvocation(await COMMANDS[argv[0]!]!(), argv)).toBeUndefined();
    expect(await throughCommander(argv)).toBe("refused");
  });

  it("runs an option's parser as commander does, so its usage error is the same", async () => {
    const argv = ["render", "hello", "--var", "no-equals-sign"];
    const register = await COMMANDS.render!();
    expect(() => quickInvocation(register, argv)).toThrow(/--var: "no-equals-sign" is not name=value/);
    await expect(throughCommander(argv)).rejects.toThrow(/--var: "no-equals-sign" is not name=value/);
  });
});
