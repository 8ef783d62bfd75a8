"""What changed in a prompt between two versions, semantically (src/diff/compare.ts): the same structure as the
TypeScript SDK's pm.diff and `promptsync diff --format json`. Text hunks come from difflib rather than the npm
`diff` library, so their lines may be grouped differently; everything else is equal."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Mapping
from typing import Any

from .canonical import canonical_json

PromptChange = dict[str, Any]
PromptDiff = dict[str, Any]

METADATA = ("title", "description", "model", "config", "inputs", "template")
MAX_OUTPUT_DEPTH = 32
MAX_OUTPUT_STEPS = 10_000
MAX_OUTPUT_PROBLEMS = 50
# Line comparisons a text diff makes at most; past it, the whole text is one hunk, every line removed and added, as
# the TypeScript diff does past its edit bound (src/diff/hunks.ts). Template text is hostile: difflib's matcher takes
# time cubic in the lines on repeated ones (16 KB of "a" and "b" lines ran for minutes). A count, not a clock, so
# the same versions always give the same hunks; about a second of Python at most.
MAX_LINE_COMPARISONS = 3_000_000


def compare_prompts(name: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> PromptDiff:
    """What changed between two compiled prompts: the contract first, then the text."""
    if before is None:
        return {"name": name, "status": "added", "changes": _describe_whole(after) if after is not None else []}
    if after is None:
        return {"name": name, "status": "removed", "changes": []}
    if before["hash"] == after["hash"]:
        return {"name": name, "status": "unchanged", "changes": []}
    changes: list[PromptChange] = []
    if before["kind"] != after["kind"]:
        changes.append({"kind": "kind", "before": before["kind"], "after": after["kind"]})
    variables = _compare_variables(before, after)
    if variables is not None:
        changes.append(variables)
    changes.extend(_compare_bodies("default", before, after))
    changes.extend(compare_structure("default", before, after))
    before_variants = {canonical_json(v["tags"]): v for v in before.get("variants") or []}
    after_variants = {canonical_json(v["tags"]): v for v in after.get("variants") or []}
    for tags, variant in before_variants.items():
        following = after_variants.get(tags)
        if following is None:
            changes.append({"kind": "variant", "change": "removed", "id": variant["id"], "tags": variant["tags"]})
        elif following["hash"] != variant["hash"]:
            changes.append({"kind": "variant", "change": "changed", "id": following["id"], "tags": following["tags"]})
            changes.extend(_compare_bodies(f"variant {following['id']}", variant, following))
            changes.extend(compare_structure(f"variant {following['id']}", variant, following))
    for tags, variant in after_variants.items():
        if tags not in before_variants:
            changes.append({"kind": "variant", "change": "added", "id": variant["id"], "tags": variant["tags"]})
    changes.extend(_compare_partials(before, after))
    for field in METADATA:
        if canonical_json(before.get(field)) != canonical_json(after.get(field)):
            change: PromptChange = {"kind": "metadata", "field": field}
            if before.get(field) is not None:
                change["before"] = before[field]
            if after.get(field) is not None:
                change["after"] = after[field]
            changes.append(change)
    return {"name": name, "status": "changed" if changes else "unchanged", "changes": changes}


def text_hunks(before: str, after: str) -> list[dict[str, Any]]:
    """Unified-diff hunks with 3 lines of context: oldStart, oldLines, newStart, newLines and lines prefixed with
    " ", "-" or "+"."""
    a = _ensure_newline(before).splitlines()
    b = _ensure_newline(after).splitlines()
    try:
        groups = list(_BoundedMatcher(a, b).get_grouped_opcodes(3))
    except _OverBudget:
        return [_whole_text_hunk(a, b)]
    hunks: list[dict[str, Any]] = []
    for group in groups:
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lines: list[str] = []
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                lines.extend(" " + line for line in a[a1:a2])
                continue
            lines.extend("-" + line for line in a[a1:a2])
            lines.extend("+" + line for line in b[b1:b2])
        old_lines, new_lines = i2 - i1, j2 - j1
        hunks.append(
            {
                "oldStart": i1 + 1 if old_lines else i1,
                "oldLines": old_lines,
                "newStart": j1 + 1 if new_lines else j1,
                "newLines": new_lines,
                "lines": lines,
            }
        )
    return hunks


class _OverBudget(Exception):
    pass


class _BoundedMatcher(difflib.SequenceMatcher[str]):
    """difflib's matcher, counting the comparisons each longest-match search makes (one per occurrence in b of each
    line of a's range) before it makes them, and stopping past MAX_LINE_COMPARISONS."""

    def __init__(self, a: list[str], b: list[str]) -> None:
        super().__init__(None, a, b, autojunk=False)
        self._lines = a
        self._occurrences = Counter(b)
        self._comparisons = 0

    def find_longest_match(self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None) -> difflib.Match:
        end = len(self._lines) if ahi is None else ahi
        self._comparisons += end - alo + sum(self._occurrences[line] for line in self._lines[alo:end])
        if self._comparisons > MAX_LINE_COMPARISONS:
            raise _OverBudget
        return super().find_longest_match(alo, ahi, blo, bhi)


