import { mapLimit } from "../concurrency.ts";
import { UsageError } from "../errors.ts";
import { decodeJson, encodeJson } from "../formats/codec.ts";
import { headersFor, layout } from "../formats/layout.ts";
import type { AliasPointer, ProjectIndex, PromptMetadata, ReleaseManifest } from "../formats/types.ts";
import { validateAlias, validateProjectIndex, validatePromptMetadata, validateReleaseClaim, validateReleaseManifest } from "../formats/validate.ts";
import { isVersion, normalizeVersion, sortByVersion, sortVersions } from "../formats/version.ts";
import { SigningKeyError } from "../signing/errors.ts";
import type { SigningSettings } from "../signing/pointers.ts";
import { updatePointer } from "../storage/pointer.ts";
import type { RegistryStore } from "../storage/types.ts";
import { addVersionToIndex, updateIndex } from "./write.ts";

/**
 * Retention: which versions of a project nothing needs any more, and their deletion in an order that never lets a
 * reader see half a version. docs/registry-format.md#garbage-collection describes the rules and the order.
 */

/** A claim older than this without a release manifest is an abandoned push, not one still running. */
export const ABANDONED_PUSH_MS = 24 * 3_600_000;

export interface GcPolicy {
  project: string;
  /** The newest N versions, by version order, are kept whatever else holds. */
  keepLast: number;
  /**
   * The window, in milliseconds before `now`: a version pushed within it is kept, and so is every version an alias
   * or a canary pointed to at any time within it (from the alias's history).
   */
  olderThanMs: number;
  now?: Date;
  /** Parallel reads. @default 16 */
  concurrency?: number;
}

export interface GcObject {
  key: string;
  bytes: number;
}

export interface GcVersion {
  version: string;
  /** It has a release manifest; false for what an interrupted gc or an abandoned push left behind. */
  published: boolean;
  /** The manifest's createdAt, or for an unpublished version its claim's claimedAt. */
  pushedAt: string | undefined;
  action: "keep" | "delete";
  /** Why it is kept (every reason that holds), or why it goes. */
  reasons: string[];
  /** Every object of the version gc deletes (manifest, bundle, prompts, variants, signatures); never its claim. */
  objects: GcObject[];
  bytes: number;
  /** Prompts whose history (metadata.json) lists the version. */
  histories: string[];
  /** The project index lists the version. */
  indexed: boolean;
}

export interface GcPlan {
  project: string;
  now: string;
  keepLast: number;
  olderThanMs: number;
  /** Versions pushed, and alias pointings, after this are within the window. */
  cutoff: string;
  /** In version order, oldest first. */
  versions: GcVersion[];
  totals: {
    versions: number;
    objects: number;
    bytes: number;
    delete: { versions: number; objects: number; bytes: number };
  };
}

/** One version's objects, from the listing. */
interface Listed {
  manifest?: string;
  claim?: string;
  content: string[];
  signatures: string[];
}

/**
 * What gc would do: reads the listing, every release manifest, alias pointer (tombstones included) and prompt
 * history, and the index; writes nothing. Any of those it cannot read stops it, since it could not tell what is
 * still referenced.
 */
