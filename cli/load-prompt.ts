import { compileFolder } from "../src/compiler/folder.ts";
import { PromptNotFoundError } from "../src/errors.ts";
import type { CompiledPrompt } from "../src/formats/types.ts";
import { RegistryClient } from "../src/registry/read.ts";
import { metaSchemaCheck } from "../src/structured/meta-schema.ts";
import type { CliContext } from "./context.ts";

export interface LoadedPrompt {
  prompt: CompiledPrompt;
  /** The registry version, or "local" for the prompts folder. */
  version: string;
  alias?: string;
}

/** A prompt from the registry at `ref`, or from the local prompts folder when no ref is given. */
export async function loadPrompt(ctx: CliContext, name: string, ref: string | undefined, path: string | undefined): Promise<LoadedPrompt> {
  if (ref === undefined) {
    const dir = ctx.promptsDir(path);
    const prompts = await compileFolder(dir, { checkSchema: metaSchemaCheck() });
    const prompt = prompts.find((p) => p.name === name);
    if (!prompt) {
      const known = prompts.map((p) => p.name);
      throw new PromptNotFoundError(name, dir, "Check the name: it is the file's path below the prompts folder, without extension.", known);
    }
    return { prompt, version: "local" };
  }
  const client = new RegistryClient(await ctx.verifiedReader(), await ctx.project());
  const resolved = await client.resolve(ref);
  return { prompt: await client.prompt(resolved.version, name), ...resolved };
}
