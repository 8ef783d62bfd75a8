"""Registry objects written by whoever can write the bucket: a hostile one is an invalid object that the SDK refuses,
never a crash of the app or an exception of another kind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promptsync import PromptManager, PromptUnavailableError, locale_fallbacks
from promptsync.canonical import content_hash
from promptsync.names import compare_versions, greatest_version
from promptsync.variants import _match_depth as match_depth
from promptsync.yaml12 import MAX_NESTING, YAMLError, load_yaml12

from .conftest import run_alone

GREETING = "prompts/conformance/greeting/v0.2.0/default.yaml"


def _serve_per_prompt_files(registry: Path) -> None:
    """Without the release bundle, the SDK reads the compiled prompt files themselves."""
    shutil.rmtree(registry / "prompts/conformance/_bundles")


def test_a_deeply_nested_compiled_prompt_is_refused_without_killing_the_process(registry_copy: Path) -> None:
    """libyaml's composer nests in C: 100,000 levels of "[" overflowed the C stack and killed the app (SIGSEGV)
    before any Python error could be raised. Run in a process of its own, so that a crash fails the test."""
    _serve_per_prompt_files(registry_copy)
    (registry_copy / GREETING).write_text("[" * 100_000)
    script = (
        "from promptsync import PromptManager, PromptUnavailableError\n"
        f"with PromptManager(registry={str(registry_copy)!r}, project='conformance') as pm:\n"
        "    try:\n"
        "        pm.get_prompt('greeting', version_or_alias='dev')\n"
        "    except PromptUnavailableError as e:\n"
        "        print(e)\n"
    )
    assert f"{GREETING}: malformed YAML: nested deeper than {MAX_NESTING} levels" in run_alone(script)


def test_nesting_up_to_the_bound_loads_and_past_it_names_the_line() -> None:
    value = load_yaml12("[" * MAX_NESTING + "]" * MAX_NESTING)
    depth = 0
    while value is not None:
        depth += 1
        value = value[0] if value else None
    assert depth == MAX_NESTING
    with pytest.raises(YAMLError, match=rf"nested deeper than {MAX_NESTING} levels\n.*line 2"):
        load_yaml12("a: 1\nb: " + "[" * (MAX_NESTING + 1))


def test_a_key_of_thousands_of_digits_is_an_invalid_object(registry_copy: Path) -> None:
    """Canonical JSON orders array-index keys by number; int() of a 5,000-digit key raised ValueError."""
    _serve_per_prompt_files(registry_copy)
    path = registry_copy / GREETING
    prompt = load_yaml12(path.read_text())
    prompt["format"] = "promptsync.prompt/v2"
    prompt["inputs"] = {"properties": {"1" * 5000: {"type": "string"}}}
    # YAML limits an implicit key to 1,024 characters; an explicit one ("? ") has no limit.
    path.write_text(json.dumps(prompt).replace(f'"{"1" * 5000}":', f'? "{"1" * 5000}" :'))
    with PromptManager(registry=str(registry_copy), project="conformance") as pm, pytest.raises(PromptUnavailableError, match=GREETING):
        pm.get_prompt("greeting", version_or_alias="dev")


def test_content_hash_orders_long_digit_keys_as_names() -> None:
    assert content_hash({"1" * 5000: 1, "2": 2}) == content_hash({"2": 2, "1" * 5000: 1})


@given(st.lists(st.sampled_from(["v1.0.0", "v1.0.0-rc.1", "v1.0.0-rc.2", "v1.0.0-rc.10", "v1.0.0-beta", "v0.9.1", "v1.10.0", "v1.2.0"]), max_size=12))
def test_the_greatest_version_is_the_last_of_a_sort(versions: list[str]) -> None:
    """`latest` took the last of a sorted index; an index of 100,000 versions with long pre-release tags sorted for
    about a minute. One pass gives the same version."""

    class Key:
        def __init__(self, version: str) -> None:
            self.version = version

        def __lt__(self, other: Key) -> bool:
            return compare_versions(self.version, other.version) < 0

    assert greatest_version(versions) == (sorted(versions, key=Key)[-1] if versions else None)


_LOCALE_PARTS = st.lists(st.sampled_from(["en", "EN", "us", "zh", "hant", "tw", "", "x"]), min_size=1, max_size=5)


@given(_LOCALE_PARTS, _LOCALE_PARTS, st.sampled_from(["-", "_"]))
def test_locale_variants_match_along_the_fallback_chain(wanted: list[str], tag: list[str], separator: str) -> None:
    def by_the_chain(value: str) -> int | None:
        chain = locale_fallbacks(separator.join(wanted))
        normalized = value.lower().replace("_", "-")
        return chain.index(normalized) if normalized in chain else None

    assert match_depth({"locale": "-".join(tag)}, {"locale": separator.join(wanted)}) == by_the_chain("-".join(tag))


def test_a_long_locale_from_the_app_costs_linear_time_and_memory() -> None:
    """The fallback chain of a locale of n parts holds n prefixes, n² characters in all: 100,000 parts ran out of a
    1 GB address space. Run in a process of its own under that limit."""
    script = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from promptsync import select_variant\n"
        "variants = [{'id': 'a', 'tags': {'locale': 'a'}}, {'id': 'b', 'tags': {'locale': 'b'}}]\n"
        "print(select_variant(variants, {'locale': 'a-' * 100_000})['id'])\n"
    )
    assert run_alone(script).strip() == "a"