def _whole_text_hunk(a: list[str], b: list[str]) -> dict[str, Any]:
    return {"oldStart": 1, "oldLines": len(a), "newStart": 1, "newLines": len(b), "lines": [*("-" + line for line in a), *("+" + line for line in b)]}


def _ensure_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def _describe_whole(prompt: Mapping[str, Any]) -> list[PromptChange]:
    variables = prompt.get("variables") or []
    if not variables:
        return []
    required = [v["name"] for v in variables if v.get("required")]
    return [{"kind": "variables", "added": [v["name"] for v in variables], "removed": [], "nowRequired": required, "nowOptional": [], "breaking": []}]


def _placeholders(messages: Any) -> list[dict[str, Any]]:
    return [m for m in messages or [] if isinstance(m, dict) and "placeholder" in m]


def _compare_variables(before: Mapping[str, Any], after: Mapping[str, Any]) -> PromptChange | None:
    was = {v["name"]: bool(v.get("required")) for v in before.get("variables") or []}
    now = {v["name"]: bool(v.get("required")) for v in after.get("variables") or []}
    added = [n for n in now if n not in was]
    removed = [n for n in was if n not in now]
    now_required = [n for n, r in now.items() if r and was.get(n) is False]
    now_optional = [n for n, r in now.items() if not r and was.get(n) is True]
    if not (added or removed or now_required or now_optional):
        return None
    # A placeholder's name is a variable too; its changes are judged as a placeholder's (compare_structure).
    bodies = [before, after, *(before.get("variants") or []), *(after.get("variants") or [])]
    placeholders = {p["placeholder"] for body in bodies for p in _placeholders(body.get("messages"))}
    passed = {n for n, r in was.items() if r}
    breaking = [n for n, r in now.items() if r and n not in passed and n not in placeholders]
    return {"kind": "variables", "added": added, "removed": removed, "nowRequired": now_required, "nowOptional": now_optional, "breaking": breaking}


def _slot(message: Mapping[str, Any]) -> str:
    return f"placeholder:{message['placeholder']}" if "placeholder" in message else str(message["role"])


def _url_text(url: str) -> str:
    import re

    data = re.match(r"^data:([^,]{0,100}),", url, re.I)
    return f"data:{data[1]},… ({len(url.encode('utf-16-le')) // 2} characters)" if data else url


def _part_text(part: Mapping[str, Any]) -> str:
    kind = part["type"]
    if kind == "text":
        return f"(text) {part['text']}"
    if kind == "image":
        detail = f", detail {part['detail']}" if part.get("detail") else ""
        return f"(image{detail}) {_url_text(part['url'])}"
    if kind == "file":
        filename = f" {part['filename']}" if part.get("filename") else ""
        return f"(file{filename}) {_url_text(part['url'])}"
    return f"(audio) {_url_text(part['url'])}"


def _message_text(message: Mapping[str, Any]) -> str:
    if "placeholder" in message:
        return f"[placeholder {message['placeholder']}{'' if message.get('required') else ' (optional)'}]"
    content = message["content"]
    text = content if isinstance(content, str) else "\n".join(_part_text(p) for p in content)
    return f"[{message['role']}]\n{text}"


