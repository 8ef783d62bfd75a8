import { RegistryClient } from "../../src/registry/read.ts";
import { defineCommand } from "../define-command.ts";
import { globalOptions } from "../options/global.ts";
import { table } from "../output.ts";

export const registerList = defineCommand({
  command: "list",
  description: "List the versions and the prompts of the latest one",
  options: [globalOptions],
  run: async (ctx) => {
    const project = await ctx.project();
    const index = await new RegistryClient(await ctx.verifiedReader(), project).index();
    const versions = index?.versions ?? [];
    const aliasesOf = (version: string) =>
      Object.entries(index?.aliases ?? {})
        .filter(([, a]) => a.version === version)
        .map(([name]) => name)
        .sort();
    return {
      project,
      registry: ctx.registry.display,
      versions: versions.map((v) => ({ ...v, aliases: aliasesOf(v.version) })),
      prompts: versions.at(-1)?.prompts ?? [],
    };
  },
  text: ({ project, registry, versions, prompts }) => {
    const latest = versions.at(-1);
    if (!latest) return `No versions of project ${project} in ${registry} yet: run promptsync push`;
    return [
      `Project ${project} (${registry})\n`,
      table([
        ["VERSION", "CREATED", "PROMPTS", "COMMIT", "ALIASES"],
        ...[...versions].reverse().map((v) => [
          v.version,
          v.createdAt,
          String(v.prompts.length),
          v.git ? `${v.git.commit.slice(0, 7)}${v.git.dirty ? "+dirty" : ""}` : "",
          v.aliases.join(", "),
        ]),
      ]),
      `\nPrompts in ${latest.version}:\n${prompts.map((p) => `  ${p}`).join("\n")}`,
    ];
  },
});
