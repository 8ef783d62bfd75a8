"""Variant selection (src/template/variants.ts): every tag of the variant must match; `locale` also matches along
the BCP 47 fallback chain; the most tags win, then the fewest fallback steps, then the first declared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _normalize(locale: str) -> str:
    return locale.lower().replace("_", "-")


def locale_fallbacks(locale: str) -> list[str]:
    """`zh-Hant-TW` → [`zh-hant-tw`, `zh-hant`, `zh`]."""
    parts = _normalize(locale).split("-")
    return ["-".join(parts[: len(parts) - i]) for i in range(len(parts))]


def _match_depth(tags: Mapping[str, str], requested: Mapping[str, str]) -> int | None:
    depth = 0
    for key, value in tags.items():
        wanted = requested.get(key)
        if wanted is None:
            return None
        if wanted == value:
            continue
        if key != "locale":
            return None
        steps = _fallback_steps(_normalize(wanted), _normalize(value))
        if steps is None:
            return None
        depth += steps
    return depth


def _fallback_steps(wanted: str, locale: str) -> int | None:
    """Where `locale` is in locale_fallbacks(wanted), without building the chain: the app's locale can be long, and
    the chain of its prefixes is quadratic in it."""
    if wanted == locale:
        return 0
    if not wanted.startswith(locale + "-"):
        return None
    return wanted.count("-", len(locale))


def select_variant(variants: Sequence[Mapping[str, Any]], requested: Mapping[str, str] | None) -> Mapping[str, Any] | None:
    if not requested or not variants:
        return None
    best: Mapping[str, Any] | None = None
    best_tags = -1
    best_depth = float("inf")
    for variant in variants:
        depth = _match_depth(variant["tags"], requested)
        if depth is None:
            continue
        count = len(variant["tags"])
        if count > best_tags or (count == best_tags and depth < best_depth):
            best, best_tags, best_depth = variant, count, depth
    return best
