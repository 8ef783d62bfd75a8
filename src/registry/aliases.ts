import { AliasNotFoundError, PromptSyncError } from "../errors.ts";
import { decodeJson } from "../formats/json-codec.ts";
import type { AliasPointer, GitInfo } from "../formats/types.ts";
import { layout } from "../formats/layout.ts";
import { isValidAliasName } from "../formats/names.ts";
import { didYouMean, nearness } from "../formats/nearest-name.ts";
import { validateAlias } from "../formats/validate-pointers.ts";
import type { RegistryReader, RegistryStore } from "../storage/types.ts";
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

function assertAliasName(alias: string): void {
  if (!isValidAliasName(alias) || isVersion(alias)) {
    throw new PromptSyncError("ALIAS_INVALID", `"${alias}" cannot be an alias name`, {
      suggestion: "Aliases are lowercase words such as dev, stable or production (letters, digits, _ and -; not `latest`).",
    });
  }
}

/** Points `alias` at the version `ref` resolves to; the version must exist. */
export async function setAlias(store: RegistryStore, request: SetAliasRequest): Promise<AliasPointer> {
  assertAliasName(request.alias);
  const { version } = await new RegistryClient(store, request.project).resolve(request.ref);
  return writeAlias(store, { ...aliasChangeFields(request), version });
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

/** What every alias change takes from the request: where, when, by whom, at which commit, signed how. */
export function aliasChangeFields(request: AliasRequest, now = request.now ?? new Date()) {
  return {
    project: request.project,
    alias: request.alias,
    now,
    ...(request.actor !== undefined && { updatedBy: request.actor }),
    ...(request.git !== undefined && { git: request.git }),
    ...(request.signing !== undefined && { signing: request.signing }),
  };
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
    ...aliasChangeFields(request),
    action: "delete",
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

/** What nearness (src/formats/nearest-name.ts) says of a name that is a prefix of the other and no closer. */
const PREFIX_NEARNESS = 3;

/** Whether this write made the alias exist: its first pointer, or the first after a tombstone. */
export function wasCreated(pointer: AliasPointer): boolean {
  return pointer.revision === 1 || pointer.history?.at(-2)?.action === "delete";
}

/** The alias's pointer as stored, tombstone included; undefined when it never existed. */
export async function storedAlias(reader: RegistryReader, project: string, alias: string): Promise<AliasPointer | undefined> {
  const key = layout.alias(project, alias);
  const object = await reader.get(key);
  return object && decodeJson(object.body, key, validateAlias);
}

/**
 * Whether `alias` is a new name that looks like a typo of a name there is: an alias of the project (from the index)
 * or one of `known` (the protected aliases of the config). Returns the names it is near, nearest first; none when
 * the alias exists or existed (a tombstone), or nothing is near.
 *
 * Near is the did-you-mean measure of src/formats/nearest-name.ts (up to two edits, fewer for short names), less
 * two kinds of deliberate neighbours: one name extending the other (`production-eu` beside `production`), and names
 * that differ only in digits (`pr-12` beside `pr-11`, `staging2` beside `staging`).
 */
export async function aliasNearMisses(store: RegistryStore, request: { project: string; alias: string; known?: Iterable<string> }): Promise<string[]> {
  assertAliasName(request.alias);
  const client = new RegistryClient(store, request.project);
  const [stored, index] = await Promise.all([storedAlias(store, request.project, request.alias), client.index()]);
  if (stored) return [];
  const names = new Set([...Object.keys(index?.aliases ?? {}), ...(request.known ?? [])]);
  const withoutDigits = (name: string) => name.replace(/[0-9]/g, "");
  const near: [string, number][] = [];
  for (const name of names) {
    const d = nearness(request.alias, name);
    // nearness says PREFIX_NEARNESS for a prefix, and less for the edits that make a typo.
    if (d !== undefined && d < PREFIX_NEARNESS && withoutDigits(name) !== withoutDigits(request.alias)) near.push([name, d]);
  }
  return near.sort(([a, da], [b, db]) => da - db || (a < b ? -1 : 1)).map(([name]) => name);
}

/** Refuses (ALIAS_NEAR_MISS) a new alias name that looks like a typo of one there is; see aliasNearMisses. */
export async function refuseNearMiss(store: RegistryStore, request: { project: string; alias: string; known?: Iterable<string> }): Promise<void> {
  const near = await aliasNearMisses(store, request);
  if (near.length === 0) return;
  throw new PromptSyncError(
    "ALIAS_NEAR_MISS",
    `There is no alias "${request.alias}" in project "${request.project}": ${didYouMean(request.alias, near)!.replace(/^D/, "d")}`,
    { suggestion: `A new alias this close to an existing one is refused. Move ${near[0]} with \`promptsync alias set ${near[0]} …\`, or add --create to create "${request.alias}".` },
  );
}

export interface RollbackAliasRequest extends AliasRequest {
  /** Roll back even while a canary runs on the alias (the canary keeps running, as with `alias set`). @default false */
  force?: boolean;
}

/**
 * The version the alias pointed to before its current one: the newest history entry whose version is not the
 * current one. Canary steps record the alias's own version (not the canary's), so a canary counts only once a
 * promote has moved the alias. Undefined when the alias never pointed anywhere else.
 *
 * A rollback is recorded as a `set`, so a second rollback returns to where the first started (as `kubectl rollout
 * undo` does); going further back is `alias set <alias> <version>`, with the versions in `alias history`.
 */
export function previousVersion(pointer: AliasPointer): string | undefined {
  const history = pointer.history ?? [];
  for (let i = history.length - 1; i >= 0; i--) {
    const version = history[i]!.version;
    if (version !== pointer.version) return version;
  }
  return undefined;
}

function rollbackTarget(pointer: AliasPointer, request: RollbackAliasRequest): string {
  if (pointer.canary && !request.force) {
    throw new PromptSyncError("CANARY_RUNNING", `A canary of ${pointer.canary.version} is running on "${request.alias}"`, {
      suggestion: `Abort it first if the canary is what went wrong (promptsync canary abort --alias ${request.alias}), or pass --force to move the alias and leave the canary running.`,
    });
  }
  const previous = previousVersion(pointer);
  if (previous === undefined) {
    throw new PromptSyncError("NO_PREVIOUS_VERSION", `"${request.alias}" has pointed only to ${pointer.version}: there is no earlier version to roll back to`, {
      suggestion: `Point it at a version with \`promptsync alias set ${request.alias} <version>\` (promptsync list shows them).`,
    });
  }
  return previous;
}

/**
 * Moves the alias back to its previous version (previousVersion), recorded in its history as a `set`: the format's
 * actions stay the ones every reader knows, and a rollback is exactly a set to that version. Refused while a canary
 * runs unless `force`, when the alias has no previous version, and when that version is no longer in the registry
 * (gc). If the alias moves between the read and the write, the previous version is worked out again from the new
 * pointer, and a different answer stops the rollback with nothing written.
 */
export async function rollbackAlias(store: RegistryStore, request: RollbackAliasRequest): Promise<{ pointer: AliasPointer; from: string }> {
  const client = new RegistryClient(store, request.project);
  const current = await client.alias(request.alias);
  if (!current) throw new AliasNotFoundError(request.alias, request.project);
  const target = rollbackTarget(current, request);
  if (!(await client.manifest(target))) {
    throw new PromptSyncError("VERSION_NOT_FOUND", `"${request.alias}" would roll back to ${target}, which is no longer in project "${request.project}" (deleted by gc)`, {
      suggestion: `Pick a version there is: \`promptsync alias history ${request.alias}\` and \`promptsync list\`, then \`promptsync alias set ${request.alias} <version>\`.`,
    });
  }
  let from = current.version;
  const pointer = await changeAlias(store, {
    ...aliasChangeFields(request),
    action: "set",
    apply: (latest) => {
      if (!latest || latest.deleted) throw new AliasNotFoundError(request.alias, request.project);
      if (latest.revision !== current.revision && rollbackTarget(latest, request) !== target) {
        throw new PromptSyncError("POINTER_CONFLICT", `"${request.alias}" changed while it was rolled back (now ${latest.version}, revision ${latest.revision}); nothing written`, {
          suggestion: `Check \`promptsync alias history ${request.alias}\`, then run the command again.`,
        });
      }
      from = latest.version;
      // What writeAlias does: a running canary keeps running, unless the alias now points at its version.
      return { version: target, canary: latest.canary?.version === target ? undefined : latest.canary };
    },
  });
  return { pointer, from };
}

/**
 * Whether the project's registry is signed: the alias's pointer or the index carries signatures. (A signed
 * tombstone comes with a signed index, so the live pointer and the index are enough.)
 */
export async function isRegistrySigned(reader: RegistryReader, project: string, alias: string): Promise<boolean> {
  const client = new RegistryClient(reader, project);
  const [pointer, index] = await Promise.all([client.alias(alias), client.index()]);
  return (pointer?.signatures?.length ?? 0) > 0 || (index?.signatures?.length ?? 0) > 0;
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
