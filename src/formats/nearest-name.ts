/**
 * Near-miss names: what a mistyped prompt or alias name was probably meant to be. One measure for every place that
 * asks (the "Did you mean …?" of an unknown prompt or alias, a prompt file's unknown key).
 */

/**
 * Damerau-Levenshtein distance in its optimal-string-alignment form: inserting, deleting or replacing a character,
 * or swapping two adjacent ones, each costs 1 (`prodution` → `production` is 1, `custoemr` → `customer` is 1).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // Three rows: the one before the previous (for swaps), the previous and the current.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
    }
    [before, previous] = [previous, current];
  }
  return previous[b.length]!;
}

/** The largest distance that still counts as a near miss: 2, less for short names (`ab` is not a typo of `cd`). */
const MAX_DISTANCE = 2;

/** A prefix shorter than this (`a`, `pr`) says too little to be a near miss. */
const MIN_PREFIX = 3;

/**
 * How near `candidate` is to `name`, ignoring case: its edit distance when that is at most 2 and at most a third of
 * the longer name; 3 when one is a prefix of the other (`prod` and `production`); undefined when it is not near.
 * Equal names are not near misses of each other.
 */
export function nearness(name: string, candidate: string): number | undefined {
  if (name === candidate) return undefined;
  const [a, b] = [name.toLowerCase(), candidate.toLowerCase()];
  const distance = editDistance(a, b);
  if (distance <= Math.min(MAX_DISTANCE, Math.floor(Math.max(a.length, b.length) / 3))) return distance;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  if (shorter.length >= MIN_PREFIX && longer.startsWith(shorter)) return MAX_DISTANCE + 1;
  return undefined;
}

/** The candidates near `name`, nearest first (then alphabetically), at most `limit`. */
export function nearestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const near: [string, number][] = [];
  for (const candidate of new Set(candidates)) {
    const d = nearness(name, candidate);
    if (d !== undefined) near.push([candidate, d]);
  }
  near.sort(([a, da], [b, db]) => da - db || (a < b ? -1 : a > b ? 1 : 0));
  return near.slice(0, limit).map(([candidate]) => candidate);
}

/** `Did you mean "production"?` (or `"a" or "b"?`), or undefined when no candidate is near. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const near = nearestNames(name, candidates).map((n) => `"${n}"`);
  if (near.length === 0) return undefined;
  const list = near.length === 1 ? near[0] : `${near.slice(0, -1).join(", ")} or ${near.at(-1)}`;
  return `Did you mean ${list}?`;
}
