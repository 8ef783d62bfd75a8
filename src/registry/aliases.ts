import { PromptSyncError } from "../errors.ts";
import type { AliasPointer, GitInfo } from "../formats/types.ts";
import { layout } from "../layout.ts";
import { isValidAliasName } from "../names.ts";
import type { RegistryStore } from "../storage/types.ts";
import { isVersion } from "../version.ts";
import { RegistryClient } from "./read.ts";
import { writeAlias } from "./write.ts";

export interface SetAliasRequest {
  project: string;
  alias: string;
  /** A version, another alias, or `latest`. */
  ref: string;
  actor?: string;
  git?: GitInfo;
  now?: Date;
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
