from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO / "test" / "fixtures" / "conformance"
EXAMPLES = REPO / "examples" / "prompts"


@pytest.fixture
def registry_copy(tmp_path: Path) -> Path:
    """A private copy of the conformance registry, for tests that change or break it."""
    target = tmp_path / "registry"
    shutil.copytree(CONFORMANCE / "registry", target)
    return target


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PROMPTSYNC_"):
            monkeypatch.delenv(name, raising=False)
