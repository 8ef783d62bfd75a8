import type { Register } from "../define-command.ts";
import { quickInvocation, type QuickInvocation } from "../quick-command-line.ts";

/**
 * Every command, loaded only when it runs (as changesets does): `promptsync version get` imports the version
 * command's module and what it needs, not the template engine, the diff engine or the dashboard builder.
 */
export const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  init: async () => (await import("./init.ts")).registerInit,
  push: async () => (await import("./push.ts")).registerPush,
  alias: async () => (await import("./alias.ts")).registerAlias,
  canary: async () => (await import("./canary.ts")).registerCanary,
  version: async () => (await import("./version.ts")).registerVersion,
  list: async () => (await import("./list.ts")).registerList,
  show: async () => (await import("./show.ts")).registerShow,
  render: async () => (await import("./render.ts")).registerRender,
  diff: async () => (await import("./diff.ts")).registerDiff,
  validate: async () => (await import("./validate.ts")).registerValidate,
  site: async () => (await import("./site.ts")).registerSite,
  serve: async () => (await import("./serve.ts")).registerServe,
  pull: async () => (await import("./pull.ts")).registerPull,
  analytics: async () => (await import("./analytics.ts")).registerAnalytics,
  status: async () => (await import("./status.ts")).registerStatus,
  keys: async () => (await import("./keys.ts")).registerKeys,
  verify: async () => (await import("./verify.ts")).registerVerify,
  gc: async () => (await import("./gc.ts")).registerGc,
  types: async () => (await import("./types.ts")).registerTypes,
};

/** The commands to register for these arguments: the one named first, or all of them (help, an unknown name). */
export async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const name = argv.find((arg) => !arg.startsWith("-"));
  const one = name !== undefined && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]!] : Object.values(COMMANDS);
  return Promise.all(one.map((load) => load()));
}

/** The invocation when a known command's line can be read without commander (cli/quick-command-line.ts). */
export async function quickInvocationOf(argv: readonly string[]): Promise<QuickInvocation | undefined> {
  const name = argv[0];
  if (name === undefined || !Object.hasOwn(COMMANDS, name)) return undefined;
  return quickInvocation(await COMMANDS[name]!(), argv);
}
