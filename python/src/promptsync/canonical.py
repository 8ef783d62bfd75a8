"""Canonical JSON exactly as JavaScript's JSON.stringify(sortKeys(v)) writes it (docs/registry-format.md#canonical-json),
and the content hashes built on it."""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _is_array_index(key: str) -> bool:
    # The length first: int() refuses a string of over 4,300 digits (a ValueError), and an index has at most 10.
    return _ARRAY_INDEX.fullmatch(key) is not None and len(key) <= 10 and int(key) < 4294967295


def _key_order(keys: list[str]) -> list[str]:
    # JavaScript enumerates array-index keys first in numeric order, then the rest in insertion order; sortKeys
    # inserted them sorted by UTF-16 code units.
    indexes = sorted((k for k in keys if _is_array_index(k)), key=int)
    rest = sorted((k for k in keys if not _is_array_index(k)), key=lambda k: k.encode("utf-16-be", "surrogatepass"))
    return indexes + rest


def js_number(value: float | int) -> str:
    """Number.prototype.toString."""
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        if abs(value) < 10**21:
            return str(value)
        value = float(value)
    if math.isnan(value) or math.isinf(value):
        return "null"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    text = repr(abs(value))
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    # Position of the decimal point relative to the digits: value = 0.digits * 10^n.
    n = len(whole.lstrip("0")) + exponent if whole.strip("0") else exponent - (len(frac) - len(frac.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + out


def _string(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if _LONE_SURROGATE.search(text):
        text = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def canonical_json(value: Any) -> str:
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int | float):
        out.append(js_number(value))
    elif isinstance(value, dict):
        out.append("{")
        first = True
        for key in _key_order([str(k) for k in value]):
            if not first:
                out.append(",")
            first = False
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"not a JSON value: {type(value).__name__}")


def sha256_text(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def content_hash(record: dict[str, Any]) -> str:
    return sha256_text(canonical_json({k: v for k, v in record.items() if k != "hash"}))


def release_hash(prompts: dict[str, Any]) -> str:
    pairs = sorted(([name, entry["hash"]] for name, entry in prompts.items()), key=lambda p: str(p[0]).encode("utf-16-be", "surrogatepass"))
    return sha256_text(canonical_json(pairs))
