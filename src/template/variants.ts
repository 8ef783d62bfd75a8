import type { Tags } from "../formats/types.ts";

/**
 * Variant selection. A variant matches when every one of its tags equals the requested tag; a `locale` tag also
 * matches along the BCP 47 fallback chain (`zh-Hant-TW` → `zh-Hant` → `zh`), case-insensitively. The match with
 * the most tags wins, then the one whose locale matched more exactly, then the first declared. No match: the
 * default content.
 */
export function selectVariant<V extends { tags: Tags }>(variants: readonly V[], requested: Readonly<Tags> | undefined): V | undefined {
  if (!requested || variants.length === 0) return undefined;
  let best: V | undefined;
  let bestTags = -1;
  let bestDepth = Number.POSITIVE_INFINITY;
  for (const variant of variants) {
    const depth = matchDepth(variant.tags, requested);
    if (depth === undefined) continue;
    const count = Object.keys(variant.tags).length;
    if (count > bestTags || (count === bestTags && depth < bestDepth)) {
      best = variant;
      bestTags = count;
      bestDepth = depth;
    }
  }
  return best;
}

/** undefined when the variant does not match; otherwise how many locale fallback steps it took. */
function matchDepth(tags: Readonly<Tags>, requested: Readonly<Tags>): number | undefined {
  let depth = 0;
  for (const [key, value] of Object.entries(tags)) {
    const wanted = requested[key];
    if (wanted === undefined) return undefined;
    if (wanted === value) continue;
    if (key !== "locale") return undefined;
    const step = localeFallbacks(wanted).indexOf(normalizeLocale(value));
    if (step < 0) return undefined;
    depth += step;
  }
  return depth;
}

/** `zh-Hant-TW` → [`zh-hant-tw`, `zh-hant`, `zh`]; `_` is read as `-`. */
export function localeFallbacks(locale: string): string[] {
  const parts = normalizeLocale(locale).split("-");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("-"));
}

function normalizeLocale(locale: string): string {
  return locale.toLowerCase().replaceAll("_", "-");
}
