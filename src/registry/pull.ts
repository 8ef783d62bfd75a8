import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { mapLimit } from "../concurrency.ts";
import { headersFor, layout } from "../formats/layout.ts";
import { VerifyingReader } from "../signing/verifying-reader.ts";
import { FolderStore } from "../storage/folder.ts";
import type { RegistryReader, RegistryStore } from "../storage/types.ts";
import { encodeJson, encodeYaml } from "../formats/codec.ts";
import { RegistryClient } from "./read.ts";

interface PullResult {
  version: string;
  alias: string | undefined;
  prompts: number;
  out: string;
  /** Key IDs whose release signatures the snapshot holds. */
  signatures: string[];
}

/**
 * Writes a snapshot: the release manifest and every compiled prompt of one version, plus the alias pointer that
 * named it, in the registry layout, so the SDK reads it like a registry (`snapshotDir`). Written to a
 * temporary folder and renamed into place: a reader sees the old snapshot or the new one, never half of one.
 * The manifest's signature objects come along (the alias pointer carries its own), so apps verify snapshots too.
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
    const signatures = await copySignatures(reader, store, project, version);
    if (alias) {
      const pointer = (await client.alias(alias))!;
      const key = layout.alias(project, alias);
      await store.create(key, encodeJson({ ...pointer, version }), headersFor(key));
    }
    await rm(out, { recursive: true, force: true });
    await rename(temp, out);
    return { version, alias, prompts: names.length, out, signatures };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Every signature object of the version the registry lists; over HTTP, which cannot list, the trusted keys' ones. */
async function copySignatures(reader: RegistryReader, snapshot: RegistryStore, project: string, version: string): Promise<string[]> {
  const keys = reader.list
    ? await reader.list(layout.releaseSignatures(project, version))
    : reader instanceof VerifyingReader
      ? reader.trust.ids.map((id) => layout.releaseSignature(project, version, id))
      : [];
  const copied: string[] = [];
  for (const key of keys) {
    const object = await reader.get(key);
    if (!object) continue;
    await snapshot.create(key, object.body, headersFor(key));
    copied.push(key.slice(key.lastIndexOf("/") + 1).replace(/\.json$/, ""));
  }
  return copied;
}
