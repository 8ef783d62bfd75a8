import { layout } from "../layout.ts";
import { encodeJson, decodeJson } from "../formats/codec.ts";
import type { AliasPointer, GitInfo, ProjectIndex, ProjectIndexVersion } from "../formats/types.ts";
import { validateAlias, validateProjectIndex } from "../formats/validate.ts";
import { updatePointer } from "../storage/pointer.ts";
import type { RegistryStore } from "../storage/types.ts";
import { compareVersions } from "../version.ts";

/** Shared by push and alias: the pointer writes, each a compare-and-swap. */

export async function updateIndex(
  store: RegistryStore,
  project: string,
  now: Date,
  change: (index: ProjectIndex) => boolean,
): Promise<void> {
  await updatePointer<ProjectIndex>(store, layout.index(project), {
    decode: (body, key) => decodeJson(body, key, validateProjectIndex),
    encode: encodeJson,
    apply: (current) => {
      const index: ProjectIndex = current
        ? structuredClone(current)
        : { format: "promptsync.index/v1", project, updatedAt: now.toISOString(), versions: [], aliases: {} };
      if (!change(index)) return undefined;
      index.updatedAt = now.toISOString();
      index.versions.sort((a, b) => compareVersions(a.version, b.version));
      return index;
    },
  });
}

export function addVersionToIndex(entry: ProjectIndexVersion) {
  return (index: ProjectIndex): boolean => {
    if (index.versions.some((v) => v.version === entry.version)) return false;
    index.versions.push(entry);
    return true;
  };
}

export interface AliasWrite {
  project: string;
  alias: string;
  version: string;
  now: Date;
  updatedBy?: string;
  git?: GitInfo;
}

/** Points an alias at a version (which the caller has checked exists) and records it in the index. */
export async function writeAlias(store: RegistryStore, write: AliasWrite): Promise<AliasPointer> {
  const key = layout.alias(write.project, write.alias);
  const pointer = (await updatePointer<AliasPointer>(store, key, {
    decode: (body, k) => decodeJson(body, k, validateAlias),
    encode: encodeJson,
    apply: (current) => ({
      format: "promptsync.alias/v1",
      project: write.project,
      alias: write.alias,
      version: write.version,
      revision: (current?.revision ?? 0) + 1,
      updatedAt: write.now.toISOString(),
      ...(write.updatedBy !== undefined && { updatedBy: write.updatedBy }),
      ...(write.git !== undefined && { git: write.git }),
    }),
  }))!;
  await updateIndex(store, write.project, write.now, (index) => {
    // Concurrent writers of one alias may reach the index out of order: the higher revision wins.
    const known = index.aliases[write.alias];
    if (known && known.revision >= pointer.revision) return false;
    index.aliases[write.alias] = { version: pointer.version, revision: pointer.revision };
    return true;
  });
  return pointer;
}
