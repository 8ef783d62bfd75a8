"""Hostile `inputs` and output schemas and model responses: bounded checks, a "budget" violation, INVALID_BUNDLE when
the prompt loads and USAGE from the provider mappings, never a hang or a bare Python exception."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from promptsync import InputValidationError, OutputValidationError, PromptManager, PromptUnavailableError, UsageError, structured

from .conftest import CONFORMANCE, run_alone, tamper_prompt

GREETING = "prompts/conformance/greeting/v0.2.0/default.yaml"
# A check's budget is CHECK_BUDGET steps, a few seconds in Python when all of it is spent: the tests that spend it
# set this smaller one.
TEST_BUDGET = 200_000


def _hostile_greeting(registry: Path, change: Callable[[dict[str, Any]], None]) -> str:
    """A copy of the conformance registry at `registry` with prompt "greeting" rewritten and its hashes recomputed,
    as anyone who can write the bucket can, serving the compiled prompt files rather than the release bundle."""
    shutil.copytree(CONFORMANCE / "registry", registry)
    shutil.rmtree(registry / "prompts/conformance/_bundles")

    def as_v2(prompt: dict[str, Any]) -> None:
        prompt["format"] = "promptsync.prompt/v2"
        change(prompt)

    tamper_prompt(registry, "greeting", as_v2)
    return str(registry)


def _inputs(schema: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(prompt: dict[str, Any]) -> None:
        prompt["inputs"] = schema

    return change


def test_parse_output_scans_an_unterminated_string_once() -> None:
    """The string pattern was retried from every quote: 80 KB of escaped quotes took over a minute, 4 MB forever."""
    script = (
        "from promptsync import OutputValidationError, PromptManager\n"
        f"with PromptManager(registry={str(CONFORMANCE / 'registry')!r}, project='conformance') as pm:\n"
        "    prompt = pm.get_prompt('agent', version_or_alias='dev')\n"
        "    try:\n"
        "        prompt.parse_output('\"' + '\\\\\"' * 2_000_000)\n"
        "    except OutputValidationError as e:\n"
        "        print(e)\n"
    )
    assert "the response is not JSON: Unterminated string" in run_alone(script)


def test_brackets_in_an_unterminated_string_are_text_as_in_typescript() -> None:
    with PromptManager(registry=str(CONFORMANCE / "registry"), project="conformance") as pm:
        prompt = pm.get_prompt("agent", version_or_alias="dev")
        with pytest.raises(OutputValidationError, match="is not JSON") as info:
            prompt.parse_output('{"reply": "' + "[" * 200)
    assert info.value.violations == []


def test_a_pattern_over_the_budget_is_a_budget_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The matcher's BudgetExceeded escaped format() bare."""
    monkeypatch.setattr(structured, "CHECK_BUDGET", TEST_BUDGET, raising=False)
    registry = _hostile_greeting(tmp_path / "registry", _inputs({"properties": {"name": {"pattern": "[a-z]{0,999}!"}}}))
    with PromptManager(registry=registry, project="conformance") as pm:
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        with pytest.raises(InputValidationError) as info:
            prompt.format(name="a" * 5000, product="x")
    assert [v["rule"] for v in info.value.violations] == ["budget"]
    assert "too large to check against the inputs schema" in str(info.value)


def _fan_out(name: str, applicator: str, also: list[Any], leaf: dict[str, Any], depth: int) -> dict[str, Any]:
    """$defs where each level applies the next one twice: checking a value applies the leaf 2**depth times."""
    defs: dict[str, Any] = {f"{name}{i}": {applicator: [{"$ref": f"#/$defs/{name}{i + 1}"}] * 2 + also} for i in range(depth)}
    defs[f"{name}{depth}"] = leaf
    return defs