def _compare_bodies(target: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[PromptChange]:
    changes: list[PromptChange] = []
    if before.get("messages") is not None or after.get("messages") is not None:
        roles_before = [_slot(m) for m in before.get("messages") or []]
        roles_after = [_slot(m) for m in after.get("messages") or []]
        if roles_before != roles_after:
            changes.append({"kind": "messages", "before": roles_before, "after": roles_after})

    def text(body: Mapping[str, Any]) -> str:
        content = body.get("content")
        return content if content is not None else "\n".join(_message_text(m) for m in body.get("messages") or [])

    a, b = text(before), text(after)
    if a != b:
        changes.append({"kind": "template", "target": target, "before": a, "after": b, "hunks": text_hunks(a, b)})
    return changes


def _changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    keys = sorted(set(before) | set(after))
    return ", ".join(k for k in keys if canonical_json(before.get(k)) != canonical_json(after.get(k)))


def compare_structure(target: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[PromptChange]:
    """The placeholder, tool and output changes between two versions of a body, each marked breaking as validate
    judges it (src/structured/compare-structure.ts)."""
    changes: list[PromptChange] = []

    def change(what: str, kind: str, name: str, detail: str | None = None, breaking: list[str] | None = None) -> None:
        entry: PromptChange = {"kind": "structure", "target": target, "what": what, "change": kind, "name": name}
        if detail is not None:
            entry["detail"] = detail
        if breaking:
            entry["breaking"] = breaking
        changes.append(entry)

    was = {p["placeholder"]: bool(p.get("required")) for p in _placeholders(before.get("messages"))}
    now = {p["placeholder"]: bool(p.get("required")) for p in _placeholders(after.get("messages"))}
    for name, required in was.items():
        if name not in now:
            change("placeholder", "removed", name, None, [f"placeholder {name} removed (the code fills it)"])
        elif now[name] != required:
            change("placeholder", "changed", name, "now required" if now[name] else "now optional", [f"new required placeholder {name}"] if now[name] else None)
    for name, required in now.items():
        if name not in was:
            change("placeholder", "added", name, "required" if required else "optional", [f"new required placeholder {name}"] if required else None)
    tools_before = {t["name"]: t for t in before.get("tools") or []}
    tools_after = {t["name"]: t for t in after.get("tools") or []}
    for name, tool in tools_before.items():
        following = tools_after.get(name)
        if following is None:
            change("tool", "removed", name, None, [f"tool {name} removed (the code handles its calls)"])
        elif canonical_json(tool) != canonical_json(following):
            change("tool", "changed", name, _changed_fields(tool, following))
    for name in tools_after:
        if name not in tools_before:
            change("tool", "added", name)
    o1, o2 = before.get("output"), after.get("output")
    if o1 and not o2:
        change("output", "removed", o1["name"], None, [f"output schema {o1['name']} removed (the code parses responses with it)"])
    elif not o1 and o2:
        change("output", "added", o2["name"])
    elif o1 and o2 and canonical_json(o1) != canonical_json(o2):
        change("output", "changed", o2["name"], _changed_fields(o1, o2), output_schema_breaks(o1["schema"], o2["schema"]))
    return changes


def output_schema_breaks(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What in a new output schema breaks code that parses responses by the old one (src/structured/output-compat.ts),
    bounded as there: a name required twice is walked once, at most MAX_OUTPUT_STEPS nodes and MAX_OUTPUT_PROBLEMS
    problems."""
    problems: list[str] = []
    steps = 0
    stopped = False

    def report(problem: str) -> None:
        nonlocal stopped
        if len(problems) < MAX_OUTPUT_PROBLEMS:
            problems.append(problem)
        else:
            stopped = True

    def walk(was: Any, now: Any, path: str, depth: int) -> None:
        nonlocal steps, stopped
        if not isinstance(was, dict) or not isinstance(now, dict) or depth > MAX_OUTPUT_DEPTH or stopped:
            return
        steps += 1
        if steps > MAX_OUTPUT_STEPS:
            stopped = True
            return
        if "type" in was and "type" in now and canonical_json(was["type"]) != canonical_json(now["type"]):
            report(f"output field {path or '(the response)'} changes type from {canonical_json(was['type'])} to {canonical_json(now['type'])}")
            return
        if "items" in was:
            walk(was["items"], now.get("items"), f"{path}[]", depth + 1)
        required = dict.fromkeys(n for n in was["required"] if isinstance(n, str)) if isinstance(was.get("required"), list) else {}
        still_required = {n for n in now["required"] if isinstance(n, str)} if isinstance(now.get("required"), list) else set()
        was_properties = was["properties"] if isinstance(was.get("properties"), dict) else {}
        now_properties = now["properties"] if isinstance(now.get("properties"), dict) else {}
        for name in required:
            field = f"{path}.{name}" if path else name
            if name not in now_properties and name not in still_required:
                report(f"output field {field} is removed")
            elif name not in still_required:
                report(f"output field {field} is no longer required")
            elif name in was_properties:
                walk(was_properties[name], now_properties.get(name), field, depth + 1)

    walk(before, after, "", 0)
    if stopped:
        problems.append(
            f"output schemas compared only in part (past {MAX_OUTPUT_PROBLEMS} problems or {MAX_OUTPUT_STEPS} fields): check the rest by hand"
        )
    return problems


def _own_source(prompt: Mapping[str, Any]) -> str:
    return canonical_json({k: v for k, v in prompt.items() if k not in ("partials", "variables", "hash", "format")})


def _compare_partials(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[PromptChange]:
    was = before.get("partials") or {}
    now = after.get("partials") or {}
    through = _own_source(before) == _own_source(after)
    changes: list[PromptChange] = []
    for name in sorted(set(was) | set(now)):
        a, b = was.get(name), now.get(name)
        if (a or {}).get("hash") == (b or {}).get("hash"):
            continue
        changes.append({"kind": "partial", "change": "added" if not a else "removed" if not b else "changed", "name": name, "through": through})
        if a and b:
            changes.append(
                {"kind": "template", "target": f"partial {name}", "before": a["content"], "after": b["content"], "hunks": text_hunks(a["content"], b["content"])}
            )
    return changes
