"""Benchmark harness: implementation switching and the documents (iso20022.synth, fixed seeds)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import iso20022._impl as impl
from iso20022 import synth

_TWINS = impl.TWINS

PACS008_POOL = 200
PAIN001_SIZES = (100, 10_000, 100_000)
HUGE = 100_000  # transactions from which a document is marked ``huge``


def compiled_unavailable() -> str | None:
    """Why the compiled modules cannot run here, or None when they can."""
    if os.environ.get("ISO20022_NO_EXTENSIONS", "") not in ("", "0"):
        return "compiled implementation disabled by ISO20022_NO_EXTENSIONS"
    for name in _TWINS:
        try:
            importlib.import_module(f"iso20022._speedups.{name}")
        except ImportError as exc:
            return (f"compiled module iso20022._speedups.{name} is not importable ({exc}); "
                    "build it with `make install`")
    return None


@contextmanager
def implementation_modules(which: str) -> Iterator[None]:
    """Make ``iso20022.parse`` use the ``which`` ("compiled" or "python") modules in the block.

    Skips the calling test when ``which`` is "compiled" and the compiled modules
    are unavailable, rather than silently running the twin.
    """
    if which == "compiled" and (why := compiled_unavailable()):
        pytest.skip(why)
    with impl.using(which):
        yield


@dataclass(frozen=True)
class Document:
    """One benchmark input: ``payloads`` parsed in turn, ``transactions`` in all of them."""

    group: str
    message: str
    payloads: tuple[bytes, ...]
    transactions: int
    nbytes: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nbytes", sum(map(len, self.payloads)))


def _pacs008_pool() -> Document:
    pool = tuple(synth.pacs008(1, version="pacs.008.001.08", seed=seed, envelope=True)
                 for seed in range(PACS008_POOL))
    return Document(f"pacs.008.001.08 single x{PACS008_POOL}", "pacs.008.001.08", pool,
                    PACS008_POOL)


def _pain001(n_tx: int, tmp: Path) -> Document:
    version, n_pmtinf = "pain.001.001.09", max(1, n_tx // 100)
    if n_tx >= HUGE:  # ~110 MB: streamed to disk by the generator, then read back
        path = tmp / f"pain001-{n_tx}.xml"
        synth.write_pain001(path, n_tx, version=version, seed=1, n_pmtinf=n_pmtinf)
        data = path.read_bytes()
        path.unlink()
    else:
        data = synth.pain001(n_tx, version=version, seed=1, n_pmtinf=n_pmtinf)
    return Document(f"pain.001.001.09 {n_tx:,} tx", "pain.001.001.09", (data,), n_tx)


class Documents:
    """Lazily generated, cached benchmark documents by key ("pacs008" or "pain001-<n>")."""

    def __init__(self, tmp: Path) -> None:
        self._tmp = tmp
        self._cache: dict[str, Document] = {}

    def __getitem__(self, key: str) -> Document:
        if key not in self._cache:
            if key == "pacs008":
                self._cache[key] = _pacs008_pool()
            else:
                self._cache[key] = _pain001(int(key.removeprefix("pain001-")), self._tmp)
        return self._cache[key]
