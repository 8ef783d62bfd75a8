import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { contentHash } from "../../src/formats/canonical.ts";

/**
 * What an attacker with write access to a folder registry does without the CLI: rewrites a compiled prompt's
 * template in place, recomputing its content hash and the hash the release manifest lists.
 */
export async function rewritePromptInPlace(registry: string, at: { project: string; prompt: string; version: string }, template: string): Promise<void> {
  const file = join(registry, `prompts/${at.project}/${at.prompt}/${at.version}/default.yaml`);
  const prompt = parse(await readFile(file, "utf8")) as { content: string; hash: string };
  prompt.content = template;
  prompt.hash = contentHash(prompt);
  await writeFile(file, stringify(prompt));
  const manifestFile = join(registry, `prompts/${at.project}/_releases/${at.version}.json`);
  const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { prompts: Record<string, { hash: string }> };
  manifest.prompts[at.prompt]!.hash = prompt.hash;
  await writeFile(manifestFile, JSON.stringify(manifest));
}
