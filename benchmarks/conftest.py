"""Benchmark fixtures: the ``huge`` marker and the documents, generated lazily once per session.

A deselected size is never generated.
"""

from __future__ import annotations

import pytest

from .harness import Documents


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "huge: 100,000-transaction documents and the peak-RSS script (deselect: -m 'not huge')",
    )


@pytest.fixture(scope="session")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Documents:
    return Documents(tmp_path_factory.mktemp("documents"))
