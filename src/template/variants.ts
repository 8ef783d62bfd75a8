import type { Tags } from "../formats/types.ts";

/**
 * Variant selection. A variant matches when every one of its tags equals the requested tag; a `locale` tag also
 * matches along the BCP 47 fallback chain (`zh-Hant-TW` → `zh-Hant` → `zh`), case-insensitively. The match with
 * the most tags wins, then the one whose locale matched more exactly, then the first declared. No match: the
 * default content.
 *
 * The requested locale comes from the app, and can be of any length: it is normalised once per selection, and a
 * variant's locale is found in its fallback chain by prefix at a part boundary (as python/src/promptsync/variants.py
 * does), never by building the chain, whose prefixes are quadratic in the locale's length.
 */
export function selectVariant<V extends { tags: Tags }>(variants: readonly V[], requested: Readonly<Tags> | undefined): V | undefined {
  if (!requested || variants.length === 0) return undefined;
  let wanted: WantedLocale | undefined;
  const locale = (): WantedLocale => (wanted ??= wantedLocale(requested.locale!));
  let best: V | undefined;
  let bestTags = -1;
  let bestDepth = Number.POSITIVE_INFINITY;
  for (const variant of variants) {
    const depth = matchDepth(variant.tags, requested, locale);
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

/** The requested locale, normalised, and how many `-` separate its parts. */
interface WantedLocale {
  normalized: string;
  separators: number;
}

function wantedLocale(locale: string): WantedLocale {
  const normalized = normalizeLocale(locale);
  return { normalized, separators: separatorsIn(normalized) };
}

/** undefined when the variant does not match; otherwise how many locale fallback steps it took. */
function matchDepth(tags: Readonly<Tags>, requested: Readonly<Tags>, locale: () => WantedLocale): number | undefined {
  let depth = 0;
  for (const [key, value] of Object.entries(tags)) {
    const wanted = requested[key];
    if (wanted === undefined) return undefined;
    if (wanted === value) continue;
    if (key !== "locale") return undefined;
    const step = fallbackStep(locale(), normalizeLocale(value));
    if (step === undefined) return undefined;
    depth += step;
  }
  return depth;
}

/**
 * Where `locale` (normalised) is in localeFallbacks(wanted): 0 when equal; else, when `wanted` starts with it and a
 * `-`, the number of parts dropped (the `-` in `wanted` past it); else undefined. Time linear in `locale`'s length.
 */
function fallbackStep(wanted: WantedLocale, locale: string): number | undefined {
  const text = wanted.normalized;
  if (text === locale) return 0;
  if (text.length <= locale.length || text.charCodeAt(locale.length) !== 0x2d || !text.startsWith(locale)) return undefined;
  return wanted.separators - separatorsIn(locale);
}

function separatorsIn(text: string): number {
  let count = 0;
  for (let i = text.indexOf("-"); i !== -1; i = text.indexOf("-", i + 1)) count++;
  return count;
}

/** `zh-Hant-TW` → [`zh-hant-tw`, `zh-hant`, `zh`]; `_` is read as `-`. Quadratic in the locale's length: for short tags. */
export function localeFallbacks(locale: string): string[] {
  const parts = normalizeLocale(locale).split("-");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("-"));
}

function normalizeLocale(locale: string): string {
  return locale.toLowerCase().replaceAll("_", "-");
}
