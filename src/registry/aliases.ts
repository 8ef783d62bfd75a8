import { AliasNotFoundError, PromptSyncError } from "../errors.ts";
import type { AliasPointer, GitInfo } from "../formats/types.ts";
import { layout } from "../formats/layout.ts";
import { isValidAliasName } from "../formats/names.ts";
import type { RegistryStore } from "../storage/types.ts";
import type { SigningSettings } from "../signing/pointers.ts";
import { isVersion } from "../formats/version.ts";
import { RegistryClient } from "./read.ts";
import { changeAlias, writeAlias } from "./write.ts";

export interface SetAliasRequest {
  project: string;
  alias: string;
  /** A version, another alias, or `latest`. */
  ref: string;
  actor?: string;
  git?: GitInfo;
  now?: Date;
  signing?: SigningSettings;
}

/** Points `alias` at the version `ref` resolves to; the version must exist. */
export async function setAlias(store: RegistryStore, request: SetAliasRequest): Promise<AliasPointer> {
  if (!isValidAliasName(request.alias) || isVersion(request.alias)) {
    throw new PromptSyncError("ALIAS_INVALID", `"${request.alias}" cannot be an alias name`, {
      suggestion: "Aliases are lowercase words such as dev, stable or production (letters, digits, _ and -; not `latest`).",
    });
  }
  const { version } = await new RegistryClient(store, request.project).resolve(request.ref);
  return writeAlias(store, {
    project: request.project,
    alias: request.alias,
    version,
    now: request.now ?? new Date(),
    ...(request.actor !== undefined && { updatedBy: request.actor }),
    ...(request.git !== undefined && { git: request.git }),
    ...(request.signing !== undefined && { signing: request.signing }),
  });
}

/** Who changes which alias, and how the change is recorded and signed. */
export interface AliasRequest {
  project: string;
  alias: string;
  actor?: string;
  git?: GitInfo;
  now?: Date;
  signing?: SigningSettings;
}

export interface DeleteAliasRequest extends AliasRequest {
  /** Delete even while a canary runs on the alias. @default false */
  force?: boolean;
}

/**
 * Deletes an alias by writing a tombstone: a pointer that says it is deleted, with the next revision. Readers
 * that verify signatures cannot tell a 404 from a CDN that hides the pointer, so only a signed tombstone says
 * "deleted"; and the revision carries on if the alias is created again, so an old pointer can never come back.
 */
export function deleteAlias(store: RegistryStore, request: DeleteAliasRequest): Promise<AliasPointer> {
  return changeAlias(store, {
    project: request.project,
    alias: request.alias,
    now: request.now ?? new Date(),
    action: "delete",
    ...(request.actor !== undefined && { updatedBy: request.actor }),
    ...(request.git !== undefined && { git: request.git }),
    ...(request.signing !== undefined && { signing: request.signing }),
    apply: (current) => {
      if (!current || current.deleted) throw new AliasNotFoundError(request.alias, request.project);
      if (current.canary && !request.force) {
        throw new PromptSyncError("CANARY_RUNNING", `A canary of ${current.canary.version} is running on "${request.alias}"`, {
          suggestion: `Promote or abort it first (promptsync canary promote|abort --alias ${request.alias}), or pass --force.`,
        });
      }
      return { version: current.version, canary: undefined, deleted: true };
    },
  });
}

export interface AliasSummary {
  alias: string;
  version: string;
  updatedAt: string;
  updatedBy?: string;
}

/** Every alias of the project, read from the alias pointers themselves (the truth), sorted by name. */
export async function listAliases(store: RegistryStore, project: string): Promise<AliasSummary[]> {
  const client = new RegistryClient(store, project);
  const keys = await store.list(layout.aliases(project));
  const pointers = await Promise.all(
    keys.map((key) => key.slice(key.lastIndexOf("/") + 1).replace(/\.json$/, "")).map((alias) => client.alias(alias)),
  );
  return pointers
    .filter((p): p is AliasPointer => p !== undefined)
    .map((p) => ({ alias: p.alias, version: p.version, updatedAt: p.updatedAt, ...(p.updatedBy && { updatedBy: p.updatedBy }) }))
    .sort((a, b) => (a.alias < b.alias ? -1 : 1));
}
