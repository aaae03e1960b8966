"""The whole pipeline: a partner drop -> status reports + settlement, on embedded defaults.

``end-to-end``: :meth:`iso20022.dropbox.DropService.run_once` over a fresh
drop of pain.001 files (full: 10 files of 10,000 transactions, the issue's
target shape; quick, under ``--benchmark-disable``: 2 files of 200) with the
embedded routes, the SQLite ledger and the file outbox: ``workers=1`` is one
instance in this process, ``workers=2`` two instances in forked child
processes sharing the drop (``iso20022 process --workers 2``, the pool over
files: one per core here).  Each round gets a fresh drop, so nothing is a
duplicate; ``correct`` says every file was archived with a report and every
accepted transfer recorded and sent.  The issue's target is 40,000
transactions/s end to end on 2 cores for the full shape.

``stage``: the stages of one file (full: 10,000 transactions; quick: 200) on
their own, in the same session so they compare as ratios: detect, parse,
validate (XSD + generic rules), route (plan: routing and outbound pacs.008),
settle (``Ledger.record`` then ``Relay.drain`` to the file adapter) and report
(the pain.002).  ``extra_info`` has ``transactions``, ``mb`` and, unless
benchmarking is disabled, ``transactions_per_s`` and ``mb_per_s``.

``huge-file peak RSS``: ``benchmarks/pipeline_rss.py`` (``iso20022 process`` in a
child on one pain.001; its own peak RSS) on 20,000 transactions in quick mode and
on 1,000,000 in a timed run; the issue's bound is 256 MB.  Marked ``huge``.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import iso20022
from iso20022.build import plan, status_report
from iso20022.dropbox import DropService, load_config
from iso20022.dropbox.config import DEFAULT_ROUTES
from iso20022.dropbox.pool import serve_workers
from iso20022.route import Routes
from iso20022.settle import FileAdapter, Ledger, LedgerAdapter, Relay
from iso20022.synth import pain001
from iso20022.validation import check, validate

SHAPES = {"full": (10, 10_000), "quick": (2, 200)}
_round = itertools.count()


def _shape(request: pytest.FixtureRequest) -> tuple[int, int]:
    return SHAPES["quick" if request.config.getoption("benchmark_disable") else "full"]


@pytest.fixture(scope="module")
def sources(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> list[Path]:
    files, tx = _shape(request)
    root = tmp_path_factory.mktemp("pipeline-sources")
    out = []
    for i in range(files):
        path = root / f"partner-{i:02d}.xml"
        path.write_bytes(pain001(tx, version="pain.001.001.09", seed=4000 + i))
        out.append(path)
    return out


def _info(benchmark: Any, transactions: int, size: int, correct: bool) -> None:
    info: dict[str, Any] = {"implementation": iso20022.IMPLEMENTATION,
                            "transactions": transactions, "mb": round(size / 1e6, 2),
                            "correct": correct}
    if benchmark.stats is not None:  # None with --benchmark-disable
        mean = benchmark.stats.stats.mean
        info["transactions_per_s"] = round(transactions / mean)
        info["mb_per_s"] = round(size / 1e6 / mean, 2)
    benchmark.extra_info.update(info)


@pytest.mark.parametrize("workers", [1, 2], ids=lambda n: f"workers={n}")
def test_end_to_end(benchmark: Any, request: pytest.FixtureRequest, tmp_path: Path,
                    sources: list[Path], workers: int) -> None:
    files, tx = _shape(request)
    outcomes: list[tuple[int, int, int]] = []

    def setup() -> tuple[tuple[Path], dict[str, Any]]:
        drop = tmp_path / f"drop-{next(_round)}"
        (drop / "inbox").mkdir(parents=True)
        for src in sources:
            shutil.copy(src, drop / "inbox" / src.name)
        return (drop,), {}

    def measured(drop: Path) -> None:
        config = load_config(None, drop=drop, overrides={"min_age": 0, "instance": "bench"})
        if workers == 1:
            with DropService(config) as service:
                accepted = service.run_once().accepted
        else:
            accepted = serve_workers(config, workers).accepted
        with DropService(config) as service:
            counts = service.ledger.outbox_counts()
            (recorded,), = service.ledger.db.execute("SELECT COUNT(*) FROM transfers")
        reports = len(list((drop / "reports").iterdir()))
        outcomes.append((accepted, reports, int(recorded)))
        assert counts["pending"] == 0

    benchmark.group = f"pipeline end to end: {files} files x {tx:,} transactions"
    benchmark.pedantic(measured, setup=setup, rounds=1 if files == 2 else 3, iterations=1)
    correct = all(o == (files, files, files * tx) for o in outcomes)
    _info(benchmark, files * tx, sum(p.stat().st_size for p in sources), correct)
    benchmark.extra_info["workers"] = workers
    assert correct, outcomes


@pytest.mark.huge
def test_huge_file_peak_rss(benchmark: Any, request: pytest.FixtureRequest) -> None:
    n = 20_000 if request.config.getoption("benchmark_disable") else 1_000_000
    benchmark.group = f"pipeline, one file of {n:,} transactions (child process)"
    script = Path(__file__).with_name("pipeline_rss.py")

    def run() -> dict[str, Any]:
        proc = subprocess.run([sys.executable, str(script), "--transactions", str(n), "--json"],
                              capture_output=True, text=True, timeout=7200)
        assert proc.returncode in (0, 1), proc.stderr
        return dict(json.loads(proc.stdout))

    report = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(
        transactions=n, bytes=report["document"]["bytes"], correct=not report["problems"],
        peak_rss_mb=report["peak_rss_mb"], seconds=report["seconds"],
        transactions_per_s=report["transactions_per_s"], problems=report["problems"])
    assert report["status"] == 0, report["problems"]


STAGES = ("detect", "parse", "validate", "route", "settle", "report")


@pytest.mark.parametrize("stage", STAGES)
def test_stage(benchmark: Any, tmp_path: Path, sources: list[Path], stage: str) -> None:
    path = sources[0]
    data = path.read_bytes()
    routes = Routes.from_dict(__import__("tomllib").loads(DEFAULT_ROUTES))
    transfers = list(iso20022.parse(data))
    verdict = validate(data)
    deliveries = plan(transfers, routes, our_bic="HANSDEHHXXX")
    created = datetime(2026, 11, 25, tzinfo=UTC)
    n = len(transfers)

    def settle() -> int:
        root = tmp_path / f"settle-{next(_round)}"
        with Ledger.open(root / "ledger.sqlite") as ledger:
            ledger.record(deliveries)
            relay = Relay(ledger, [FileAdapter(root / "outbox"), LedgerAdapter(ledger)])
            return relay.drain(limit=50).marked

    runs: dict[str, Callable[[], object]] = {
        "detect": lambda: iso20022.detect(data),
        "parse": lambda: sum(1 for _ in iso20022.parse(data)),
        "validate": lambda: sum(1 for t, issues in check(data) if not issues),
        "route": lambda: len(plan(transfers, routes, our_bic="HANSDEHHXXX")),
        "settle": settle,
        "report": lambda: status_report(verdict, created=created),
    }
    expected: dict[str, object] = {"parse": n, "validate": n, "route": len(deliveries),
                                   "settle": len(deliveries)}
    benchmark.group = f"pipeline stages: one file of {n:,} transactions"
    result = benchmark.pedantic(runs[stage], rounds=1 if n <= 200 else 3, iterations=1)
    correct = expected.get(stage, result) == result and bool(result)
    _info(benchmark, n, len(data), correct)
    assert correct, (stage, result)
