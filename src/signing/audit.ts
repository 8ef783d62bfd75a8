import { mapLimit } from "../concurrency.ts";
import { PromptSyncError } from "../errors.ts";
import { decodeJson } from "../formats/codec.ts";
import type { AliasPointer, ProjectIndex, ReleaseManifest } from "../formats/types.ts";
import { validateAlias, validateProjectIndex, validateReleaseManifest, validateReleaseSignature } from "../formats/validate.ts";
import { layout, versionFromKey } from "../formats/layout.ts";
import type { RegistryStore } from "../storage/types.ts";
import { compareVersions } from "../formats/version.ts";
import { bundleProblem, promptProblem, variantProblem } from "./content-checks.ts";
import type { TrustedKeys } from "./keys.ts";
import { checkAlias, checkIndex } from "./pointers.ts";
import { checkRelease, manifestProblem } from "./release.ts";
import type { SignatureCheck } from "./signatures.ts";

/** One line of `promptsync verify`: an object, whether it passed, and what was found. */
interface Finding {
  object: string;
  ok: boolean;
  detail: string;
  /** Key IDs whose signatures on the object verify. */
  signedBy?: string[];
}

type AuditStore = Pick<RegistryStore, "get" | "list">;

/** Runs a check, turning a malformed object (INVALID_BUNDLE and kin) into a finding instead of stopping the audit. */
async function attempt(object: string, check: () => Promise<Finding[]>): Promise<Finding[]> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof PromptSyncError) return [{ object, ok: false, detail: error.message }];
    throw error;
  }
}

/**
 * Audits one project against the trusted keys: every release manifest's signatures, every content object
 * against the manifest, every alias pointer (signature, expiry, history, the revision the index records) and
 * the index. Reads the listing, not the index, so that an object the index leaves out is audited too.
 */
export async function auditProject(store: AuditStore, project: string, trust: TrustedKeys, now: Date): Promise<Finding[]> {
  const versions = (await store.list(layout.releases(project))).map(versionFromKey).sort(compareVersions);
  const indexKey = layout.index(project);
  const indexObject = await store.get(indexKey);
  const index = indexObject && readIndex(indexObject.body, indexKey);
  const releases = (await mapLimit(versions, 8, (version) => attempt(layout.release(project, version), () => auditRelease(store, project, version, trust)))).flat();
  const aliasKeys = await store.list(layout.aliases(project));
  const aliases = (await mapLimit(aliasKeys, 8, (key) => attempt(key, () => auditAlias(store, key, project, trust, now, index, versions)))).flat();
  const listed = new Set(aliasKeys);
  const hidden = Object.keys(index?.aliases ?? {})
    .filter((alias) => !listed.has(layout.alias(project, alias)))
    .map((alias) => ({ object: layout.alias(project, alias), ok: false, detail: "the index lists this alias but its pointer is missing (deleting an alias writes a signed tombstone)" }));
  return [...releases, ...aliases, ...hidden, ...auditIndex(indexKey, index, project, trust, versions)];
}

function readIndex(body: Uint8Array, key: string): ProjectIndex | undefined {
  try {
    return decodeJson(body, key, validateProjectIndex);
  } catch {
    return undefined;
  }
}

/** A malformed signature object is one more signature that does not count. */
async function attemptCheck(check: () => Promise<SignatureCheck>): Promise<SignatureCheck> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof PromptSyncError) return { ok: false, problem: error.message };
    throw error;
  }
}

async function auditRelease(store: AuditStore, project: string, version: string, trust: TrustedKeys): Promise<Finding[]> {
  const key = layout.release(project, version);
  const manifest = decodeJson((await store.get(key))!.body, key, validateReleaseManifest);
  const own = manifestProblem(manifest, { project, version });
  if (own) return [{ object: key, ok: false, detail: own }];
  const signatureKeys = await store.list(layout.releaseSignatures(project, version));
  const signedBy: string[] = [];
  const problems: string[] = [];
  for (const signatureKey of signatureKeys) {
    const check = await attemptCheck(async () => {
      const signature = decodeJson((await store.get(signatureKey))!.body, signatureKey, validateReleaseSignature);
      return checkRelease(manifest, signature, trust, { project, version });
    });
    if (check.ok) signedBy.push(check.keyId);
    else problems.push(`${versionFromKey(signatureKey)}: ${check.problem}`);
  }
  const manifestFinding: Finding =
    signedBy.length > 0
      ? { object: key, ok: true, detail: `signed by ${signedBy.join(", ")}${problems.length ? ` (also ${problems.join("; ")})` : ""}`, signedBy }
      : { object: key, ok: false, detail: signatureKeys.length === 0 ? "it is not signed" : `no trusted signature: ${problems.join("; ")}`, signedBy };
  return [manifestFinding, ...(await auditContent(store, manifest))];
}