def test_ref_fan_out_spends_one_budget_per_check(tmp_path: Path) -> None:
    """With a fresh budget for every pattern search and none for the validator's own steps, a `$ref` fan-out ran
    2**30 checks. With patterns at the leaves and without, the check now stops at its budget."""
    schema = {
        "$defs": {
            **_fan_out("p", "allOf", [], {"type": "string", "pattern": "a$"}, 30),
            **_fan_out("t", "anyOf", [{"not": True}], {"type": "string"}, 30),
        },
        "properties": {"name": {"$ref": "#/$defs/p0"}, "product": {"$ref": "#/$defs/t0"}},
    }
    registry = _hostile_greeting(tmp_path / "registry", _inputs(schema))
    script = (
        "from promptsync import InputValidationError, PromptManager, structured\n"
        f"structured.CHECK_BUDGET = {TEST_BUDGET}\n"
        f"with PromptManager(registry={registry!r}, project='conformance') as pm:\n"
        "    prompt = pm.get_prompt('greeting', version_or_alias='dev')\n"
        "    for values in ({'name': 'a' * 5000, 'product': 'x'}, {'name': 'a', 'product': 1}):\n"
        "        try:\n"
        "            prompt.format(**values)\n"
        "        except InputValidationError as e:\n"
        "            print([v['rule'] for v in e.violations])\n"
    )
    assert run_alone(script).splitlines() == ["['budget']", "['budget']"]


def test_nesting_stops_short_of_the_recursion_limit(tmp_path: Path) -> None:
    """A `$ref` loop through `not`, checked from deep in the app's stack, could reach the recursion limit inside
    jsonschema's Rust-backed maps: a pyo3 PanicException (a BaseException) out of format(), at one stack depth in
    eight. Each depth of a run of sixteen now ends in a "depth" violation."""
    schema = {"$defs": {"loop": {"not": {"not": {"$ref": "#/$defs/loop"}}}}, "properties": {"name": {"$ref": "#/$defs/loop"}}}
    registry = _hostile_greeting(tmp_path / "registry", _inputs(schema))
    script = (
        "from promptsync import InputValidationError, PromptManager\n"
        "def deep_in_the_app(frames, call):\n"
        "    return call() if frames == 0 else deep_in_the_app(frames - 1, call)\n"
        f"with PromptManager(registry={registry!r}, project='conformance') as pm:\n"
        "    prompt = pm.get_prompt('greeting', version_or_alias='dev')\n"
        "    for frames in range(100, 116):\n"
        "        try:\n"
        "            deep_in_the_app(frames, lambda: prompt.format(name='a', product='x'))\n"
        "        except InputValidationError as e:\n"
        "            print([v['rule'] for v in e.violations])\n"
    )
    assert run_alone(script).splitlines() == ["['depth']"] * 16


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"properties": {"name": {"pattern": "(" * 400 + "a" + ")" * 400}}}, "groups nested deeper than 32"),
        ({"properties": {"name": {"multipleOf": 0}}}, "/properties/name/multipleOf must be a number above 0"),
        ({"properties": {"name": {"minLength": "1"}}}, "/properties/name/minLength must be a whole number, 0 or more"),
        ({"properties": {"name": {"type": "text"}}}, "/properties/name/type must be one of null, boolean"),
        ({"required": "name"}, "/required must be a list of distinct property names"),
        ({"properties": {"name": {"$ref": "#/$defs/missing"}}}, '$ref "#/$defs/missing" points to nothing in the schema'),
        (
            {"$defs": {"d": {"enum": [{"maxLength": None}]}}, "properties": {"name": {"$ref": "#/$defs/d/enum/0"}}},
            "/$defs/d/enum/0/maxLength must be a whole number, 0 or more",
        ),
        ({"properties": {"name": {"$id": "https://example.com/name"}}}, "$id is only supported at the root of the schema"),
    ],
)
def test_a_malformed_inputs_schema_is_an_invalid_bundle_when_the_prompt_loads(tmp_path: Path, schema: dict[str, Any], problem: str) -> None:
    """These loaded, then format() raised RecursionError, ZeroDivisionError, TypeError or a jsonschema error; the
    400 nested groups raised RecursionError from get_prompt itself. INVALID_BUNDLE lets the SDK try its fallbacks."""
    registry = _hostile_greeting(tmp_path / "registry", _inputs(schema))
    with PromptManager(registry=registry, project="conformance") as pm, pytest.raises(PromptUnavailableError) as info:
        pm.get_prompt("greeting", version_or_alias="dev")
    assert getattr(info.value.cause, "code", None) == "INVALID_BUNDLE"
    assert problem in str(info.value.cause)


