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


# -- the one table of `make bench` ----------------------------------------------------------

_CLEAR_REFS = Path("/proc/self/clear_refs")
_UNITS = ("transactions", "transfers", "requests", "rejected", "entries")
_LABELS = {"transactions": "tx/s", "transfers": "transfers/s", "requests": "req/s",
           "rejected": "rejected/s", "entries": "entries/s"}


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (Linux ``VmHWM``); False where that is not possible."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float | None:
    """This process's peak RSS in MiB since the last :func:`reset_peak_rss` (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


@dataclass(frozen=True)
class Row:
    """One benchmark in the summary table."""

    group: str
    name: str
    unit: str
    rate: float | None  # units per second
    mb_per_s: float | None
    peak_rss_mb: float | None
    correct: object


def summary_rows(benchmarks: list[tuple[str, str, float, dict[str, object]]]) -> list[Row]:
    """Rows from ``(group, name, mean seconds, extra_info)`` of each benchmark."""
    rows = []
    for group, name, mean, info in benchmarks:
        unit = next((u for u in _UNITS if isinstance(info.get(u), int | float)), "")
        given = info.get(f"{unit}_per_s")
        rate = (float(given) if isinstance(given, int | float) else
                float(info[unit]) / mean if unit and mean else None)  # type: ignore[arg-type]
        nbytes = info.get("bytes")
        if not isinstance(nbytes, int | float) and isinstance(info.get("mb"), int | float):
            nbytes = float(info["mb"]) * 1e6  # type: ignore[arg-type]
        mbs = float(nbytes) / mean / 1e6 if isinstance(nbytes, int | float) and nbytes \
            and mean else None
        peak = info.get("peak_rss_mb")
        rows.append(Row(group, name, unit, rate, mbs,
                        float(peak) if isinstance(peak, int | float) else None,
                        info.get("correct")))
    return sorted(rows, key=lambda r: (r.group, -(r.rate or 0.0), r.name))


def summary_table(rows: list[Row]) -> list[str]:
    """The lines of one table: rate, MB/s, peak RSS and, per group, the ratio of each
    case's rate to the best other case's in the same group (the peers of this run)."""
    lines = [f"{'group':58} {'case':36} {'rate':>20} {'MB/s':>8} {'peak MiB':>9} "
             f"{'vs best peer':>12} correct"]
    for row in rows:
        peers = [r.rate for r in rows if r.group == row.group and r is not row and r.rate]
        ratio = f"{row.rate / max(peers):12.2f}" if row.rate and peers else f"{'-':>12}"
        rate = f"{row.rate:,.0f} {_LABELS.get(row.unit, '/s')}" if row.rate else "-"
        mbs = f"{row.mb_per_s:8.1f}" if row.mb_per_s else f"{'-':>8}"
        peak = f"{row.peak_rss_mb:9.0f}" if row.peak_rss_mb else f"{'-':>9}"
        lines.append(f"{row.group[:58]:58} {row.name[:36]:36} {rate:>20} {mbs} {peak} "
                     f"{ratio} {row.correct}")
    return lines
