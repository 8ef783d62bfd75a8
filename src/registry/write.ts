import { layout } from "../formats/layout.ts";
import { encodeJson, decodeJson } from "../formats/json-codec.ts";
import type { AliasAction, AliasHistoryEntry, AliasPointer, CanaryState, GitInfo, ProjectIndex, ProjectIndexVersion } from "../formats/types.ts";
import { validateAlias, validateProjectIndex } from "../formats/validate-pointers.ts";
import { sealAlias, sealIndex, type SigningSettings } from "../signing/pointers.ts";
import { updatePointer } from "../storage/pointer.ts";
import type { RegistryStore } from "../storage/types.ts";
import { compareVersions } from "../formats/version.ts";

/** Shared by push and alias: the pointer writes, each a compare-and-swap. */

export async function updateIndex(
  store: RegistryStore,
  project: string,
  now: Date,
  change: (index: ProjectIndex) => boolean,
  signing?: SigningSettings,
): Promise<void> {
  await updatePointer<ProjectIndex>(store, layout.index(project), {
    decode: (body, key) => decodeJson(body, key, validateProjectIndex),
    encode: (index) => encodeJson(sealIndex(index, signing)),
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

export interface AliasChange {
  project: string;
  alias: string;
  now: Date;
  updatedBy?: string;
  git?: GitInfo;
  action: AliasAction;
  /** Signs the pointer and the index. */
  signing?: SigningSettings;
  /**
   * The alias's next version and canary from its current pointer (undefined when the alias does not exist yet;
   * a tombstone when it was deleted). Throwing aborts the change with nothing written. Called again after every
   * lost compare-and-swap. `deleted` makes the new pointer a tombstone.
   */
  apply: (current: AliasPointer | undefined) => { version: string; canary: CanaryState | undefined; deleted?: true };
}

/**
 * Changes an alias by compare-and-swap, appends the change to its history, and records it in the index. Every
 * alias write goes through here, so none loses another's change or history entry.
 */
export async function changeAlias(store: RegistryStore, change: AliasChange): Promise<AliasPointer> {
  const key = layout.alias(change.project, change.alias);
  const at = change.now.toISOString();
  const pointer = (await updatePointer<AliasPointer>(store, key, {
    decode: (body, k) => decodeJson(body, k, validateAlias),
    encode: encodeJson,
    apply: (current) => {
      const { version, canary, deleted } = change.apply(current);
      const revision = (current?.revision ?? 0) + 1;
      const entry: AliasHistoryEntry = {
        revision,
        action: change.action,
        version,
        ...(canary && { canary: { version: canary.version, percentage: canary.percentage } }),
        at,
        ...(change.updatedBy !== undefined && { by: change.updatedBy }),
        ...(change.git !== undefined && { git: change.git }),
      };
      // Sealed here, not when encoded, so the pointer returned is the one stored, signatures and all.
      return sealAlias({
        format: "promptsync.alias/v1",
        project: change.project,
        alias: change.alias,
        version,
        revision,
        updatedAt: at,
        ...(change.updatedBy !== undefined && { updatedBy: change.updatedBy }),
        ...(change.git !== undefined && { git: change.git }),
        ...(canary && { canary }),
        ...(deleted && { deleted }),
        history: [...(current?.history ?? []), entry],
      }, change.signing, change.now);
    },
  }))!;
  await updateIndex(
    store,
    change.project,
    change.now,
    (index) => {
      // Concurrent writers of one alias may reach the index out of order: the higher revision wins.
      const known = index.aliases[change.alias];
      if (known && known.revision >= pointer.revision) return false;
      if (pointer.deleted) delete index.aliases[change.alias];
      else index.aliases[change.alias] = { version: pointer.version, revision: pointer.revision };
      return true;
    },
    change.signing,
  );
  return pointer;
}

export interface AliasWrite {
  project: string;
  alias: string;
  version: string;
  now: Date;
  updatedBy?: string;
  git?: GitInfo;
  signing?: SigningSettings;
}

/**
 * Points an alias at a version (which the caller has checked exists). A running canary keeps running, unless
 * the alias now points at the canary's version: then it has nothing left to do and ends.
 */
export function writeAlias(store: RegistryStore, write: AliasWrite): Promise<AliasPointer> {
  return changeAlias(store, {
    ...write,
    action: "set",
    apply: (current) => ({
      version: write.version,
      canary: current?.canary?.version === write.version ? undefined : current?.canary,
    }),
  });
}
