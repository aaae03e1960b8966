"""Benchmark fixtures: the ``huge`` marker, the documents (generated lazily once per session),
each benchmark's peak RSS, and the one summary table printed at the end of a timed run.

A deselected size is never generated.  ``peak_rss_mb`` in a benchmark's
``extra_info`` is this process's peak RSS during the test, setup included
(Linux: ``VmHWM``, reset before each test), unless the benchmark measured a
child process and recorded its own figure.  The table (``make bench``) has one
row per benchmark: units per second, MB/s, peak RSS, and the ratio of its rate
to the best other case of its group, measured in the same run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .harness import Documents, peak_rss_mb, reset_peak_rss, summary_rows, summary_table


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "huge: 100,000-transaction documents and the peak-RSS script (deselect: -m 'not huge')",
    )


@pytest.fixture(scope="session")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Documents:
    return Documents(tmp_path_factory.mktemp("documents"))


@pytest.fixture(autouse=True)
def _peak_rss(request: pytest.FixtureRequest) -> Iterator[None]:
    if "benchmark" not in request.fixturenames:
        yield
        return
    benchmark = request.getfixturevalue("benchmark")
    reset = reset_peak_rss()
    yield
    peak = peak_rss_mb()
    if reset and peak is not None:
        benchmark.extra_info.setdefault("peak_rss_mb", round(peak, 1))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = getattr(config, "_benchmarksession", None)
    if session is None or session.disabled:
        return
    measured = [(b.group or "", b.name, b.stats.mean, b.extra_info)
                for b in session.benchmarks if b]
    if not measured:
        return
    terminalreporter.write_sep("=", "iso20022 benchmarks: one row per case")
    for line in summary_table(summary_rows(measured)):
        terminalreporter.write_line(line)
