"""Canary bucketing (src/registry/canary-bucket.ts):
bucket = uint32_be(sha256(utf8(salt + ":" + key))[0..4]) / 2^32 * 100; in the canary when percentage > 0 and
(percentage >= 100 or bucket < percentage)."""

from __future__ import annotations

import hashlib


def canary_bucket(salt: str, key: str) -> float:
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 4294967296 * 100


def in_canary(salt: str, key: str, percentage: float) -> bool:
    return percentage > 0 and (percentage >= 100 or canary_bucket(salt, key) < percentage)
