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
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return a.localeCompare(b);
  return (
    x.major - y.major ||
    x.minor - y.minor ||
    x.patch - y.patch ||
    comparePrerelease(x.prerelease, y.prerelease)
  );
}

function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const sa = pa[i];
    const sb = pb[i];
    if (sa === undefined) return -1;
    if (sb === undefined) return 1;
    const na = /^\d+$/.test(sa) ? Number(sa) : undefined;
    const nb = /^\d+$/.test(sb) ? Number(sb) : undefined;
    if (na !== undefined && nb !== undefined) {
      if (na !== nb) return na - nb;
    } else if (na !== undefined) return -1;
    else if (nb !== undefined) return 1;
    else if (sa !== sb) return sa < sb ? -1 : 1;
  }
  return 0;
}

export type Bump = "major" | "minor" | "patch";

/** The version after the highest of `existing`; v0.1.0 when there is none. */
export function nextVersion(existing: readonly string[], bump: Bump = "patch"): string {
  const highest = [...existing].filter(isVersion).sort(compareVersions).at(-1);
  if (!highest) return bump === "major" ? "v1.0.0" : "v0.1.0";
  const v = parseVersion(highest)!;
  if (bump === "major") return formatVersion({ major: v.major + 1, minor: 0, patch: 0, prerelease: undefined });
  if (bump === "minor") return formatVersion({ major: v.major, minor: v.minor + 1, patch: 0, prerelease: undefined });
  // A pre-release bumps to its own release: v1.0.0-rc.1 → v1.0.0.
  if (v.prerelease) return formatVersion({ ...v, prerelease: undefined });
  return formatVersion({ ...v, patch: v.patch + 1, prerelease: undefined });
}
