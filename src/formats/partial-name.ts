/**
 * Partial names: the path of a file below the prompts folder, without its extension, with at least one folder or
 * file name starting with `_` (`_shared/safety`, `support/_macros`). The same rule as the compiled prompt's
 * `partialName` pattern; no `.`, `..`, empty segment or leading `/`, so a name cannot leave the folder.
 */
const PARTIAL_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
const MAX_PARTIAL_NAME = 512;

export function isPartialName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_PARTIAL_NAME) return false;
  const segments = name.split("/");
  return segments.every((s) => PARTIAL_SEGMENT.test(s)) && segments.some((s) => s.startsWith("_"));
}

/** A path below the prompts folder that holds a partial: one of its folder or file names starts with `_`. */
export function isPartialPath(path: string): boolean {
  return path.split("/").some((segment) => segment.startsWith("_"));
}