export async function planGc(store: RegistryStore, policy: GcPolicy): Promise<GcPlan> {
  checkPolicy(policy);
  const { project } = policy;
  const now = policy.now ?? new Date();
  const cutoff = now.getTime() - policy.olderThanMs;
  const concurrency = policy.concurrency ?? 16;
  const window = formatWindow(policy.olderThanMs);

  const listed = new Map<string, Listed>();
  const aliasKeys: string[] = [];
  const historyKeys = new Map<string, string>();
  const entry = (version: string): Listed => {
    let found = listed.get(version);
    if (!found) listed.set(version, (found = { content: [], signatures: [] }));
    return found;
  };
  for (const key of await store.list(layout.project(project))) {
    const role = classifyKey(project, key);
    if (!role) continue;
    if (role.role === "alias") aliasKeys.push(key);
    else if (role.role === "history") historyKeys.set(role.prompt, key);
    else if (role.role === "manifest") entry(role.version).manifest = key;
    else if (role.role === "claim") entry(role.version).claim = key;
    else if (role.role === "signature") entry(role.version).signatures.push(key);
    else entry(role.version).content.push(key);
  }

  const manifests = new Map<string, ReleaseManifest>();
  await mapLimit([...listed.values()].filter((l) => l.manifest), concurrency, async (l) => {
    const object = await store.get(l.manifest!);
    if (!object) {
      delete l.manifest; // deleted since the listing: another gc
      return;
    }
    const manifest = decodeJson(object.body, l.manifest!, validateReleaseManifest);
    manifests.set(manifest.version, manifest);
  });
  const pointers = (
    await mapLimit(aliasKeys, concurrency, async (key) => {
      const object = await store.get(key);
      return object && decodeJson(object.body, key, validateAlias);
    })
  ).filter((p): p is AliasPointer => p !== undefined);
  const index = await readIndex(store, project);
  const indexed = new Set(index?.versions.map((v) => v.version));
  const histories = new Map<string, string[]>();
  await mapLimit([...historyKeys], concurrency, async ([prompt, key]) => {
    const object = await store.get(key);
    if (!object) return;
    for (const { version } of decodeJson(object.body, key, validatePromptMetadata).versions) {
      histories.set(version, [...(histories.get(version) ?? []), prompt]);
    }
  });
  for (const version of [...indexed, ...histories.keys()]) if (isCanonicalVersion(version)) entry(version);

  // Why each published version is kept.
  const kept = new Map<string, string[]>();
  const keep = (version: string, reason: string) => {
    const reasons = kept.get(version) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    kept.set(version, reasons);
  };
  for (const pointer of pointers) protectedBy(pointer, cutoff, window, keep);
  const current = currentTargets(pointers);
  const newestFirst = sortVersions(manifests.keys()).reverse();
  if (newestFirst[0]) keep(newestFirst[0], "latest");
  for (const version of newestFirst.slice(0, policy.keepLast)) keep(version, `newest ${policy.keepLast}`);
  for (const manifest of manifests.values()) {
    const pushed = Date.parse(manifest.createdAt);
    if (Number.isNaN(pushed)) keep(manifest.version, "pushed at an unreadable time");
    else if (pushed >= cutoff) keep(manifest.version, `pushed within ${window}`);
  }

  const versions = await mapLimit(sortByVersion(listed, ([version]) => version), concurrency, async ([version, l]) => {
    const manifest = manifests.get(version);
    const named = (histories.get(version) ?? []).sort();
    let action: GcVersion["action"];
    let reasons: string[];
    let pushedAt = manifest?.createdAt;
    if (manifest) {
      reasons = kept.get(version) ?? [];
      action = reasons.length > 0 ? "keep" : "delete";
      if (action === "delete") {
        reasons = [
          policy.olderThanMs > 0
            ? `pushed over ${window} ago, not among the newest ${policy.keepLast}, no alias or canary points to it or did within ${window}`
            : `not among the newest ${policy.keepLast}, no alias or canary points to it`,
        ];
      }
    } else {
      // A push writes its manifest before any history or index entry; one of those without a manifest was
      // published once, so gc (or a hand) deleted the manifest and the rest is left over.
      const leftovers = l.content.length + l.signatures.length > 0;
      // A claim alone is kept, so that the number is never used again: nothing to do.
      if (!leftovers && named.length === 0 && !indexed.has(version)) return undefined;
      if ((await store.head(layout.release(project, version))) !== undefined) return undefined; // published since the listing
      const claimedAt = l.claim ? await claimTime(store, l.claim) : undefined;
      pushedAt = claimedAt;
      const pointedTo = current.get(version);
      if (pointedTo) {
        [action, reasons] = ["keep", [`${pointedTo} points to it, but it has no release manifest: push it again with --version ${version}`]];
      } else if (named.length > 0 || indexed.has(version)) {
        [action, reasons] = ["delete", ["no release manifest: left by an interrupted gc (or a manifest deleted by hand)"]];
      } else if (claimedAt !== undefined && !(Date.parse(claimedAt) < now.getTime() - ABANDONED_PUSH_MS)) {
        [action, reasons] = ["keep", [`unpublished, claimed ${claimedAt}: a push may still be running`]];
      } else {
        [action, reasons] = ["delete", [claimedAt ? `abandoned push: claimed ${claimedAt}, never published` : "no release manifest and no claim"]];
      }
    }
    const keys = [...(l.manifest && manifest ? [l.manifest] : []), ...l.content.sort(), ...l.signatures.sort()];
    const objects = (await mapLimit(keys, concurrency, async (key) => ({ key, bytes: (await store.head(key))?.size }))).filter(
      (o): o is GcObject => o.bytes !== undefined,
    );
    const plan: GcVersion = {
      version,
      published: manifest !== undefined,
      pushedAt,
      action,
      reasons,
      objects,
      bytes: objects.reduce((sum, o) => sum + o.bytes, 0),
      histories: named,
      indexed: indexed.has(version),
    };
    return plan;
  });

  const planned = versions.filter((v): v is GcVersion => v !== undefined);
  const doomed = planned.filter((v) => v.action === "delete");
  const count = (list: GcVersion[]) => ({
    versions: list.length,
    objects: list.reduce((sum, v) => sum + v.objects.length, 0),
    bytes: list.reduce((sum, v) => sum + v.bytes, 0),
  });
  return {
    project,
    now: now.toISOString(),
    keepLast: policy.keepLast,
    olderThanMs: policy.olderThanMs,
    cutoff: new Date(cutoff).toISOString(),
    versions: planned,
    totals: { ...count(planned), delete: count(doomed) },
  };
}

