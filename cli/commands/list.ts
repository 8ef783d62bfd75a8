import type { Command } from "commander";
import { RegistryClient } from "../../src/registry/read.ts";
import { resolveContext, type GlobalOptions } from "../context.ts";
import { withGlobalOptions } from "../global-options.ts";
import { print, printJson, table } from "../output.ts";

export function registerList(program: Command): void {
  withGlobalOptions(program.command("list").description("List the versions and the prompts of the latest one")).action(
    async (options: GlobalOptions) => {
      const ctx = await resolveContext(options);
      const project = await ctx.project();
      const index = await new RegistryClient(await ctx.verifiedReader(), project).index();
      const versions = index?.versions ?? [];
      const aliasesOf = (version: string) =>
        Object.entries(index?.aliases ?? {})
          .filter(([, a]) => a.version === version)
          .map(([name]) => name)
          .sort();
      const latest = versions.at(-1);
      if (ctx.json) {
        return printJson({
          project,
          registry: ctx.registry.display,
          versions: versions.map((v) => ({ ...v, aliases: aliasesOf(v.version) })),
          prompts: latest?.prompts ?? [],
        });
      }
      if (!latest) return print(`No versions of project ${project} in ${ctx.registry.display} yet: run promptsync push`);
      print(`Project ${project} (${ctx.registry.display})\n`);
      print(
        table([
          ["VERSION", "CREATED", "PROMPTS", "COMMIT", "ALIASES"],
          ...[...versions].reverse().map((v) => [
            v.version,
            v.createdAt,
            String(v.prompts.length),
            v.git ? `${v.git.commit.slice(0, 7)}${v.git.dirty ? "+dirty" : ""}` : "",
            aliasesOf(v.version).join(", "),
          ]),
        ]),
      );
      print(`\nPrompts in ${latest.version}:\n${latest.prompts.map((p) => `  ${p}`).join("\n")}`);
    },
  );
}
