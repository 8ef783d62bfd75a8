from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from promptsync.canonical import content_hash, release_hash
from promptsync.yaml12 import load_yaml12

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO / "test" / "fixtures" / "conformance"
EXAMPLES = REPO / "examples" / "prompts"


@pytest.fixture
def registry_copy(tmp_path: Path) -> Path:
    """A private copy of the conformance registry, for tests that change or break it."""
    target = tmp_path / "registry"
    shutil.copytree(CONFORMANCE / "registry", target)
    return target


def tamper_prompt(registry: Path, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrites prompt `name` of the conformance registry copy at `registry` (version v0.2.0) in place, with its hash
    and its manifest's recomputed, as anyone who can write the bucket can."""
    path = registry / f"prompts/conformance/{name}/v0.2.0/default.yaml"
    prompt = load_yaml12(path.read_text())
    change(prompt)
    prompt["hash"] = content_hash(prompt)
    path.write_text(json.dumps(prompt))
    manifest_path = registry / "prompts/conformance/_releases/v0.2.0.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["prompts"][name]["hash"] = prompt["hash"]
    manifest["releaseHash"] = release_hash(manifest["prompts"])
    manifest_path.write_text(json.dumps(manifest))


def run_alone(script: str, *args: str) -> str:
    """Runs `python -c script args` in a process of its own, with a 60 s guard, so that a hang or a crash fails the
    test instead of stopping the suite; its standard output."""
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PROMPTSYNC_"):
            monkeypatch.delenv(name, raising=False)
