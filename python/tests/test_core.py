"""The pieces every SDK must get exactly right: canonical JSON and hashes, YAML 1.2, names, versions, caches."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptsync.canonical import canonical_json, js_number
from promptsync.errors import InvalidNameError
from promptsync.manager import ByteLru, LoadedPrompt, parse_size
from promptsync.names import assert_prompt_name, assert_version_or_alias, compare_versions, normalize_version, registry_key_problem
from promptsync.render import RenderSettings
from promptsync.variants import locale_fallbacks
from promptsync.yaml12 import load_yaml12

from .conftest import REPO

NODE = shutil.which("node")


def node_canonical(values: list[object]) -> list[str]:
    script = (
        "const sortKeys=(v)=>Array.isArray(v)?v.map(sortKeys):v!==null&&typeof v==='object'?Object.fromEntries(Object.keys(v).sort().map(k=>[k,sortKeys(v[k])])):v;"
        "const input=JSON.parse(require('fs').readFileSync(0,'utf8'));process.stdout.write(JSON.stringify(input.map(v=>JSON.stringify(sortKeys(v)))));"
    )
    out = subprocess.run([NODE or "node", "-e", script], input=json.dumps(values), capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@settings(max_examples=60, deadline=None)
@given(st.lists(json_values, min_size=1, max_size=20))
def test_canonical_json_matches_javascript(values: list[object]) -> None:
    assert [canonical_json(v) for v in values] == node_canonical(values)


def test_canonical_json_quirks() -> None:
    assert (
        canonical_json({"10": 1, "9": 2, "a": 3, "b": [1e-7, 1e21, 0.000015, -0.0]}) == '{"9":2,"10":1,"a":3,"b":[1e-7,1e+21,0.000015,0]}'
    )
    assert canonical_json("\x00\u2028é/") == '"\\u0000\u2028é/"'
    assert js_number(5e-324) == "5e-324" and js_number(123456789012345680000.0) == "123456789012345680000"
    assert not math.isnan(1.0)


def test_yaml_1_2_core_schema() -> None:
    value = load_yaml12("a: yes\nb: on\nc: 2024-01-01\nd: 010\ne: 0o10\nf: 0x1F\ng: ~\nh: true\ni: 1_000\nj: .inf\nk: 1e3\n")
    assert value == {
        "a": "yes",
        "b": "on",
        "c": "2024-01-01",
        "d": 10,
        "e": 8,
        "f": 31,
        "g": None,
        "h": True,
        "i": "1_000",
        "j": math.inf,
        "k": 1000.0,
    }
    for bad in ("a: &x 1\nb: *x\n", "a: 1\na: 2\n", "a: !!binary aGk=\n", "a: !!python/object/apply:os.system [id]\n"):
        with pytest.raises(Exception):  # noqa: B017
            load_yaml12(bad)


def test_names() -> None:
    assert assert_prompt_name("support/triage") == "support/triage"
    for bad in ("", "/a", "a/", "a//b", "..", "a/../b", "aliases/x", "Aliases", "a.b", "a b", "é", "x" * 513, "_x", "-x"):
        with pytest.raises(InvalidNameError):
            assert_prompt_name(bad)
    for ok in ("latest", "v1.2.3", "1.2.3", "production", "pr-12", "v1.0.0-rc.1"):
        assert assert_version_or_alias(ok) == ok
    for bad in ("Production", "v1.2", "v01.2.3", "a/b", "latest!", "x" * 129, "_a"):
        with pytest.raises(InvalidNameError):
            assert_version_or_alias(bad)
    assert registry_key_problem("prompts/a/../b") is not None
    assert registry_key_problem("prompts/a\\b") is not None
    assert registry_key_problem("prompts/a\x00") is not None
    assert registry_key_problem("p/" + "x" * 1100) is not None


def test_versions() -> None:
    ordered = [
        "v0.1.0",
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-alpha.beta",
        "v1.0.0-beta",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v1.2.0",
        "v1.10.0",
    ]
    for a, b in zip(ordered, ordered[1:], strict=False):
        assert compare_versions(a, b) < 0 and compare_versions(b, a) > 0
    assert normalize_version(" 1.2.3 ") == "v1.2.3"


def test_locale_fallbacks() -> None:
    assert locale_fallbacks("zh_Hant_TW") == ["zh-hant-tw", "zh-hant", "zh"]


def test_byte_bounded_memory_cache() -> None:
    compiled = {
        "format": "promptsync.prompt/v1",
        "name": "p",
        "kind": "text",
        "template": True,
        "content": "x",
        "variables": [],
        "variants": [],
        "hash": "",
        "source": {"path": "p.txt", "format": "text"},
    }
    lru = ByteLru(1000)
    for i in range(10):
        lru.set((f"v{i}", "p"), LoadedPrompt(compiled, 100, RenderSettings(), "k"))
    assert lru.bytes <= 1000 and len(lru) == 3
    assert lru.get(("v9", "p")) is not None and lru.get(("v0", "p")) is None
    assert parse_size("100MB") == 100_000_000 and parse_size("1GiB") == 1024**3 and parse_size(5) == 5


def test_package_schemas_equal_the_repository_schemas() -> None:
    package = REPO / "python" / "src" / "promptsync" / "schemas"
    repo = sorted(p.name for p in (REPO / "schemas").glob("*.schema.json"))
    assert sorted(p.name for p in package.glob("*.schema.json")) == repo
    for name in repo:
        assert (package / name).read_bytes() == (REPO / "schemas" / name).read_bytes(), f"run python/scripts/sync_schemas.py ({name})"


def test_disk_cache_writes_are_atomic(tmp_path: Path) -> None:
    from promptsync.storage import DiskCache

    cache = DiskCache(tmp_path, "file:///r/")
    cache.write("prompts/p/x.json", b"{}")
    assert cache.read("prompts/p/x.json") == b"{}"
    assert not [p for p in tmp_path.rglob("*.tmp")]
    with pytest.raises(InvalidNameError):
        cache._path("prompts/../../etc/passwd")


def test_registry_locations(tmp_path: Path) -> None:
    from promptsync.storage import FolderReader, HttpReader, open_reader

    assert isinstance(open_reader("https://cdn.example.com/reg", "/x", timeout=1, retries=0), HttpReader)
    absolute = open_reader("file:///srv/reg", "/x", timeout=1, retries=0)
    relative = open_reader("file://.promptsync/registry", str(tmp_path), timeout=1, retries=0)
    folder = open_reader("reg", str(tmp_path), timeout=1, retries=0)
    assert isinstance(absolute, FolderReader) and absolute.folder.root == "/srv/reg"
    assert isinstance(relative, FolderReader) and relative.folder.root == str(tmp_path / ".promptsync" / "registry")
    assert isinstance(folder, FolderReader) and folder.folder.root == str(tmp_path / "reg")
    with pytest.raises(Exception) as info:
        open_reader("ftp://x/y", "/x", timeout=1, retries=0)
    assert getattr(info.value, "code", None) == "CONFIG_INVALID"
