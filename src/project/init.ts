import { appendFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";

export interface InitRequest {
  dir: string;
  project: string;
  promptsPath: string;
  registry?: string;
  /** Where apps read the registry over HTTP (an s3:// registry made public): the config's `publicUrl`. */
  publicUrl?: string;
  /** The S3-compatible endpoint of an s3:// registry, without credentials: the config's `s3.endpoint`. */
  s3Endpoint?: string;
}

export interface InitResult {
  created: string[];
  kept: string[];
}

const EXAMPLE_PROMPT = `---
name: Hello
description: An example prompt; the file name (hello) is its ID.
---
You are a helpful assistant for {{ company_name }}.
{% if tone is defined %}Answer in a {{ tone }} tone.{% endif %}
`;

/** Writes what a new project needs, never overwriting a file that exists. */
export async function initProject(request: InitRequest): Promise<InitResult> {
  const result: InitResult = { created: [], kept: [] };
  const write = async (name: string, text: string) => {
    try {
      await writeFile(join(request.dir, name), text, { flag: "wx" });
      result.created.push(name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      result.kept.push(name);
    }
  };
  const config = {
    project: request.project,
    prompts: request.promptsPath,
    ...(request.registry !== undefined && { registry: request.registry }),
    ...(request.publicUrl !== undefined && { publicUrl: request.publicUrl }),
    ...(request.s3Endpoint !== undefined && { s3: { endpoint: request.s3Endpoint } }),
  };
  await write(
    "promptsync.config.yaml",
    `# PromptSync settings: https://github.com/promptsync/promptsync#settings\n${stringify(config)}${
      request.registry === undefined ? "# registry: file://.promptsync/registry (the default)\n" : ""
    }`,
  );
  const promptsDir = join(request.dir, request.promptsPath);
  await mkdir(promptsDir, { recursive: true });
  if ((await readdir(promptsDir)).length === 0) await write(join(request.promptsPath, "hello.md"), EXAMPLE_PROMPT);
  const gitignore = await readFile(join(request.dir, ".gitignore"), "utf8").catch(() => undefined);
  if (gitignore === undefined) await write(".gitignore", ".promptsync/\n");
  else if (!/^\/?\.promptsync\/?$/m.test(gitignore)) {
    await appendFile(join(request.dir, ".gitignore"), `${gitignore.endsWith("\n") || gitignore === "" ? "" : "\n"}.promptsync/\n`);
    result.created.push(".gitignore entry .promptsync/");
  }
  return result;
}
