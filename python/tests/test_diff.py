"""diff's text hunks against the npm diff library's (src/diff/hunks.ts) for the same texts; the semantic diff
itself is in the conformance table (cases.json `diffs`)."""

from __future__ import annotations

import json

from promptsync.diff import text_hunks

from .conftest import run_alone


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


def test_text_hunks_of_hostile_text_are_bounded() -> None:
    """Repeated lines sent difflib's matcher into cubic time (this pair ran for minutes): past a count of line
    comparisons the whole text is one hunk, as the TypeScript diff does past its edit bound. Run in a process of its
    own, so that a hang fails the test instead of stopping the suite."""
    script = (
        "import json; from promptsync.diff import text_hunks\n"
        "print(json.dumps(text_hunks('\\n'.join(['a', 'b'] * 4000), '\\n'.join(['b', 'a', 'c'] * 3000))))"
    )
    assert json.loads(run_alone(script)) == [
        {"oldStart": 1, "oldLines": 8000, "newStart": 1, "newLines": 9000, "lines": [*(["-a", "-b"] * 4000), *(["+b", "+a", "+c"] * 3000)]}
    ]


def test_an_ordinary_edit_of_a_long_text_keeps_its_hunks() -> None:
    a = "\n".join(f"line {i} of a long prompt" for i in range(3000))
    b = a.replace("line 1500 of", "line 1500, edited, of")
    assert text_hunks(a, b) == [
        {
            "oldStart": 1498,
            "oldLines": 7,
            "newStart": 1498,
            "newLines": 7,
            "lines": [
                *(f" line {i} of a long prompt" for i in range(1497, 1500)),
                "-line 1500 of a long prompt",
                "+line 1500, edited, of a long prompt",
                *(f" line {i} of a long prompt" for i in range(1501, 1504)),
            ],
        }
    ]