/** Every compiled prompt, variant file and the bundle against the manifest; one line when all match. */
async function auditContent(store: AuditStore, manifest: ReleaseManifest): Promise<Finding[]> {
  const { project, version } = manifest;
  const objects: { key: string; problem: (body: Uint8Array) => string | undefined; optional?: true }[] = [
    ...Object.entries(manifest.prompts).flatMap(([name, entry]) => [
      { key: layout.promptDefault(project, name, version), problem: (body: Uint8Array) => promptProblem(body, layout.promptDefault(project, name, version), name, manifest) },
      ...entry.variants.map((v) => {
        const key = layout.promptVariant(project, name, version, v.id);
        return { key, problem: (body: Uint8Array) => variantProblem(body, key, name, v.id, manifest) };
      }),
    ]),
    { key: layout.bundle(project, version), problem: (body) => bundleProblem(body, layout.bundle(project, version), manifest), optional: true },
  ];
  const findings = (
    await mapLimit(objects, 16, (o) =>
      attempt(o.key, async () => {
        const object = await store.get(o.key);
        if (!object) return o.optional ? [] : [{ object: o.key, ok: false, detail: "it is missing" }];
        const problem = o.problem(object.body);
        return problem ? [{ object: o.key, ok: false, detail: problem }] : [];
      }),
    )
  ).flat();
  if (findings.length > 0) return findings;
  return [{ object: `${layout.project(project)}{prompt}/${version}/`, ok: true, detail: `${objects.length} content objects match the manifest` }];
}

async function auditAlias(
  store: AuditStore,
  key: string,
  project: string,
  trust: TrustedKeys,
  now: Date,
  index: ProjectIndex | undefined,
  versions: readonly string[],
): Promise<Finding[]> {
  const pointer = decodeJson((await store.get(key))!.body, key, validateAlias);
  const alias = versionFromKey(key);
  const signed = checkAlias(pointer, trust, { project, alias }, now);
  const problems = [
    ...(signed.ok ? [] : [signed.problem]),
    ...historyProblems(pointer),
    ...[pointer.deleted ? undefined : pointer.version, pointer.canary?.version]
      .filter((v): v is string => v !== undefined && !versions.includes(v))
      .map((v) => `it points at ${v}, which has no release manifest`),
  ];
  const recorded = index?.aliases[alias]?.revision;
  if (recorded !== undefined && recorded > pointer.revision) {
    problems.push(`its revision ${pointer.revision} is older than the ${recorded} the index records: a replayed pointer`);
  }
  const state = pointer.deleted ? `deleted (tombstone) at revision ${pointer.revision}` : `→ ${pointer.version}, revision ${pointer.revision}`;
  const expiry = pointer.expires ? `, expires ${pointer.expires}` : "";
  if (problems.length > 0) return [{ object: key, ok: false, detail: `${state}: ${problems.join("; ")}`, signedBy: [] }];
  return [{ object: key, ok: true, detail: `${state}${expiry}, signed by ${signed.ok ? signed.keyId : ""}`, signedBy: signed.ok ? [signed.keyId] : [] }];
}

/** Revisions go up by one per change and the last entry is the pointer's own state. */
function historyProblems(pointer: AliasPointer): string[] {
  const history = pointer.history ?? [];
  const last = history.at(-1);
  if (!last) return ["it has no history"];
  const problems: string[] = [];
  history.forEach((entry, i) => {
    const previous = history[i - 1];
    if (previous && entry.revision !== previous.revision + 1) problems.push(`history revision ${entry.revision} follows ${previous.revision}`);
  });
  if (last.revision !== pointer.revision) problems.push(`its revision ${pointer.revision} is not the last history entry's ${last.revision}`);
  if (last.version !== pointer.version) problems.push(`it points at ${pointer.version} but its last history entry at ${last.version}`);
  if ((last.action === "delete") !== (pointer.deleted === true)) problems.push("its deletion and its last history entry disagree");
  const canary = pointer.canary && `${pointer.canary.version} ${pointer.canary.percentage}`;
  const lastCanary = last.canary && `${last.canary.version} ${last.canary.percentage}`;
  if (canary !== lastCanary) problems.push("its canary and its last history entry disagree");
  return problems;
}

function auditIndex(key: string, index: ProjectIndex | undefined, project: string, trust: TrustedKeys, versions: readonly string[]): Finding[] {
  if (!index) return versions.length === 0 ? [] : [{ object: key, ok: false, detail: "it is missing or malformed" }];
  const signed = checkIndex(index, trust, project);
  const listed = index.versions.map((v) => v.version);
  const problems = [
    ...(signed.ok ? [] : [signed.problem]),
    ...versions.filter((v) => !listed.includes(v)).map((v) => `it does not list ${v} (a stale or replayed index)`),
    ...listed.filter((v) => !versions.includes(v)).map((v) => `it lists ${v}, which has no release manifest`),
  ];
  if (problems.length > 0) return [{ object: key, ok: false, detail: problems.join("; "), signedBy: [] }];
  return [{ object: key, ok: true, detail: `${plural(listed.length, "version")}, ${plural(Object.keys(index.aliases).length, "alias", "aliases")}, signed by ${signed.ok ? signed.keyId : ""}`, signedBy: signed.ok ? [signed.keyId] : [] }];
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
