import { PromptSyncError } from "../errors.ts";

/** A release version: `v` MAJOR.MINOR.PATCH with an optional pre-release, as in semver. */
interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease: string | undefined;
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$/;

function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] };
}

export function isVersion(text: string): boolean {
  return parseVersion(text) !== undefined;
}

/** Normalises `1.2.3` and `v1.2.3` to `v1.2.3`; throws a VERSION_INVALID error otherwise. */
export function normalizeVersion(text: string): string {
  const v = parseVersion(text);
  if (!v) {
    throw new PromptSyncError("VERSION_INVALID", `"${text}" is not a version`, {
      suggestion: "Use semantic versions such as v1.2.3 or v2.0.0-rc.1.",
    });
  }
  return formatVersion(v);
}

function formatVersion(v: Version): string {
  return `v${v.major}.${v.minor}.${v.patch}${v.prerelease ? `-${v.prerelease}` : ""}`;
}

export function compareVersions(a: string, b: string): number {
  return compareVersionKeys(versionKey(a), versionKey(b));
}

/**
 * A version parsed once, for ordering many: compareVersionKeys orders keys exactly as compareVersions orders their
 * texts, without parsing them again on every comparison (a registry's index can list 100,000 versions, each with a
 * long pre-release, and a sort compares each n log n times).
 */
export interface VersionKey {
  readonly text: string;
  readonly version: Version | undefined;
}

export function versionKey(text: string): VersionKey {
  return { text, version: parseVersion(text) };
}

export function compareVersionKeys(a: VersionKey, b: VersionKey): number {
  const x = a.version;
  const y = b.version;
  if (!x || !y) return a.text.localeCompare(b.text);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch || comparePrerelease(x.prerelease, y.prerelease);
}

/**
 * The newest of `versions` (the last a stable sort with compareVersions puts them in: the later of equals), in one
 * pass with each version parsed once; undefined when there is none.
 */
export function newestVersion(versions: Iterable<string>): string | undefined {
  let best: VersionKey | undefined;
  for (const text of versions) {
    const key = versionKey(text);
    if (!best || compareVersionKeys(key, best) >= 0) best = key;
  }
  return best?.text;
}

/** `items` oldest first by their version, as a stable sort with compareVersions puts them, each parsed once. */
export function sortByVersion<T>(items: Iterable<T>, versionOf: (item: T) => string): T[] {
  return [...items]
    .map((item) => ({ item, key: versionKey(versionOf(item)) }))
    .sort((a, b) => compareVersionKeys(a.key, b.key))
    .map((entry) => entry.item);
}

/** Version texts oldest first, as `.sort(compareVersions)` puts them, each parsed once. */
export function sortVersions(versions: Iterable<string>): string[] {
  return sortByVersion(versions, (version) => version);
}

/**
 * Semver's pre-release order: identifier by identifier (split at "."), numbers numerically and before names, names
 * by code unit; a prefix first. Scans both texts in place, without splitting them: time linear in their common part
 * (the identifiers before the first character that differs are equal, and skipped).
 */
function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  // The identifiers wholly before the first character that differs are the same in both.
  const shorter = Math.min(a.length, b.length);
  let differs = 0;
  while (differs < shorter && a.charCodeAt(differs) === b.charCodeAt(differs)) differs++;
  let i = differs === 0 ? 0 : a.lastIndexOf(".", differs - 1) + 1;
  let j = i;
  for (;;) {
    const aDone = i > a.length;
    const bDone = j > b.length;
    if (aDone || bDone) return aDone ? (bDone ? 0 : -1) : 1;
    const ea = endOfIdentifier(a, i);
    const eb = endOfIdentifier(b, j);
    const order = compareIdentifiers(a, i, ea, b, j, eb);
    if (order !== 0) return order;
    i = ea + 1;
    j = eb + 1;
  }
}

function endOfIdentifier(text: string, from: number): number {
  const dot = text.indexOf(".", from);
  return dot < 0 ? text.length : dot;
}

function compareIdentifiers(a: string, i: number, ea: number, b: string, j: number, eb: number): number {
  const na = allDigits(a, i, ea);
  const nb = allDigits(b, j, eb);
  if (na && nb) {
    if (sameText(a, i, ea, b, j, eb)) return 0;
    const x = Number(a.slice(i, ea));
    const y = Number(b.slice(j, eb));
    return x === y ? 0 : x - y;
  }
  if (na) return -1;
  if (nb) return 1;
  // Code-unit order, as `<` orders strings.
  const length = Math.min(ea - i, eb - j);
  for (let k = 0; k < length; k++) {
    const d = a.charCodeAt(i + k) - b.charCodeAt(j + k);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return ea - i === eb - j ? 0 : ea - i < eb - j ? -1 : 1;
}

function allDigits(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function sameText(a: string, i: number, ea: number, b: string, j: number, eb: number): boolean {
  if (ea - i !== eb - j) return false;
  for (let k = 0; k < ea - i; k++) if (a.charCodeAt(i + k) !== b.charCodeAt(j + k)) return false;
  return true;
}

export type Bump = "major" | "minor" | "patch";

/** The version after the highest of `existing`; v0.1.0 when there is none. */
export function nextVersion(existing: readonly string[], bump: Bump = "patch"): string {
  const highest = newestVersion(existing.filter(isVersion));
  if (!highest) return bump === "major" ? "v1.0.0" : "v0.1.0";
  const v = parseVersion(highest)!;
  if (bump === "major") return formatVersion({ major: v.major + 1, minor: 0, patch: 0, prerelease: undefined });
  if (bump === "minor") return formatVersion({ major: v.major, minor: v.minor + 1, patch: 0, prerelease: undefined });
  // A pre-release bumps to its own release: v1.0.0-rc.1 → v1.0.0.
  if (v.prerelease) return formatVersion({ ...v, prerelease: undefined });
  return formatVersion({ ...v, patch: v.patch + 1, prerelease: undefined });
}
