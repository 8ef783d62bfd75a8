import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { mapLimit } from "../concurrency.ts";
import { headersFor, layout } from "../layout.ts";
import { FolderStore } from "../storage/folder.ts";
import type { RegistryReader, RegistryStore } from "../storage/types.ts";
import { encodeJson, encodeYaml } from "../formats/codec.ts";
import { RegistryClient } from "./read.ts";

export interface PullResult {
  version: string;
  alias: string | undefined;
  prompts: number;
  out: string;
}

/**
 * Writes a snapshot: the release manifest and every compiled prompt of one version, plus the alias pointer that
 * named it, in the registry layout, so the SDK reads it like a registry (`snapshotDir`). Written to a
 * temporary folder and renamed into place: a reader sees the old snapshot or the new one, never half of one.
 */
export async function pullSnapshot(reader: RegistryReader, project: string, ref: string, out: string): Promise<PullResult> {
  const client = new RegistryClient(reader, project);
  const { version, alias } = await client.resolve(ref);
  const manifest = (await client.manifest(version))!;
  const names = Object.keys(manifest.prompts);
  const temp = `${out}.${randomBytes(4).toString("hex")}.tmp`;
  const store: RegistryStore = new FolderStore(temp);
  try {
    await mapLimit(names, 16, async (name) => {
      const prompt = await client.prompt(version, name);
      const key = layout.promptDefault(project, name, version);
      await store.create(key, encodeYaml(prompt), headersFor(key));
    });
    const manifestKey = layout.release(project, version);
    await store.create(manifestKey, encodeJson(manifest), headersFor(manifestKey));
    if (alias) {
      const pointer = (await client.alias(alias))!;
      const key = layout.alias(project, alias);
      await store.create(key, encodeJson({ ...pointer, version }), headersFor(key));
    }
    await rm(out, { recursive: true, force: true });
    await rename(temp, out);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return { version, alias, prompts: names.length, out };
}
