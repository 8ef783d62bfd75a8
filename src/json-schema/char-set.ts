/**
 * Sets of code points as sorted, disjoint, non-adjacent inclusive ranges `[lo0, hi0, lo1, hi1, …]`: what one
 * character of a pattern (a literal, `.`, a class, `\d`) matches.
 */
export type CharSet = readonly number[];

export const MAX_CODE_POINT = 0x10ffff;

export function single(codePoint: number): CharSet {
  return [codePoint, codePoint];
}

/** Sorts and merges ranges given in any order. */
export function union(...sets: readonly CharSet[]): CharSet {
  const pairs: [number, number][] = [];
  for (const set of sets) for (let i = 0; i < set.length; i += 2) pairs.push([set[i]!, set[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

export function complement(set: CharSet): CharSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > next) out.push(next, set[i]! - 1);
    next = set[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return out;
}

export function contains(set: CharSet, codePoint: number): boolean {
  if (set.length <= 8) {
    for (let i = 0; i < set.length; i += 2) if (codePoint >= set[i]! && codePoint <= set[i + 1]!) return true;
    return false;
  }
  // Binary search over the ranges: a class such as \S has a dozen of them.
  let lo = 0;
  let hi = set.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (codePoint < set[2 * mid]!) hi = mid - 1;
    else if (codePoint > set[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

export const DIGIT: CharSet = [0x30, 0x39];
/** ECMA-262 \w without the `i` flag. */
export const WORD: CharSet = union([0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]);
/** ECMA-262 \s: WhiteSpace and LineTerminator. */
export const SPACE: CharSet = union(
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
);
/** `.` without the `s` flag: every code point but the line terminators. */
export const DOT: CharSet = complement(union([0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]));
