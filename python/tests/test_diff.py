"""diff's text hunks against the npm diff library's (src/diff/hunks.ts) for the same texts; the semantic diff
itself is in the conformance table (cases.json `diffs`)."""

from __future__ import annotations

from promptsync.diff import text_hunks


def test_text_hunks_equal_the_typescript_ones() -> None:
    a = "\n".join(f"line {i}" for i in range(12))
    b = a.replace("line 1\n", "line one\n").replace("line 10", "line ten\nline ten and a half")
    assert text_hunks(a, b) == [
        {"oldStart": 1, "oldLines": 5, "newStart": 1, "newLines": 5, "lines": [" line 0", "-line 1", "+line one", " line 2", " line 3", " line 4"]},
        {
            "oldStart": 8,
            "oldLines": 5,
            "newStart": 8,
            "newLines": 6,
            "lines": [" line 7", " line 8", " line 9", "-line 10", "+line ten", "+line ten and a half", " line 11"],
        },
    ]
    assert text_hunks("x", "") == [{"oldStart": 1, "oldLines": 1, "newStart": 1, "newLines": 1, "lines": ["-x", "+"]}]
