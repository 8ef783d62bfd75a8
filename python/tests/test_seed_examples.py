"""The design's Python examples (shared/seed/promptsync-design.md), run as written against a registry the CLI
pushed, with the project detected from pyproject.toml."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from promptsync import MissingVariableError

from .conftest import EXAMPLES, REPO

NODE = REPO / "node_modules" / ".bin" / "node"

SEED_SDK = """
from promptsync import PromptManager

# Initialize with project configuration
# Project ID auto-detected from git repo or pyproject.toml
prompt_manager = PromptManager(
    # project_id auto-detected if not provided
    cache_dir="./prompt_cache",
    refresh_interval=300  # seconds
)

# Get a prompt by name and version/alias
support_prompt = prompt_manager.get_prompt(
    "customer_support", 
    version_or_alias="stable",
    fallback_to_local=True,  # Use local file if remote fetch fails
    tags={"locale": "en", "tone": "formal"}  # For variant selection
)
"""

SEED_FORMAT = """
# Format using Jinja templates
formatted_prompt = support_prompt.format(
    customer_name="John",
    issue="password reset"
)
"""

SEED_CHINESE = """
# In the SDK
prompt = prompt_manager.get_prompt(
    "customer_support",
    version_or_alias="stable",
    tags={"locale": "cn", "tone": "friendly"}
)

# Format the prompt using Jinja
formatted_prompt = prompt.format(
    company_name="Acme Inc",
    customer_name="Zhang Wei",
    issue="账户登录",
    detail_level="detailed"
)
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not NODE.exists():
        pytest.skip("node_modules is not installed: the CLI writes the registry")
    shutil.copytree(EXAMPLES, tmp_path / "prompts")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop-app"\nversion = "1.0.0"\n')
    (tmp_path / "promptsync.config.yaml").write_text("registry: .promptsync/registry\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTSYNC_")} | {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    for args in (["push", "--path", "./prompts/", "--alias", "dev"], ["alias", "set", "stable", "v0.1.0"]):
        subprocess.run([str(NODE), str(REPO / "cli" / "main.ts"), *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    return tmp_path


def test_seed_sdk_example_as_written(app: Path) -> None:
    scope: dict[str, Any] = {}
    exec(SEED_SDK, scope)
    prompt = scope["support_prompt"]
    assert (prompt.project, prompt.version, prompt.variant, prompt.source) == ("shop-app", "v0.1.0", "en_formal", "network")
    # As written, the seed formats without company_name, which its own en/formal template reads: strict mode (the
    # default, as in TypeScript) says so instead of rendering an empty name.
    with pytest.raises(MissingVariableError) as info:
        exec(SEED_FORMAT, scope)
    assert info.value.variables == ("company_name",)
    assert prompt.format(company_name="Acme Inc", customer_name="John", issue="password reset") == (
        "I am a professional assistant for Acme Inc.\nI understand that John is experiencing an issue with password reset.\n"
        "Please allow me to provide a comprehensive solution."
    )
    assert (app / "prompt_cache").is_dir()


def test_seed_chinese_variant_as_written(app: Path) -> None:
    scope: dict[str, Any] = {}
    exec(SEED_SDK + SEED_CHINESE, scope)
    assert scope["prompt"].variant == "cn_friendly"
    assert scope["formatted_prompt"] == "我是Acme Inc的友好助手。\nZhang Wei遇到了关于账户登录的问题。\n我将提供一个简单易懂的解决方案。"