export interface GcApplyOptions {
  /** Signs the index it rewrites; required when the index is signed. */
  signing?: SigningSettings;
  now?: Date;
  /** Parallel deletes. @default 16 */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface GcResult {
  /** Versions deleted, oldest first. */
  deleted: string[];
  objects: number;
  bytes: number;
  /** Versions the plan deleted that an alias or canary pointed to by the time gc ran: left, or restored. */
  spared: { version: string; reason: string }[];
}

/**
 * Deletes what the plan marks, in this order, so that a reader sees a version whole or not at all:
 *
 * 1. the index stops listing the versions (compare-and-swap, signed like every index write), so `latest` and
 *    listings never name them;
 * 2. the release manifests: from here on each version does not exist, and resolving it is VERSION_NOT_FOUND;
 * 3. every version an alias or canary now points to (moved there during gc) gets its manifest back, byte for byte;
 * 4. the bundles, compiled prompts and variant files, then the signature objects;
 * 5. the versions leave the prompt histories (metadata.json): last, so that a gc that stops early leaves versions
 *    that a history still names without a manifest, which the next gc deletes.
 *
 * Claims are kept: a version number is never used twice, so no cache ever holds other bytes under its keys.
 */
export async function applyGc(store: RegistryStore, plan: GcPlan, options: GcApplyOptions = {}): Promise<GcResult> {
  const { project } = plan;
  const now = options.now ?? new Date();
  const concurrency = options.concurrency ?? 16;
  const spared: GcResult["spared"] = [];
  const index = await readIndex(store, project);
  let doomed = plan.versions.filter((v) => v.action === "delete");
  if (doomed.length === 0) return { deleted: [], objects: 0, bytes: 0, spared };
  if (index?.format === "promptsync.index/v2" && !options.signing) {
    throw new SigningKeyError(
      "The index is signed: gc rewrites it, so it needs the signing key",
      "Run gc with the key push and alias set use (--signing-key, PROMPTSYNC_SIGNING_KEY or signing.key).",
    );
  }

  // An alias moved to a planned version since the plan was made keeps it; so does a leftover published since.
  const pointedAt = await aliasTargets(store, project);
  const still = await mapLimit(doomed, concurrency, async (v) => {
    const by = pointedAt.get(v.version);
    if (by) spared.push({ version: v.version, reason: `${by} points to it now` });
    else if (!v.published && (await store.head(layout.release(project, v.version)))) spared.push({ version: v.version, reason: "published since the plan was made" });
    else return v;
    return undefined;
  });
  doomed = still.filter((v): v is GcVersion => v !== undefined);
  if (doomed.length === 0) return { deleted: [], objects: 0, bytes: 0, spared };
  const gone = new Set(doomed.map((v) => v.version));
  const total = doomed.reduce((sum, v) => sum + v.objects.length, 0);
  let done = 0;
  const remove = async (key: string) => {
    await store.delete(key);
    options.onProgress?.(++done, total);
  };

  await updateIndex(store, project, now, (current) => {
    const before = current.versions.length;
    current.versions = current.versions.filter((v) => !gone.has(v.version));
    return current.versions.length !== before;
  }, options.signing);

  const manifests = new Map<string, Uint8Array>();
  await mapLimit(doomed.filter((v) => v.published), concurrency, async (v) => {
    const key = layout.release(project, v.version);
    const object = await store.get(key);
    if (object) manifests.set(v.version, object.body);
    await remove(key);
  });

  // An alias set to a version between the check above and its manifest's deletion: put the manifest back.
  const late = await aliasTargets(store, project);
  for (const v of doomed.filter((d) => late.has(d.version))) {
    const body = manifests.get(v.version);
    gone.delete(v.version);
    spared.push({ version: v.version, reason: `${late.get(v.version)!} was pointed to it while gc ran${body ? "; its manifest was restored" : ""}` });
    if (!body) continue;
    const key = layout.release(project, v.version);
    await store.create(key, body, headersFor(key));
    const manifest = decodeJson(body, key, validateReleaseManifest);
    await updateIndex(store, project, now, addVersionToIndex({
      version: manifest.version,
      createdAt: manifest.createdAt,
      releaseHash: manifest.releaseHash,
      prompts: Object.keys(manifest.prompts),
      ...(manifest.git && { git: manifest.git }),
    }), options.signing);
  }
  doomed = doomed.filter((v) => gone.has(v.version));

  const manifestKeys = new Set(doomed.map((v) => layout.release(project, v.version)));
  const rest = doomed.flatMap((v) => v.objects.map((o) => o.key)).filter((key) => !manifestKeys.has(key));
  const signatures = rest.filter((key) => key.startsWith(layout.signatures(project)));
  const signatureSet = new Set(signatures);
  await mapLimit(rest.filter((key) => !signatureSet.has(key)), concurrency, remove);
  await mapLimit(signatures, concurrency, remove);

  const prompts = [...new Set(doomed.flatMap((v) => v.histories))];
  await mapLimit(prompts, concurrency, (prompt) =>
    updatePointer<PromptMetadata>(store, layout.promptMetadata(project, prompt), {
      decode: (body, key) => decodeJson(body, key, validatePromptMetadata),
      encode: encodeJson,
      apply: (current) => {
        if (!current?.versions.some((v) => gone.has(v.version))) return undefined;
        return { ...current, versions: current.versions.filter((v) => !gone.has(v.version)) };
      },
    }),
  );

  return {
    deleted: doomed.map((v) => v.version),
    objects: doomed.reduce((sum, v) => sum + v.objects.length, 0),
    bytes: doomed.reduce((sum, v) => sum + v.bytes, 0),
    spared,
  };
}

type KeyRole =
  | { role: "manifest" | "claim" | "content" | "signature"; version: string }
  | { role: "history"; prompt: string }
  | { role: "alias" };

/** What a key under `prompts/{project}/` is, for gc; undefined for what gc never touches (index, interfaces). */
export function classifyKey(project: string, key: string): KeyRole | undefined {
  const root = layout.project(project);
  if (!key.startsWith(root)) return undefined;
  const parts = key.slice(root.length).split("/");
  const [first] = parts;
  const jsonVersion = (file: string | undefined) => (file?.endsWith(".json") ? canonicalVersion(file.slice(0, -".json".length)) : undefined);
  const versioned = (role: "manifest" | "claim" | "content" | "signature", version: string | undefined): KeyRole | undefined =>
    version === undefined ? undefined : { role, version };
  switch (first) {
    case "_releases":
      return parts.length === 2 ? versioned("manifest", jsonVersion(parts[1])) : undefined;
    case "_claims":
      return parts.length === 2 ? versioned("claim", jsonVersion(parts[1])) : undefined;
    case "_bundles":
      return parts.length === 2 ? versioned("content", jsonVersion(parts[1])) : undefined;
    case "_signatures":
      return parts.length === 3 ? versioned("signature", canonicalVersion(parts[1]!)) : undefined;
    case "aliases":
      return parts.length === 2 && parts[1]!.endsWith(".json") ? { role: "alias" } : undefined;
  }
  if (first === undefined || first.startsWith("_")) return undefined;
  const last = parts.at(-1)!;
  if (last === "metadata.json" && parts.length >= 2) return { role: "history", prompt: parts.slice(0, -1).join("/") };
  const at = last === "default.yaml" ? parts.length - 2 : parts.at(-2) === "variants" && last.endsWith(".yaml") ? parts.length - 3 : -1;
  return at >= 1 ? versioned("content", canonicalVersion(parts[at]!)) : undefined;
}

function canonicalVersion(text: string): string | undefined {
  return isCanonicalVersion(text) ? text : undefined;
}

function isCanonicalVersion(text: string): boolean {
  return isVersion(text) && normalizeVersion(text) === text;
}

/**
 * The versions a pointer protects: the alias's version and canary now, and every version it or its canary
 * pointed to at any time after the cutoff (a history entry holds from its time until the next entry's).
 */
function protectedBy(pointer: AliasPointer, cutoff: number, window: string, keep: (version: string, reason: string) => void) {
  const name = pointer.alias;
  if (!pointer.deleted) keep(pointer.version, `alias ${name}`);
  if (pointer.canary) keep(pointer.canary.version, `canary on ${name}`);
  const history = pointer.history ?? [];
  history.forEach((entry, i) => {
    const next = history[i + 1];
    // The last entry is the pointer as it is now, protected above (or a deletion, which points to nothing).
    if (!next || Date.parse(next.at) < cutoff) return; // an unreadable time (NaN) protects
    if (entry.action !== "delete") keep(entry.version, `alias ${name} until ${next.at} (within ${window})`);
    if (entry.canary) keep(entry.canary.version, `canary on ${name} until ${next.at} (within ${window})`);
  });
}

/** Every version an alias or a canary points to now, with the first pointer that does. */
async function aliasTargets(store: RegistryStore, project: string): Promise<Map<string, string>> {
  const keys = await store.list(layout.aliases(project));
  const pointers = await mapLimit(keys, 16, async (key) => {
    const object = await store.get(key);
    return object && decodeJson(object.body, key, validateAlias);
  });
  return currentTargets(pointers.filter((p): p is AliasPointer => p !== undefined));
}

function currentTargets(pointers: readonly AliasPointer[]): Map<string, string> {
  const targets = new Map<string, string>();
  for (const pointer of pointers) {
    if (!pointer.deleted && !targets.has(pointer.version)) targets.set(pointer.version, `alias ${pointer.alias}`);
    if (pointer.canary && !targets.has(pointer.canary.version)) targets.set(pointer.canary.version, `the canary on ${pointer.alias}`);
  }
  return targets;
}

async function readIndex(store: RegistryStore, project: string): Promise<ProjectIndex | undefined> {
  const key = layout.index(project);
  const object = await store.get(key);
  return object && decodeJson(object.body, key, validateProjectIndex);
}

async function claimTime(store: RegistryStore, key: string): Promise<string | undefined> {
  const object = await store.get(key);
  return object && decodeJson(object.body, key, validateReleaseClaim).claimedAt;
}

function checkPolicy(policy: GcPolicy) {
  if (!Number.isSafeInteger(policy.keepLast) || policy.keepLast < 0) {
    throw new UsageError(`keep-last must be a whole number of versions (0 or more), not ${policy.keepLast}`);
  }
  if (!Number.isFinite(policy.olderThanMs) || policy.olderThanMs < 0) {
    throw new UsageError(`older-than must be a duration of 0 or more, not ${policy.olderThanMs} ms`);
  }
}

/** 90d, 36h, 90m, as the option is written. */
export function formatWindow(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Math.round((ms / 60_000) * 100) / 100}m`;
}
