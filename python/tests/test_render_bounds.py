"""Hostile templates that went past the render budget inside one step: the text of a list made by str() before it
was measured, big-integer arithmetic, quadratic filters, and blocks nested deeper than Python's compiler allows.
A case that could run for minutes or take gigabytes runs in a process of its own (60 s, 1 GiB), so that a
regression fails instead of stopping the suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

from promptsync import InvalidBundleError, PromptManager, PromptUnavailableError, RenderError, RenderLimitError
from promptsync.render import MAX_BLOCK_NESTING, RenderLimits, render_template_text

from .conftest import run_alone, tamper_prompt

RENDER_IN_A_PROCESS = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
from promptsync import PromptSyncError
from promptsync.render import render_template_text
try:
    print(json.dumps({"output": render_template_text(sys.argv[1], {})}))
except PromptSyncError as e:
    print(json.dumps({"error": type(e).__name__, "limit": getattr(e, "limit", None), "message": str(e)}))
"""


def render_in_a_process(template: str) -> dict[str, str]:
    result: dict[str, str] = json.loads(run_alone(RENDER_IN_A_PROCESS, template))
    return result


# x is 4,000,000 characters; l holds it 250 times: its text would be a billion characters.
BIG_LIST = '{% set x = "a" * 4000000 %}{% set l = [x] * 250 %}'
OVER_THE_OUTPUT = "would be over 4194304 characters long"
TEXT_OF_A_LIST = {
    "output": ("{{ l }}", "a value's text " + OVER_THE_OUTPUT),
    "output_of_markup_items": ("{% set m = x | e %}{{ [m] * 250 }}", "a value's text " + OVER_THE_OUTPUT),
    "output_of_a_dict_view": ('{{ {"a": l}.items() }}', "a value's text " + OVER_THE_OUTPUT),
    "output_of_groups": ('{{ [{"a": 1, "b": l}] | groupby("a") }}', "a value's text " + OVER_THE_OUTPUT),
    "string_filter": ("{{ l | string }}", "the text the string filter reads " + OVER_THE_OUTPUT),
    "tojson": ("{{ l | tojson }}", "the result of tojson " + OVER_THE_OUTPUT),
    "tilde": ('{{ l ~ "" }}', "a string made with ~ " + OVER_THE_OUTPUT),
    "join_of_lists": ("{{ [l] | join }}", "the result of join " + OVER_THE_OUTPUT),
    "join_attribute": ("{{ ([[x]] * 250) | join(attribute=0) }}", "the result of join " + OVER_THE_OUTPUT),
    "percent_repeats_an_argument": ('{{ ("%(a)s" * 250) % {"a": x} }}', "a %-formatted string " + OVER_THE_OUTPUT),
    "percent_of_a_list": ('{{ "%s" % (l,) }}', "a %-formatted string " + OVER_THE_OUTPUT),
    "upper": ("{{ l | upper }}", "the text the upper filter reads " + OVER_THE_OUTPUT),
    "escape": ("{{ l | e }}", "the text the e filter reads " + OVER_THE_OUTPUT),
    "replace_argument": ('{{ "a" | replace("a", l) }}', "the text the replace filter reads " + OVER_THE_OUTPUT),
    "urlencode": ('{{ {"a": l} | urlencode }}', "the result of urlencode " + OVER_THE_OUTPUT),
    "urlize_target": ('{{ ("x.y " * 100000) | urlize(target=x) }}', "the result of urlize would be"),
    "lower_test": ("{{ l is lower }}", "the text a test reads " + OVER_THE_OUTPUT),
    "index_error_message": ("{{ [].index(l) }}", "the value index() looks for " + OVER_THE_OUTPUT),
}


@pytest.mark.parametrize("name", list(TEXT_OF_A_LIST))
def test_the_text_of_a_list_is_measured_before_str_makes_it(name: str) -> None:
    template, message = TEXT_OF_A_LIST[name]
    result = render_in_a_process(BIG_LIST + template)
    assert result.get("error") == "RenderLimitError" and result["limit"] == "maxOutputLength", result
    assert message in result["message"], result


def test_a_missing_key_names_a_large_key_briefly() -> None:
    # Undefined's message printed the whole key it was read with.
    result = render_in_a_process(BIG_LIST + "{{ {}[l] }}")
    assert result.get("error") == "RenderError" and "..." in result["message"] and len(result["message"]) < 1000, result


def test_values_print_as_before() -> None:
    values = {"l": [1, "a", None, {"b": [1.5, True]}], "users": [{"name": "ada"}, {"name": "bob"}]}
    template = "{{ l }}|{{ l ~ '' }}|{{ '%s' % (l,) }}|{{ l | tojson }}|{{ users | join(', ', attribute='name') }}|{{ {'a': 1}.items() }}"
    expected = "[1, 'a', None, {'b': [1.5, True]}]|" * 3 + '[1, "a", null, {"b": [1.5, true]}]|ada, bob|dict_items([(\'a\', 1)])'
    assert render_template_text(template, values) == expected


BIG_INTEGERS = {
    "floor_division": "{{ (2 ** 6400000 - 1) // (2 ** 3200000 - 3) }}",
    "power": "{{ 7 ** 4900000 }}",
    "repeated_squares": "{% macro sq(n, k) %}{% if k %}{{ sq(n * n, k - 1) }}{% else %}{{ n % 10 }}{% endif %}{% endmacro %}{{ sq(3 ** 50000, 12) }}",
    "subtraction": "{{ 2 ** 100000 - 1 }}",
    "negation": '{{ -(("1" * 200000) | int(base=2)) }}',
    "round": "{{ 5 | round(-30000000) }}",
}


