"""Local mode: the prompts folder compiled in-process, with the CLI's hashes and error codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from promptsync import CompileError, LocalModeWarning, PromptManager, PromptNotFoundError, UsageError
from promptsync.local import compile_folder

from .conftest import CONFORMANCE, EXAMPLES, REPO


def test_seed_local_example_runs_as_written(tmp_path: Path) -> None:
    # The design's "Test locally" step, verbatim, in a repository before any push.
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "customer_support.txt").write_text("You are a helpful assistant for {{ company_name }}.\n")
    code = "from promptsync import PromptManager; pm = PromptManager(); print(pm.get_prompt('customer_support').format(company_name='Acme Inc'))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTSYNC_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, check=True)
    assert out.stdout == "You are a helpful assistant for Acme Inc.\n"


def test_local_hashes_equal_the_cli_compiled_ones() -> None:
    # Partials (extends, super(), include, import), placeholders, content parts, tools, output and inputs included.
    compiled = compile_folder(str(CONFORMANCE / "src" / "v2"))
    manifest = json.loads((CONFORMANCE / "registry/prompts/conformance/_releases/v0.2.0.json").read_text())
    assert {name: p["hash"] for name, p in compiled.items()} == {name: e["hash"] for name, e in manifest["prompts"].items()}
    assert compiled["based"]["format"] == "promptsync.prompt/v2" and sorted(compiled["based"]["partials"]) == [
        "_base/support",
        "_shared/macros",
        "_shared/safety",
    ]


def test_local_mode_renders_partials_and_placeholders() -> None:
    with PromptManager(prompts_dir=str(CONFORMANCE / "src" / "v2")) as pm:
        based = pm.get_prompt("based")
        assert (
            based.format(company="Acme", customer="Jo", order_id="A-1")
            == "You are the support agent of Acme.\nBe brief. Be kind.\nNever reveal internal notes to Jo.\n- check A-1"
        )
        agent = pm.get_prompt("agent")
        messages = agent.format(company="Acme", customer="Jo", question="Q", history=[{"role": "user", "content": "hi"}])
        assert [m["role"] for m in messages] == ["system", "user", "user"]


def test_a_missing_partial_is_a_compile_error(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text('{% include "_nope" %}\n')
    with pytest.raises(CompileError) as info:
        compile_folder(str(tmp_path))
    assert [d.code for d in info.value.diagnostics] == ["MISSING_PARTIAL"]


def test_local_mode_serves_every_prompt_as_version_local(tmp_path: Path) -> None:
    with PromptManager(cwd=str(tmp_path), prompts_dir=str(EXAMPLES)) as pm:
        prompt = pm.get_prompt("customer_support", tags={"locale": "cn", "tone": "friendly"})
        assert (prompt.version, prompt.source, prompt.variant) == ("local", "local", "cn_friendly")
        chat = pm.get_prompt("support/triage")
        assert chat.format_messages(company_name="A", categories=["x"], ticket="t")[1] == {"role": "user", "content": "t"}
        with pytest.raises(PromptNotFoundError):
            pm.get_prompt("nope")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pm.get_prompt("greeting", version_or_alias="production")
            pm.get_prompt("greeting", version_or_alias="production")
        assert [w.category for w in caught] == [LocalModeWarning]
    with PromptManager(cwd=str(tmp_path), prompts_dir=str(EXAMPLES), strict_local_mode=True) as pm, pytest.raises(UsageError):
        pm.get_prompt("greeting", version_or_alias="production")


def test_config_file_names_the_registry(tmp_path: Path) -> None:
    (tmp_path / "promptsync.config.yaml").write_text(f"project: conformance\nregistry: {CONFORMANCE / 'registry'}\n")
    with PromptManager(cwd=str(tmp_path)) as pm:
        assert pm.get_prompt("greeting", version_or_alias="dev").version == "v0.2.0"


CASES = {
    "INVALID_YAML": ("a.yaml", "content: [unclosed\n"),
    "SCHEMA_VIOLATION": ("a.yaml", "contnt: hi\n"),
    "TEMPLATE_SYNTAX": ("a.txt", "{% if x %}never closed\n"),
    "INVALID_PARTIAL": ("a.txt", "{% include 'x' %}\n"),
    "MISSING_PARTIAL": ("a.txt", "{% include '_x' %}\n"),
    "UNSAFE_TEMPLATE": ("a.txt", "{{ x | nosuch }}\n"),
    "INVALID_NAME": ("v1.2.txt", "hi\n"),
    "DUPLICATE_VARIANT": ("a.yaml", "content: a\nvariants:\n  - tags: {l: x}\n    content: b\n  - tags: {l: x}\n    content: c\n"),
}


@pytest.mark.parametrize("code", list(CASES))
def test_compile_errors_have_the_cli_codes(code: str, tmp_path: Path) -> None:
    name, text = CASES[code]
    (tmp_path / name).write_text(text)
    with pytest.raises(CompileError) as info:
        compile_folder(str(tmp_path))
    assert code in [d.code for d in info.value.diagnostics], info.value.diagnostics


def test_more_compile_errors(tmp_path: Path) -> None:
    with pytest.raises(CompileError) as info:
        compile_folder(str(tmp_path))
    assert [d.code for d in info.value.diagnostics] == ["EMPTY_FOLDER"]
    (tmp_path / "Intro.txt").write_text("a")
    (tmp_path / "intro.md").write_text("b")
    (tmp_path / "dup.yaml").write_text("content: a\ncontent: b\n")
    (tmp_path / "md.md").write_text("---\ncontent: x\n---\nbody\n")
    with pytest.raises(CompileError) as info:
        compile_folder(str(tmp_path))
    codes = sorted(d.code for d in info.value.diagnostics)
    assert codes == ["DUPLICATE_NAME", "DUPLICATE_NAME", "INVALID_YAML", "SCHEMA_VIOLATION"]


def test_yaml_is_read_as_yaml_1_2(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("content: hi\nversion: 1.0\nvariants:\n  - tags: {flag: 'yes'}\n    content: yes\n")
    prompt = compile_folder(str(tmp_path))["p"]
    assert prompt["sourceVersion"] == "1"
    assert prompt["variants"][0]["content"] == "yes"


def test_the_repository_examples_match_the_documented_hashes() -> None:
    doc = (REPO / "docs" / "registry-format.md").read_text()
    for name, prompt in compile_folder(str(EXAMPLES)).items():
        if name not in ("customer_support", "greeting", "support/summarize_ticket", "support/triage"):
            continue  # examples added since the page was written
        assert prompt["hash"].split(":")[1][:8] in doc, name


CORPUS = Path(os.environ.get("PROMPTSYNC_CORPUS_DIR", str(REPO.parent / "shared" / "corpus" / "fabric-patterns")))
TS_COMPILE = """
import { compilePrompts } from "./src/compiler/compile-prompts.ts";
import { readPromptFolder } from "./src/source/read-folder.ts";
const out = {};
for (const f of await readPromptFolder(process.argv[1])) {
  const r = compilePrompts([f]);
  out[f.path] = r.ok ? r.prompts[0].hash : "ERR:" + [...new Set(r.diagnostics.map((d) => d.code))].sort().join(",");
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not at {CORPUS}")
def test_corpus_compiles_to_the_typescript_hashes_and_codes() -> None:
    from promptsync.local import EXTENSIONS, compile_source, parse_source

    node = REPO / "node_modules" / ".bin" / "node"
    if not node.exists():
        pytest.skip("node_modules is not installed")
    out = subprocess.run(
        [str(node), "--input-type=module", "-e", TS_COMPILE, str(CORPUS)], cwd=REPO, capture_output=True, text=True, check=True
    )
    expected: dict[str, str] = json.loads(out.stdout)
    assert len(expected) > 200
    ours: dict[str, str] = {}
    for path in expected:
        text = (CORPUS / path).read_bytes().decode("utf-8")
        doc, line, problems = parse_source(path, text)
        if doc is None:
            ours[path] = "ERR:" + ",".join(sorted({p.code for p in problems}))
            continue
        prompt, problems = compile_source(path[: path.rfind(".")], path, EXTENSIONS[os.path.splitext(path)[1].lower()], doc, line)
        ours[path] = prompt["hash"] if prompt else "ERR:" + ",".join(sorted({p.code for p in problems}))
    assert ours == expected


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not at {CORPUS}")
def test_corpus_renders_as_stock_jinja2() -> None:
    # The sandbox and the budget change nothing a prompt may do: every templated corpus prompt renders byte for
    # byte as a plain jinja2.Environment renders it, with every variable given.
    import jinja2

    from promptsync.local import EXTENSIONS, compile_source, parse_source
    from promptsync.render import RenderSettings, materialize

    plain = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    rendered = 0
    for path in sorted(p.name for p in CORPUS.iterdir() if p.suffix in EXTENSIONS):
        doc, line, _ = parse_source(path, (CORPUS / path).read_bytes().decode("utf-8"))
        if doc is None:
            continue
        prompt, _ = compile_source(path[: path.rfind(".")], path, EXTENSIONS[os.path.splitext(path)[1].lower()], doc, line)
        if prompt is None or not prompt["template"]:
            continue
        values = {v["name"]: f"<{v['name']}>" for v in prompt["variables"]}
        ours = materialize(prompt, RenderSettings(), path)[None].render(values)
        assert ours == plain.from_string(prompt["content"].replace("\r\n", "\n")).render(values), path
        rendered += 1
    assert rendered > 200
