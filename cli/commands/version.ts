import { RegistryClient } from "../../src/registry/read.ts";
import { defineCommand, defineGroup } from "../define-command.ts";
import { globalOptions } from "../options/global.ts";

const get = defineCommand({
  command: "get <ref>",
  description: "Print the version an alias (or `latest`) points to: promptsync alias set production --version $(promptsync version get dev)",
  options: [globalOptions],
  run: async (ctx, _options, ref: string) => {
    const project = await ctx.project();
    return { project, ref, ...(await new RegistryClient(await ctx.verifiedReader(), project).resolve(ref)) };
  },
  text: ({ version }) => version,
});

export const registerVersion = defineGroup({ command: "version", description: "Resolve versions", subcommands: [get] });
