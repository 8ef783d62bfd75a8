"""Copies the repository's JSON Schemas (the source of truth, ../schemas) into the package.

Run after a schema changes: python python/scripts/sync_schemas.py. tests/test_schemas.py fails while they differ.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    target = ROOT / "python" / "src" / "promptsync" / "schemas"
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.json"):
        old.unlink()
    for schema in sorted((ROOT / "schemas").glob("*.schema.json")):
        shutil.copyfile(schema, target / schema.name)
        print(schema.name)


if __name__ == "__main__":
    main()
