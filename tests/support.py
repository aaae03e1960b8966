"""Test support: paths to ../shared and the corpus index."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
DATA = Path(__file__).resolve().parent / "data"
COMPILED_DISABLED = os.environ.get("ISO20022_NO_EXTENSIONS", "") not in ("", "0")


def corpus_rows() -> list[tuple[str, str, bool]]:
    """(relative path, message id, validates) for every corpus sample; [] without ../shared."""
    index = CORPUS / "INDEX.md"
    if not index.exists():
        return []
    rows = re.findall(r"^\| `([^`]+)` \| (\S+) \| .*? \| ([yn]) \| \d+ \|",
                      index.read_text(encoding="utf-8"), re.M)
    return [(path, mid, valid == "y") for path, mid, valid in rows]


def require_corpus() -> Path:
    if not (CORPUS / "INDEX.md").exists():
        pytest.skip(f"sample corpus not found at {CORPUS} (../shared is absent)")
    return CORPUS


def require_shared() -> Path:
    """Return ``../shared``, or skip the calling test when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED} (../shared beside the repository)")
    return SHARED