@pytest.mark.parametrize("name", list(BIG_INTEGERS))
def test_integers_over_the_bound_are_refused_before_they_are_made(name: str) -> None:
    result = render_in_a_process(BIG_INTEGERS[name])
    assert result == {
        "error": "RenderLimitError",
        "limit": "maxOutputLength",
        "message": 'prompt "template" line 1: a number would be over 100000 bits long',
    }


def test_integers_within_the_bound_compute_as_before() -> None:
    template = "{{ 7 ** 35000 % 10 }} {{ (2 ** 1000 - 1) // 3 % 7 }} {{ -(2 ** 99990) < 0 }} {{ 7 / 2 }} {{ 5 | round(-1) }}"
    assert render_template_text(template, {}) == "1 5 True 3.5 0"


def test_sum_refuses_a_list_start() -> None:
    # sum(start=[]) copies the growing list at every item: 53 s for this one.
    result = render_in_a_process("{{ ([[1]] * 100000) | sum(start=[]) }}")
    assert result == {
        "error": "RenderError",
        "limit": None,
        "message": 'Rendering "template" failed: line 1: sum takes a number as its start',
    }
    assert render_template_text("{{ [1, 2.5] | sum(start=3) }}", {}) == "6.5"
    with pytest.raises(RenderError):
        render_template_text("{{ [[1]] | sum(none, []) }}", {})


def test_striptags_of_many_tags_is_charged_to_the_budget() -> None:
    # MarkupSafe's striptags searched from the start after every tag: minutes for these two million.
    result = render_in_a_process('{{ ("<>" * 2000000) | striptags }}')
    assert result.get("error") == "RenderLimitError" and result["limit"] == "maxOperations", result


def test_striptags_keeps_markupsafes_output() -> None:
    texts = [
        "<p>Hello <b>world</b></p>",
        "a &amp; b <!-- c <d> --> e &raquo;",
        "<a href='x'>link</a>\n\n\t text < no end",
        "<!<!--x-->-- y -->z",
        "x &lt;b&gt; <!-- unclosed",
    ]
    for text in texts:
        assert render_template_text("{{ t | striptags }}", {"t": text}) == Markup(text).striptags(), text
    assert render_template_text("{{ ('<b>x</b> ' * 100000) | striptags | length }}", {}) == "199999"


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("{% for a in name %}", "{% endfor %}"), ("{% if name %}", "{% endif %}"), ("{% filter upper %}", "{% endfilter %}")],
)
def test_blocks_nested_past_the_bound_are_a_template_error(opening: str, closing: str) -> None:
    deep = MAX_BLOCK_NESTING + 1
    with pytest.raises(InvalidBundleError, match=f"block tags are nested more than {MAX_BLOCK_NESTING} deep"):
        render_template_text(opening * deep + "x" + closing * deep, {"name": "a"})
    assert render_template_text(opening * MAX_BLOCK_NESTING + "x" + closing * MAX_BLOCK_NESTING, {"name": "a"}) in ("x", "X")


def test_nesting_beyond_pythons_limits_is_a_template_error() -> None:
    # 25 loops and 101 ifs were a bare SyntaxError and IndentationError from Python's compiler.
    for template in ["{% for a in x %}" * 25 + "{% endfor %}" * 25, "{% if x %}" * 101 + "{% endif %}" * 101]:
        with pytest.raises(InvalidBundleError, match="nested more than 20 deep"):
            render_template_text(template, {"x": []})
    with pytest.raises(InvalidBundleError, match="nested too deeply to compile"):
        render_template_text("{{ x" + " and x" * 200 + " }}", {"x": "a"})
    assert render_template_text("{% if x %}a" + "{% elif x %}b" * 300 + "{% else %}c{% endif %}", {"x": 0}) == "c"


def test_a_registry_template_nested_too_deeply_is_an_invalid_bundle(registry_copy: Path) -> None:
    def nest_25_loops(prompt: dict[str, Any]) -> None:
        prompt["content"] = "{% for a in name %}" * 25 + "{% endfor %}" * 25

    tamper_prompt(registry_copy, "greeting", nest_25_loops)
    with PromptManager(registry=str(registry_copy), project="conformance") as pm, pytest.raises(PromptUnavailableError) as info:
        pm.get_prompt("greeting", version_or_alias="dev")
    assert getattr(info.value.cause, "code", None) == "INVALID_BUNDLE"
    assert "nested more than 20 deep" in str(info.value.cause)


def test_outputs_of_empty_values_are_counted_against_the_budget() -> None:
    """An output of "" cost no operation, and the clock was read only per 256 operations: 100,000 of them in a
    1,000-item loop rendered for seconds past the timeout. Each output is now a step, as in the TypeScript SDK."""
    template = "{% for i in range(100) %}" + "{{ e }}" * 1000 + "{% endfor %}"
    with pytest.raises(RenderLimitError, match="over 10000 steps") as info:
        render_template_text(template, {"e": ""}, limits=RenderLimits(max_operations=10_000))
    assert info.value.limit == "maxOperations"
    assert render_template_text("{% for i in range(100) %}{{ e }}{% endfor %}", {"e": "."}, limits=RenderLimits(max_operations=240)) == "." * 100
