"""Hostile templates, registry objects and names: refused, bounded, confined."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from promptsync import InvalidBundleError, PromptManager, PromptSyncError, PromptUnavailableError, RenderLimitError, UnsafeTemplateError
from promptsync.render import RenderLimits, render_template_text

from .conftest import CONFORMANCE, tamper_prompt

PWN = "__import__('os').system('touch /tmp/promptsync-pwned')"

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.system('id') }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ range.__self__ }}",
    "{% set k = '__cla' ~ 'ss__' %}{{ ''[k] }}",
    "{% set k = '__glo' ~ 'bals__' %}{{ cycler.__init__[k] }}",
    "{{ x['__class__']['__base__'] }}",
    "{{ ''.format.__globals__ }}",
    "{{ '{0.__class__}'.format('') }}",
    "{{ 'a'.__add__('b') }}",
    "{% macro m() %}{% endmacro %}{{ m.__globals__ }}",
    "{% macro m() %}{% endmacro %}{{ m._func }}",
    "{{ self.__init__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ namespace() }}",
    "{{ dict(a=1) }}",
    "{% for f in [''.upper] %}{{ f.__self__ }}{% endfor %}",
    "{{ [].append(1) }}",
    "{{ {}.update(a=1) }}",
    "{{ {}.setdefault('a', 1) }}",
    "{{ ''.ljust(100) }}",
    "{{ x|attr('__class__') }}",
    "{{ fn() }}",
    "{{ obj.method() }}",
    "{{ obj.__dict__ }}",
    "{% include 'x' %}",
    "{% extends 'x' %}",
    "{% import 'x' as y %}",
    "{{ loop.__class__ }}",
    "{% for x in [1] %}{{ loop._iterator }}{% endfor %}",
    "{% set c = cycler(1) %}{{ c.items }}",
]


class AppObject:
    def __init__(self) -> None:
        self.name = "ada"
        self.called = False

    def method(self) -> str:
        self.called = True
        return "called"


@pytest.mark.parametrize("template", ESCAPES)
def test_sandbox_escapes_are_refused(template: str) -> None:
    calls: list[str] = []
    obj = AppObject()
    values: dict[str, Any] = {"x": "s", "fn": lambda: calls.append("fn"), "obj": obj}
    with pytest.raises(PromptSyncError) as info:
        render_template_text(template, values)
    assert info.value.code in ("UNSAFE_TEMPLATE", "RENDER_FAILED", "INVALID_BUNDLE"), str(info.value)
    assert calls == [] and obj.called is False
    assert not Path("/tmp/promptsync-pwned").exists()


def test_escapes_reaching_python_internals_are_unsafe_template() -> None:
    for template in ESCAPES[:13]:
        with pytest.raises(UnsafeTemplateError):
            render_template_text(template, {"x": "s"})


def test_app_values_are_data() -> None:
    obj = AppObject()
    assert render_template_text("{{ o.name }}|{{ o.method is defined }}|{{ f is defined }}", {"o": obj, "f": print}) == "ada|False|False"
    with pytest.raises(RenderLimitError) as info:
        cyclic: dict[str, Any] = {}
        cyclic["self"] = cyclic
        render_template_text("{{ c }}", {"c": cyclic})
    assert info.value.limit == "maxDepth"


# The hostile templates of test/render-budget.test.ts (and the trusted-rendering issue): each ends with RENDER_LIMIT,
# naming the limit, within about a second.
BUDGET = {
    "range_huge": ("{% for i in range(100000000) %}{% endfor %}", "maxRange"),
    "nested_loops": ("{% for i in range(20000) %}{% for j in range(20000) %}{% endfor %}{% endfor %}", "maxOperations"),
    "indent_huge": ('{{ "x" | indent(500000000) }}', "maxOutputLength"),
    "center_huge": ('{{ "x" | center(300000000) }}', "maxOutputLength"),
    "range_length": ("{{ range(0, 200000000, 1) | length }}", "maxRange"),
    "recursion": ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}", "maxDepth"),
    "fan_out": (
        "{% macro m(n) %}{% if n < 60 %}{{ m(n + 1) }}{{ m(n + 1) }}{% endif %}{% endmacro %}{{ m(0) }}",
        ("maxOperations", "timeoutMs"),
    ),
    "batch_fill": ('{{ [1] | batch(1000000000, "x") | length }}', "maxRange"),
    "slice_count": ("{{ [1] | slice(1000000000) | length }}", "maxRange"),
    "tojson_indent": ("{{ [[[[1]]]] | tojson(indent=100000000) }}", "maxOutputLength"),
    "join_separator": ('{% set s = "x" | center(4000000) %}{{ range(1000) | join(s) }}', "maxOutputLength"),
    "output": ('{% set s = "x" | center(1000000) %}{% for i in range(100) %}{{ s }}{% endfor %}', "maxOutputLength"),
    "list_concat": ("{% set xs = range(100000) %}{{ (xs + xs) | length }}", "maxRange"),
    # Jinja2 scopes {% set %} to one loop iteration, so the doubling templates of the TypeScript suite stay small
    # here; the same growth written as recursion, or unrolled, reaches the limit.
    "doubling_macro": (
        '{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s | length }}{% endif %}{% endmacro %}{{ d("x", 64) }}',
        "maxOutputLength",
    ),
    "doubling_plus_macro": (
        '{% macro d(s, n) %}{% if n %}{{ d(s + s, n - 1) }}{% endif %}{% endmacro %}{{ d("x", 64) }}',
        "maxOutputLength",
    ),
    "replace_growth": (
        '{% macro d(s, n) %}{% if n %}{{ d(s | replace("", s), n - 1) }}{% endif %}{% endmacro %}{{ d("abcdefgh", 30) }}',
        "maxOutputLength",
    ),
    "replace_method": (
        '{% macro d(s, n) %}{% if n %}{{ d(s.replace("", s), n - 1) }}{% endif %}{% endmacro %}{{ d("abcdefgh", 30) }}',
        "maxOutputLength",
    ),
    "set_block": (
        '{% set s = "x" | center(100000) %}{% set x %}{% for i in range(990) %}{{ s }}{% endfor %}{% endset %}done',
        "maxOutputLength",
    ),
    "call_block": (
        '{% macro a() %}{% for i in range(1000) %}{{ caller() }}{% endfor %}{% endmacro %}{% call a() %}{{ "x" | center(100000) }}{% endcall %}',
        "maxOutputLength",
    ),
    "string_repeat": ('{{ "ab" * 1000000000 }}', "maxOutputLength"),
    "power": ("{{ 9 ** 999999999 }}", "maxOutputLength"),
    "percent_width": ("{{ '%900000000s' % 'a' }}", "maxOutputLength"),
    "loop_recursive": ("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "maxDepth"),
}


@pytest.mark.parametrize("name", list(BUDGET))
def test_hostile_templates_end_with_the_render_limit(name: str) -> None:
    template, limit = BUDGET[name]
    started = time.perf_counter()
    with pytest.raises(RenderLimitError) as info:
        render_template_text(template, {})
    elapsed = time.perf_counter() - started
    assert info.value.code == "RENDER_LIMIT"
    assert info.value.limit in (limit if isinstance(limit, tuple) else (limit,))
    assert info.value.line == 1
    assert elapsed < 3, elapsed


def test_jinja2_loop_scoping_keeps_the_typescript_doubling_templates_small() -> None:
    # The same templates as render-budget.test.ts's doubling cases: Jinja2 (the reference) does not carry a {% set %}
    # from one iteration to the next, so they render at once.
    assert render_template_text('{% set s = "x" %}{% for i in range(64) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}', {}) == "1"


def test_limits_are_configurable_and_checked() -> None:
    limits = RenderLimits(max_operations=240)
    assert render_template_text("{% for i in range(100) %}.{% endfor %}", {}, limits=limits) == "." * 100
    with pytest.raises(RenderLimitError):
        render_template_text("{% for i in range(300) %}.{% endfor %}", {}, limits=limits)
    with pytest.raises(PromptSyncError) as info:
        PromptManager(render_limits={"maxOperations": 0})
    assert info.value.code == "CONFIG_INVALID"
    with pytest.raises(PromptSyncError):
        PromptManager(render_limits={"nope": 1})
    PromptManager(render_limits={"max_operations": 5, "timeoutMs": 10}).close()


def test_missing_and_none_values() -> None:
    assert render_template_text("{{ a | default('x') }}{% if b %}{{ b }}{% endif %}", {}) == "x"
    with pytest.raises(PromptSyncError) as info:
        render_template_text("{{ a }}", {"a": None})
    assert info.value.code == "RENDER_FAILED"
    from promptsync.render import RenderableBody, RenderSettings

    lenient = RenderableBody({"name": "p"}, {"content": "[{{ a }}][{{ b.c }}]", "variables": []}, None, RenderSettings(strict=False), "t")
    assert lenient.render({"a": None}) == "[][]"


# --- registry objects ------------------------------------------------------------------------------------------


def test_tampered_content_is_refused(registry_copy: Path) -> None:
    path = registry_copy / "prompts/conformance/greeting/v0.2.0/default.yaml"
    path.write_text(path.read_text().replace("welcome", "pwned"))
    with PromptManager(registry=str(registry_copy), project="conformance") as pm, pytest.raises(PromptUnavailableError) as info:
        pm.get_prompt("greeting", version_or_alias="dev")
    assert getattr(info.value.cause, "code", None) == "INVALID_BUNDLE"


def test_yaml_aliases_and_unknown_fields_are_refused(registry_copy: Path) -> None:
    path = registry_copy / "prompts/conformance/greeting/v0.2.0/default.yaml"
    path.write_text("a: &x [1, 2]\nb: [*x, *x]\n")
    with PromptManager(registry=str(registry_copy), project="conformance") as pm, pytest.raises(PromptUnavailableError) as info:
        pm.get_prompt("greeting", version_or_alias="dev")
    assert "anchors and aliases" in str(info.value)


def test_a_registry_template_that_reaches_internals_is_never_compiled(registry_copy: Path) -> None:
    from promptsync.canonical import content_hash

    path = registry_copy / "prompts/conformance/greeting/v0.2.0/default.yaml"
    from promptsync.yaml12 import load_yaml12

    prompt = load_yaml12(path.read_text())
    prompt["content"] = "{{ cycler.__init__.__globals__ }}"
    prompt["hash"] = content_hash(prompt)
    path.write_text(json.dumps(prompt))
    manifest_path = registry_copy / "prompts/conformance/_releases/v0.2.0.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["prompts"]["greeting"]["hash"] = prompt["hash"]
    manifest_path.write_text(json.dumps(manifest))
    with PromptManager(registry=str(registry_copy), project="conformance") as pm, pytest.raises(PromptUnavailableError) as info:
        pm.get_prompt("greeting", version_or_alias="dev")
    assert getattr(info.value.cause, "code", None) == "UNSAFE_TEMPLATE"


def test_folder_registry_links_out_are_refused(registry_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    target = registry_copy / "prompts/conformance/greeting/v0.2.0/default.yaml"
    shutil.copyfile(target, outside)
    target.unlink()
    os.symlink(outside, target)
    with PromptManager(registry=str(registry_copy), project="conformance") as pm, pytest.raises(PromptUnavailableError) as info:
        pm.get_prompt("greeting", version_or_alias="dev")
    assert "symbolic link out of the folder" in str(info.value)


def test_cache_dir_links_out_are_not_written_through(registry_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    outside = tmp_path / "outside"
    outside.mkdir()
    with PromptManager(registry=str(registry_copy), project="conformance", cache_dir=str(cache)) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
    [base] = list(cache.iterdir())
    shutil.rmtree(base / "prompts")
    os.symlink(outside, base / "prompts")
    with PromptManager(registry=str(registry_copy), project="conformance", cache_dir=str(cache)) as pm:
        assert pm.get_prompt("guards", version_or_alias="dev").source == "network"
    assert list(outside.iterdir()) == []


# --- signatures ------------------------------------------------------------------------------------------------

TRUSTED = [str(CONFORMANCE / "keys" / "promptsync.pub")]


def test_rollback_to_an_older_signed_pointer_is_refused(registry_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with PromptManager(
        registry=str(registry_copy),
        project="conformance",
        trusted_keys=TRUSTED,
        cache_dir=str(cache),
        respect_canary=False,
        refresh_interval=0,
    ) as pm:
        assert pm.get_prompt("greeting", version_or_alias="production").version == "v0.1.0"
        shutil.copyfile(CONFORMANCE / "replay" / "production-r1.json", registry_copy / "prompts/conformance/aliases/production.json")
        pm.refresh()
        prompt = pm.get_prompt("greeting", version_or_alias="production")
        assert prompt.stale is True
        assert pm.cache_stats()["signature_refusals"] >= 1
    # A new process with the same cache_dir remembers the highest revision verified.
    with PromptManager(
        registry=str(registry_copy),
        project="conformance",
        trusted_keys=TRUSTED,
        cache_dir=str(cache),
        cache_strategy={"startup_revalidation_timeout": 5},
    ) as pm:
        key = next(k for k, inside in json.loads((CONFORMANCE / "canary-expected.json").read_text())["keys"].items() if inside)
        prompt = pm.get_prompt("greeting", version_or_alias="production", canary_key=key)
        # The pointer served is revision 3 from the disk cache (it has the canary; revision 1 had none).
        assert prompt.version == "v0.2.0" and prompt.canary is True
        assert pm.cache_stats()["signature_refusals"] == 1


def test_a_replayed_pointer_without_memory_is_accepted_but_signed(registry_copy: Path) -> None:
    shutil.copyfile(CONFORMANCE / "replay" / "production-r1.json", registry_copy / "prompts/conformance/aliases/production.json")
    with PromptManager(registry=str(registry_copy), project="conformance", trusted_keys=TRUSTED) as pm:
        assert pm.get_prompt("greeting", version_or_alias="production").version == "v0.1.0"


def test_unsigned_or_forged_pointers_are_refused(registry_copy: Path) -> None:
    path = registry_copy / "prompts/conformance/aliases/dev.json"
    pointer = json.loads(path.read_text())
    pointer["version"] = "v0.1.0"
    path.write_text(json.dumps(pointer))
    with (
        PromptManager(registry=str(registry_copy), project="conformance", trusted_keys=TRUSTED) as pm,
        pytest.raises(PromptUnavailableError) as info,
    ):
        pm.get_prompt("greeting", version_or_alias="dev")
    assert getattr(info.value.cause, "code", None) == "SIGNATURE_INVALID"
    with PromptManager(registry=str(registry_copy), project="conformance") as pm:
        assert pm.get_prompt("greeting", version_or_alias="dev").version == "v0.1.0"


def test_a_404_is_not_a_deletion_when_verifying(registry_copy: Path) -> None:
    with PromptManager(registry=str(registry_copy), project="conformance", trusted_keys=TRUSTED, refresh_interval=0) as pm:
        pm.get_prompt("greeting", version_or_alias="dev")
        (registry_copy / "prompts/conformance/aliases/dev.json").unlink()
        pm.refresh()
        prompt = pm.get_prompt("greeting", version_or_alias="dev")
        assert (prompt.version, prompt.stale) == ("v0.2.0", True)


def test_content_moved_between_versions_is_refused(registry_copy: Path) -> None:
    base = registry_copy / "prompts/conformance/greeting"
    shutil.copyfile(base / "v0.1.0/default.yaml", base / "v0.2.0/default.yaml")
    with (
        PromptManager(registry=str(registry_copy), project="conformance", trusted_keys=TRUSTED) as pm,
        pytest.raises(PromptUnavailableError) as info,
    ):
        pm.get_prompt("greeting", version_or_alias="dev")
    assert getattr(info.value.cause, "code", None) in ("SIGNATURE_INVALID", "INVALID_BUNDLE")


def test_invalid_bundle_is_an_invalid_bundle_error() -> None:
    from promptsync.codec import decode_json

    for body in (b"\xff", b"{", b'{"format": "promptsync.alias/v9"}', b"\xef\xbb\xbf{}", b"NaN"):
        with pytest.raises(InvalidBundleError):
            decode_json(body, "prompts/p/aliases/a.json", "alias.schema.json")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("{{ cycler.__init__.__globals__ }}", "UNSAFE_TEMPLATE"),
        ("{% for i in range(100000000) %}{% endfor %}", "RENDER_LIMIT"),
        ('{% include "_shared/other" %}', "INVALID_BUNDLE"),
        ('{% include "/etc/passwd" %}', "INVALID_BUNDLE"),
        ("{% include name %}", "INVALID_BUNDLE"),
    ],
)
def test_hostile_partials_in_a_registry(registry_copy: Path, content: str, code: str) -> None:
    from promptsync.canonical import content_hash

    def change(prompt: dict[str, Any]) -> None:
        prompt["partials"]["_shared/safety"] = {"content": content, "hash": content_hash({"content": content})}

    tamper_prompt(registry_copy, "based", change)
    with PromptManager(registry=str(registry_copy), project="conformance") as pm:
        try:
            prompt = pm.get_prompt("based", version_or_alias="dev")
            with pytest.raises(PromptSyncError) as info:
                prompt.format(company="A", customer="B", order_id="C-1")
            assert info.value.code == code
        except PromptUnavailableError as error:
            assert getattr(error.cause, "code", None) == code


def test_a_partial_that_does_not_match_its_hash(registry_copy: Path) -> None:
    def change(prompt: dict[str, Any]) -> None:
        prompt["partials"]["_shared/safety"]["content"] = "changed"

    tamper_prompt(registry_copy, "based", change)
    with PromptManager(registry=str(registry_copy), project="conformance") as pm, pytest.raises(PromptUnavailableError) as info:
        pm.get_prompt("based", version_or_alias="dev")
    assert "does not match its hash" in str(info.value)


def test_deeply_nested_templates_are_refused_not_crashed() -> None:
    with pytest.raises(PromptSyncError):
        render_template_text("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", {})
    with pytest.raises(RenderLimitError):
        render_template_text('{{ "x" | center(4000000) | list | length }}', {})


def test_inputs_check_sees_the_values_as_the_template_does() -> None:
    from dataclasses import dataclass

    from promptsync.render import RenderableBody, RenderSettings
    from promptsync.structured import InputValidationError, inputs_check

    @dataclass
    class User:
        name: str

    prompt = {
        "name": "p",
        "inputs": {"type": "object", "properties": {"user": {"type": "object", "required": ["name"]}, "ratio": {"multipleOf": 0.1}}},
    }
    body = RenderableBody(
        prompt,
        {"content": "{{ user.name }}", "variables": [{"name": "user", "required": True}]},
        None,
        RenderSettings(),
        "t",
        inputs_check(prompt, "t"),
    )
    assert body.render({"user": User("Ada"), "ratio": 0.3}) == "Ada"
    with pytest.raises(InputValidationError) as info:
        body.render({"user": {"nick": "x"}, "ratio": 0.35})
    assert sorted(v["rule"] for v in info.value.violations) == ["multipleOf", "required"]


@pytest.mark.parametrize("pattern", ["\\1", "(?=a)", "\\p{L}", "a{2000}", "(a{1000}){1000}"])
def test_inputs_patterns_outside_the_subset_are_refused_at_load(pattern: str) -> None:
    from promptsync.structured import inputs_check

    with pytest.raises(InvalidBundleError):
        inputs_check({"name": "p", "inputs": {"properties": {"x": {"pattern": pattern}}}}, "t")


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|a)*b", "^(\\w+\\s?)*$"])
def test_inputs_patterns_run_in_linear_time(pattern: str) -> None:
    from promptsync.structured import InputValidationError, inputs_check

    check = inputs_check({"name": "p", "inputs": {"properties": {"x": {"pattern": pattern}}}}, "t")
    assert check is not None
    started = time.perf_counter()
    with pytest.raises(InputValidationError) as info:
        check({"x": "a" * 30_000 + "!"})
    assert time.perf_counter() - started < 3
    assert info.value.violations[0]["rule"] in ("pattern", "budget")


def test_pattern_matcher_agrees_with_re_on_generated_cases() -> None:
    import random
    import re

    from promptsync.pattern import Budget, compile_pattern, search

    rng = random.Random(7)
    atoms = ["a", "b", "[ab]", ".", "\\d", "(a|b)", "(?:ab)", "[^a]"]
    quantifiers = ["", "", "*", "+", "?", "{1,2}", "*?"]
    for _ in range(1500):
        pattern = "".join(rng.choice(atoms) + rng.choice(quantifiers) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.3:
            pattern = "^" + pattern
        if rng.random() < 0.3:
            pattern += "$"
        text = "".join(rng.choice("ab1 ") for _ in range(rng.randint(0, 8)))
        assert search(compile_pattern(pattern), text, Budget(10**7)) == (re.search(pattern, text) is not None), (pattern, text)


def test_parse_output_bounds_nesting_and_length_before_parsing() -> None:
    from promptsync.structured import MAX_OUTPUT_LENGTH, OutputValidationError, parse_output

    output = {"name": "reply", "schema": {"type": "object"}}
    with pytest.raises(OutputValidationError, match="nested deeper than 100 levels") as info:
        parse_output("p", output, '{"deep": ' + "[" * 100 + "]" * 100 + "}")
    assert info.value.violations[0]["rule"] == "depth"
    # Brackets inside strings (escaped quotes too) are text, not nesting.
    text = json.dumps({"a": '"[{' * 500})
    assert parse_output("p", output, text) == {"a": '"[{' * 500}
    with pytest.raises(OutputValidationError, match="longer than"):
        parse_output("p", output, " " * (MAX_OUTPUT_LENGTH + 1))


def test_a_placeholder_named_twice_is_refused_when_the_prompt_loads() -> None:
    # push refuses it (DUPLICATE_PLACEHOLDER); from a hostile registry 2,000 slots would insert one history 2,000 times.
    from promptsync.render import RenderableBody, RenderSettings

    messages: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}]
    messages += [{"placeholder": "history", "required": False}] * 2_000
    with pytest.raises(InvalidBundleError, match='placeholder "history" appears twice'):
        RenderableBody({"name": "chat"}, {"messages": messages, "variables": []}, None, RenderSettings(), "t")


def test_output_schema_breaks_is_bounded_on_hostile_schemas() -> None:
    from promptsync.diff import output_schema_breaks

    schema: dict[str, Any] = {"type": "object"}
    for _ in range(9):  # a field required ten times at each level was walked 10**9 times
        schema = {"type": "object", "properties": {"a": schema}, "required": ["a"] * 10}
    assert output_schema_breaks(schema, {**schema, "description": "x"}) == []
    assert output_schema_breaks({"required": [{}], "properties": {}}, {"required": [{}, "a"]}) == []
    wide = {"type": "object", "properties": {f"p{i}": {} for i in range(200)}, "required": [f"p{i}" for i in range(200)]}
    problems = output_schema_breaks(wide, {"type": "object"})
    assert len(problems) == 51 and problems[-1].startswith("output schemas compared only in part")
