/** What a registry key holds, read back from the key (the inverse of layout.ts for the objects signing covers). */
export type SignedObjectKey =
  | { kind: "alias"; project: string; alias: string }
  | { kind: "index"; project: string }
  | { kind: "manifest"; project: string; version: string }
  | { kind: "bundle"; project: string; version: string }
  | { kind: "prompt"; project: string; name: string; version: string }
  | { kind: "variant"; project: string; name: string; version: string; variant: string };

const PATTERNS: readonly [RegExp, (m: string[]) => SignedObjectKey][] = [
  [/^prompts\/([^/]+)\/aliases\/([^/]+)\.json$/, ([, project, alias]) => ({ kind: "alias", project: project!, alias: alias! })],
  [/^prompts\/([^/]+)\/_index\.json$/, ([, project]) => ({ kind: "index", project: project! })],
  [/^prompts\/([^/]+)\/_releases\/([^/]+)\.json$/, ([, project, version]) => ({ kind: "manifest", project: project!, version: version! })],
  [/^prompts\/([^/]+)\/_bundles\/([^/]+)\.json$/, ([, project, version]) => ({ kind: "bundle", project: project!, version: version! })],
  [/^prompts\/([^/]+)\/(.+)\/([^/]+)\/default\.yaml$/, ([, project, name, version]) => ({ kind: "prompt", project: project!, name: name!, version: version! })],
  [
    /^prompts\/([^/]+)\/(.+)\/([^/]+)\/variants\/([^/]+)\.yaml$/,
    ([, project, name, version, variant]) => ({ kind: "variant", project: project!, name: name!, version: version!, variant: variant! }),
  ],
];

/** The signed object a key names, or undefined for objects that are not signed (histories, claims, interfaces, signatures). */
export function signedObjectKey(key: string): SignedObjectKey | undefined {
  for (const [pattern, make] of PATTERNS) {
    const match = pattern.exec(key);
    if (match) return make(match);
  }
  return undefined;
}
