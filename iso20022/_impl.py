"""Selector between the compiled modules and their pure-Python twins.

The compiled module (``iso20022._speedups.<name>``) is used unless
``ISO20022_NO_EXTENSIONS=1`` is set, the interpreter is not CPython, or the
import fails.  :data:`IMPLEMENTATION` says which one runs: ``"compiled"`` or
``"python"``; :data:`FALLBACK_REASON` says why the twin runs.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Final

__all__ = ["FALLBACK_REASON", "IMPLEMENTATION", "TWINS", "load", "module", "using"]

TWINS: Final = {
    "sniff": "iso20022._sniff_py",
    "records": "iso20022._records_py",
    "scan": "iso20022.parse._scan_py",
    "strset": "iso20022._strset_py",
    "xsdstream": "iso20022.validation._xsdstream_py",
    "screen": "iso20022.validation._screen_py",
    "pacs_xml": "iso20022.build._pacs_xml",
}
"""Every compiled module (``iso20022._speedups.<name>``) and its pure-Python twin."""

_DISABLED = os.environ.get("ISO20022_NO_EXTENSIONS", "") not in ("", "0")


def _why_not() -> str | None:
    if _DISABLED:
        return "disabled by ISO20022_NO_EXTENSIONS"
    if platform.python_implementation() != "CPython":
        return f"not CPython ({platform.python_implementation()})"
    return None


_REASON = _why_not()
_FAILED: list[str] = []


def load(name: str, twin: str) -> ModuleType:
    """Import ``iso20022._speedups.<name>`` or, when unavailable, the twin module ``twin``."""
    if _REASON is None:
        try:
            return importlib.import_module(f"iso20022._speedups.{name}")
        except ImportError as exc:
            _FAILED.append(f"{name}: {exc}")
    return importlib.import_module(twin)


# Import every compiled module once, so IMPLEMENTATION is known at import time.
sniff: Final = load("sniff", TWINS["sniff"])
records: Final = load("records", TWINS["records"])
scan: Final = load("scan", TWINS["scan"])
strset: Final = load("strset", TWINS["strset"])
xsdstream: Final = load("xsdstream", TWINS["xsdstream"])
screen: Final = load("screen", TWINS["screen"])
pacs_xml: Final = load("pacs_xml", TWINS["pacs_xml"])

IMPLEMENTATION: Final[str] = "python" if (_REASON or _FAILED) else "compiled"
FALLBACK_REASON: Final[str | None] = _REASON or ("; ".join(_FAILED) if _FAILED else None)


def module(name: str, which: str) -> ModuleType:
    """The ``which`` ("compiled" or "python") implementation of module ``name``.

    Raises ``ImportError`` when the compiled one is asked for and not built.
    """
    if which == "python":
        return importlib.import_module(TWINS[name])
    if which != "compiled":
        raise ValueError(f"unknown implementation {which!r}")
    return importlib.import_module(f"iso20022._speedups.{name}")


@contextmanager
def using(which: str) -> Iterator[None]:
    """Run the package on the ``which`` implementation inside the block (tests, benchmarks)."""
    this = sys.modules[__name__]
    chosen = {name: module(name, which) for name in TWINS}
    saved = {name: getattr(this, name) for name in TWINS}
    try:
        for name, mod in chosen.items():
            setattr(this, name, mod)
        yield
    finally:
        for name, mod in saved.items():
            setattr(this, name, mod)
