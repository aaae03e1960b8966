"""Reconciliation: 1,000,000 statement entries against 1,000,000 ledger transfers.

The ledger (SQLite, the embedded default) holds 20 accounts x 50,000 transfers,
recorded through ``Ledger.record`` as on-us deliveries of 1,000; each account has
one camt.053.001.08 statement of its transfers (``reconcile.synth``), with two
injected differences: one transfer missing, one amount changed.  The job
(``iso20022.reconcile.job.reconcile``: parse every statement, partition by
account, load each partition's transfers, match, write the result rows, settle
the matched transfers in the ledger; the result rows go to a CSV file as in
``iso20022 reconcile``) runs as:

- ``local-1``: one process (the single-core figure);
- ``local-2``: a local pool of 2 worker processes (the default on this machine);
- ``dask-localcluster-2``: a ``distributed.LocalCluster`` of 2 single-threaded
  worker processes, through ``--scheduler``'s code path (the cluster's start-up
  is not timed).

Every round starts from a fresh copy of the ledger (so the updates are real),
and checks the counts: matched = N - 2 x accounts, one amount break and one
unmatched ledger transfer per account, every balance check true, N - 2 x
accounts transfers settled.  ``extra_info``: ``entries``, ``ledger_transfers``, ``entries_per_s``,
``peak_rss_mb`` (this process: the coordinator, setup excluded) and
``worker_peak_rss_mb`` (the largest a match task's process reported).

Under ``--benchmark-disable`` (CI's quick mode) each case runs once on 2 accounts
x 200 transfers.  The cases are marked ``huge`` (deselect with ``-m 'not huge'``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from iso20022.reconcile.cli import TableWriter
from iso20022.reconcile.job import ROW_FIELDS, ReconcileOptions, reconcile
from iso20022.reconcile.match import MatchOptions
from iso20022.reconcile.synth import Differences, make_transfers, write_statement
from iso20022.settle import Delivery, Entry, Ledger

from .harness import peak_rss_mb, reset_peak_rss

SIZES = {"full": (20, 50_000), "quick": (2, 200)}  # accounts x transfers per account
CASES = ("local-1", "local-2", "dask-localcluster-2")


def _iban(n: int) -> str:
    """A German IBAN with valid check digits for account number ``n``."""
    bban = f"37040044{n:010d}"
    digits = "".join(str(int(c, 36)) for c in bban + "DE00")
    return f"DE{98 - int(digits) % 97:02d}{bban}"


@dataclass(frozen=True)
class Book:
    ledger: Path  # the recorded ledger, copied for each round
    statements: list[str]
    accounts: int
    transfers: int


@pytest.fixture(scope="module")
def book(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Book:
    quick = bool(request.config.getoption("benchmark_disable"))
    accounts, per = SIZES["quick" if quick else "full"]
    root = tmp_path_factory.mktemp("reconcile")
    ledger_path = root / "ledger.sqlite"
    statements = []
    with Ledger.open(ledger_path) as ledger:
        for a in range(accounts):
            iban = _iban(a + 1)
            transfers = list(make_transfers(per, seed=a, debtor_account=iban,
                                            prefix=f"A{a:02d}-"))
            for start in range(0, per, 1000):
                chunk = transfers[start:start + 1000]
                ledger.record([Delivery(
                    key=f"book-{a}-{start}", route="on-us", adapter="ledger", rail="book",
                    message_id=f"BK-{a}-{start}", message_type="book", body=b"",
                    entries=tuple(Entry(
                        transfer_key=t.transfer_key, amount=t.amount, currency=t.currency,
                        end_to_end_id=t.end_to_end_id or "", uetr=t.uetr,
                        debtor_account=t.debtor_account, creditor_account=t.creditor_account,
                        msg_id=t.msg_id, pmt_inf_id=t.pmt_inf_id, value_date=t.value_date)
                        for t in chunk))])
            path = root / f"camt053-{a:02d}.xml"
            write_statement(path, transfers, account_iban=iban, currency="EUR",
                            message_id=f"STMT-{a:02d}", statement_id=f"S-{a:02d}",
                            booking_date=max(t.value_date for t in transfers if t.value_date),
                            opening_balance=Decimal("100000000.00"), pretty=False,
                            differences=Differences(
                                missing={transfers[0].transfer_key},
                                amounts={transfers[1].transfer_key:
                                         transfers[1].amount + Decimal("0.01")}))
            statements.append(str(path))
    return Book(ledger_path, statements, accounts, accounts * per)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    # no dashboard; the scheduler's own HTTP server on a free port (8787 may be taken)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as c:
        yield c.scheduler_address


@pytest.mark.huge
@pytest.mark.parametrize("case", CASES)
def test_reconcile(benchmark: Any, request: pytest.FixtureRequest, book: Book, case: str,
                   tmp_path: Path) -> None:
    scheduler = request.getfixturevalue("cluster") if case.startswith("dask") else None
    workers = None if scheduler else int(case.rsplit("-", 1)[1])
    options = ReconcileOptions(match=MatchOptions(value_date_days=0))
    reports: list[Any] = []
    settled: list[int] = []
    rounds = iter(range(1_000))

    def setup() -> tuple[tuple[str], dict[str, Any]]:
        target = tmp_path / f"ledger-{next(rounds)}.sqlite"
        shutil.copyfile(book.ledger, target)
        reset_peak_rss()  # the coordinator's peak during the job, not during the copy
        return (str(target),), {}

    def job(target: str) -> None:
        results = TableWriter(tmp_path / "results.csv", ROW_FIELDS, "csv")
        report = reconcile(book.statements, target, options=options, scheduler=scheduler,
                           workers=workers, sink=results)
        results.close()
        reports.append(report)
        with Ledger.open(target) as ledger:
            settled.append(ledger.states()["settled"])

    benchmark.group = f"reconcile {book.transfers:,} entries x {book.transfers:,} transfers"
    benchmark.pedantic(job, setup=setup, rounds=1, iterations=1)
    peak = peak_rss_mb()
    n, accounts = book.transfers, book.accounts
    report = reports[-1]
    correct = (report.totals == {"matched": n - 2 * accounts, "return": 0, "break": accounts,
                                 "unmatched_statement": 0, "unmatched_ledger": accounts,
                                 "not_booked": 0}
               and len(report.balances) == accounts
               and all(b[9] == "true" for b in report.balances)
               and settled == [n - 2 * accounts] * len(settled))
    info: dict[str, Any] = {"case": case, "entries": n - accounts, "ledger_transfers": n,
                            "engine": report.engine, "partitions": report.partitions,
                            "worker_peak_rss_mb": report.worker_peak_rss_mb,
                            "correct": correct}
    if peak is not None:
        info["peak_rss_mb"] = round(peak, 1)
    if benchmark.stats is not None:
        info["entries_per_s"] = round((n - accounts) / benchmark.stats.stats.mean)
    benchmark.extra_info.update(info)
    assert correct, (report.totals, report.balances[:2], settled)