def _nested_groups(depth: int) -> Callable[[dict[str, Any]], None]:
    return _inputs({"properties": {"name": {"pattern": "^" + "(" * depth + "a" + ")" * depth + "$"}}})


def test_pattern_groups_nest_32_deep_as_in_typescript(tmp_path: Path) -> None:
    with PromptManager(registry=_hostile_greeting(tmp_path / "at", _nested_groups(32)), project="conformance") as pm:
        assert pm.get_prompt("greeting", version_or_alias="dev").format(name="a", product="x") == "Hi a, welcome to x!"
    registry = _hostile_greeting(tmp_path / "past", _nested_groups(33))
    with (
        PromptManager(registry=registry, project="conformance") as pm,
        pytest.raises(PromptUnavailableError, match="groups nested deeper than 32"),
    ):
        pm.get_prompt("greeting", version_or_alias="dev")


def test_multiple_of_a_whole_number_past_float_range_is_a_violation(tmp_path: Path) -> None:
    """OverflowError escaped format(); TypeScript reads such a number as Infinity, a multiple of nothing."""
    registry = _hostile_greeting(tmp_path / "registry", _inputs({"properties": {"name": {"multipleOf": 0.5}}}))
    with PromptManager(registry=registry, project="conformance") as pm:
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        with pytest.raises(InputValidationError) as info:
            prompt.format(name=10**400, product="x")
    assert [v["rule"] for v in info.value.violations] == ["multipleOf"]


def _nested(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    for _ in range(depth):
        schema = {"not": schema}
    return schema


def _schema_nested(where: str, depth: int) -> Callable[[dict[str, Any]], None]:
    def change(prompt: dict[str, Any]) -> None:
        prompt["model"] = {"name": "a-model", "max_tokens": 100}
        if where == "output":
            prompt["output"] = {"name": "reply", "schema": _nested(depth)}
        else:
            prompt["tools"] = [{"name": "look_up", "parameters": _nested(depth)}]

    return change


def _request_schema(body: dict[str, Any], where: str) -> dict[str, Any]:
    schema: dict[str, Any] = body["output_config"]["format"]["schema"] if where == "output" else body["tools"][0]["input_schema"]
    return schema


@pytest.mark.parametrize("where", ["output", "tools"])
def test_a_schema_too_deep_for_a_provider_request_is_a_usage_error(tmp_path: Path, where: str) -> None:
    """copy.deepcopy raised a bare RecursionError from to_openai() and to_anthropic() on schemas about 500 deep.
    As in TypeScript, a schema is copied into a request at most 256 levels deep."""
    with PromptManager(registry=_hostile_greeting(tmp_path / "past", _schema_nested(where, 257)), project="conformance") as pm:
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        requests: dict[str, Callable[[], dict[str, Any]]] = {
            "to_openai (Responses API)": lambda: prompt.to_openai(name="a", product="x"),
            "to_openai (Chat Completions API)": lambda: prompt.to_openai(api="chat", name="a", product="x"),
            "to_anthropic (Messages API)": lambda: prompt.to_anthropic(name="a", product="x"),
        }
        for api, request in requests.items():
            with pytest.raises(UsageError, match=rf'Prompt "greeting": {re.escape(api)}: a schema nests deeper than 256 levels'):
                request()
    with PromptManager(registry=_hostile_greeting(tmp_path / "at", _schema_nested(where, 256)), project="conformance") as pm:
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        body = prompt.to_anthropic(name="a", product="x")
        assert _request_schema(body, where) == _nested(256)
        _request_schema(body, where)["not"] = "edited by the app"
        assert _request_schema(prompt.to_anthropic(name="a", product="x"), where) == _nested(256)
