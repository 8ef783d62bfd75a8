import { rename, writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { compileFolder } from "../../src/compiler/folder.ts";
import { UsageError } from "../../src/errors.ts";
import type { CompiledPrompt } from "../../src/formats/types.ts";
import { RegistryClient } from "../../src/registry/read.ts";
import { metaSchemaCheck } from "../../src/structured/meta-schema.ts";
import { promptTypesModule, type TypesOrigin } from "../../src/typegen/prompt-types.ts";
import { staleTypesError, typesFileProblem } from "../../src/typegen/types-file.ts";
import type { CliContext, GlobalOptions } from "../context.ts";
import { defineCommand, Preformatted } from "../define-command.ts";
import { globalOptions, trustOption } from "../options/global.ts";
import { versionRef } from "../parse-options.ts";

interface TypesOptions extends GlobalOptions {
  out?: string;
  version?: string;
  alias?: string;
  path?: string;
  check?: boolean;
}

type TypesResult =
  | { action: "print"; module: string; prompts: number }
  | { action: "write"; file: string; prompts: number; changed: boolean }
  | { action: "check"; file: string; prompts: number; upToDate: true };

export const registerTypes = defineCommand({
  command: "types",
  description: "Write a TypeScript module describing the prompts (names, variables, variant tags, output types) for new PromptManager<Prompts>()",
  options: [
    (command) =>
      command
        .option("--out <file>", "write the module to this file (default: print it)")
        .option("--check", "fail (exit 1) when --out is out of date with the prompts; write nothing")
        .option("--version <version>", "describe this registry version instead of the local prompt files")
        .option("--alias <alias>", "describe the version this alias points to")
        .option("--path <dir>", "the local prompts folder"),
    trustOption,
    globalOptions,
  ],
  parse: (options: TypesOptions) => {
    if (options.check && !options.out) throw new UsageError("--check compares a file: give it with --out", "promptsync types --out src/prompts.ts --check");
    return { ...options, ref: versionRef(options) };
  },
  run: async (ctx, options): Promise<TypesResult> => {
    const { prompts, origin } = await describedPrompts(ctx, options.ref, options.alias !== undefined, options.path);
    const module = promptTypesModule(prompts, origin);
    if (!options.out) return { action: "print", module, prompts: prompts.length };
    const file = resolve(ctx.cwd, options.out);
    const below = relative(ctx.cwd, file);
    const shown = below && !below.startsWith("..") ? below : file;
    const problem = await typesFileProblem(file, module);
    if (options.check) {
      if (problem) throw staleTypesError(shown, problem, `promptsync types --out ${options.out}${options.ref ? ` --${options.alias ? "alias" : "version"} ${options.ref}` : ""}`);
      return { action: "check", file: shown, prompts: prompts.length, upToDate: true };
    }
    if (problem) {
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, module);
      await rename(temporary, file);
    }
    return { action: "write", file: shown, prompts: prompts.length, changed: problem !== undefined };
  },
  json: (result) => (result.action === "print" ? { module: result.module, prompts: result.prompts } : result),
  text: (result) => {
    if (result.action === "print") return new Preformatted(result.module);
    if (result.action === "check") return `${result.file} is up to date (${result.prompts} prompts)`;
    return result.changed ? `Wrote ${result.file} (${result.prompts} prompts)` : `${result.file} is up to date (${result.prompts} prompts)`;
  },
});

async function describedPrompts(
  ctx: CliContext,
  ref: string | undefined,
  isAlias: boolean,
  path: string | undefined,
): Promise<{ prompts: CompiledPrompt[]; origin: TypesOrigin }> {
  if (ref === undefined) {
    const dir = ctx.promptsDir(path);
    const prompts = await compileFolder(dir, { checkSchema: metaSchemaCheck() });
    return { prompts, origin: { kind: "local" } };
  }
  const project = await ctx.project();
  const client = new RegistryClient(await ctx.verifiedReader(), project);
  const resolved = await client.resolve(ref);
  return { prompts: await client.promptsAt(resolved.version), origin: { kind: "registry", project, version: resolved.version, ...(isAlias && { alias: ref }) } };
}
