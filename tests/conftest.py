"""Shared fixtures: the two implementations, the corpus, service requirements."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest

import iso20022._impl as impl

from support import COMPILED_DISABLED

_TWINS = {"sniff": "iso20022._sniff_py"}


def _module(name: str, which: str) -> ModuleType:
    if which == "python":
        return importlib.import_module(_TWINS[name])
    return importlib.import_module(f"iso20022._speedups.{name}")


@pytest.fixture(
    scope="session",
    params=[pytest.param("compiled", marks=pytest.mark.compiled), "python"],
)
def implementation(request: pytest.FixtureRequest) -> str:
    """Run a test on the compiled modules and on their pure-Python twins."""
    which: str = request.param
    if which == "compiled" and COMPILED_DISABLED:
        pytest.skip("compiled implementation disabled by ISO20022_NO_EXTENSIONS")
    return which


@pytest.fixture
def use_implementation(implementation: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Make the package (parse, detect) use ``implementation`` for this test."""
    for name in _TWINS:
        monkeypatch.setattr(impl, name, _module(name, implementation))
    yield implementation


@pytest.fixture(scope="session")
def sniff_modules() -> dict[str, ModuleType]:
    """Both sniffers, for differential tests (compiled absent only when disabled)."""
    mods = {"python": _module("sniff", "python")}
    if not COMPILED_DISABLED:
        mods["compiled"] = _module("sniff", "compiled")
    return mods
