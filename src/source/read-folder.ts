import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { ConfigError } from "../errors.ts";
import { sourceFormat } from "./parse.ts";
import type { SourceFile } from "./types.ts";

/** Reads every .txt, .md, .yaml and .yml file below `dir` (hidden files and folders are skipped). */
export async function readPromptFolder(dir: string): Promise<SourceFile[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ConfigError(`Prompts folder ${dir} does not exist`, "Pass --path with the folder that holds your prompt files, or run `promptsync init`.");
  }
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .filter((path) => !path.split("/").some((segment) => segment.startsWith(".")))
    .filter((path) => sourceFormat(path) !== undefined)
    .sort();
  return Promise.all(files.map(async (path) => ({ path, text: await readFile(join(dir, path), "utf8") })));
}
