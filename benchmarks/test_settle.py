"""Settlement throughput: 100,000 transfers to each adapter, through the transactional outbox.

Cases (one ``benchmark.group`` per shape, so the figures compare as ratios):

- ``file``: :class:`~iso20022.settle.FileAdapter`, outbox ledger on SQLite;
- ``ledger-sqlite`` / ``ledger-postgresql``: on-us postings with
  :class:`~iso20022.settle.LedgerAdapter` in the same database as the outbox;
- ``amqp``: :class:`~iso20022.settle.AmqpAdapter` to the local RabbitMQ
  (publisher confirms), outbox ledger on SQLite.

Each is measured two ways: ``adapter`` (``adapter.settle(batch)`` alone) and
``outbox`` (``Ledger.record`` of the deliveries, then ``Relay.drain`` to the
adapter: what the pipeline does).  Shapes: ``bulk`` (deliveries of 1,000
transfers, one pacs.008 each, ~2.2 MB of XML) and ``single`` (one transfer
per delivery, the instant-payment shape, 10,000 transfers).  Every round starts
from a fresh database / directory / queue, so nothing is a duplicate; the
effect (files, postings, messages on the queue) is counted after each round
and recorded as ``correct``.  ``extra_info`` has ``transfers``, ``deliveries``
and, unless benchmarking is disabled, ``transfers_per_s``.

Group ``route + settle 100,000 transfers`` (:func:`test_route_and_settle`): 100,000
distinct parsed pain.001 transfers through ``plan`` (route, build pacs.008.001.02
bulk XML or on-us entries), ``Ledger.record`` and ``Relay.drain`` to the file
adapter or to on-us postings in the SQLite ledger; ``correct`` checks every
transfer sent / settled and one file per delivery or two legs per transfer.

Under ``--benchmark-disable`` (CI's quick mode) each case runs once on 2,000
(bulk) or 100 (single) transfers.  PostgreSQL and RabbitMQ cases need the
services (skipped with the reason, or failing under ISO20022_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import socket
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from iso20022 import synth
from iso20022.settle import (
    Adapter,
    AmqpAdapter,
    Delivery,
    Entry,
    FileAdapter,
    Ledger,
    LedgerAdapter,
    Relay,
)

POSTGRES = os.environ.get("ISO20022_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
AMQP = os.environ.get("ISO20022_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
SHAPES = {  # shape -> (transfers, transfers per delivery), full and quick
    "bulk": ((100_000, 1000), (2_000, 1000)),
    "single": ((10_000, 1), (100, 1)),
}
ACCOUNTS = 100
_round = itertools.count()


def _require(name: str, host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        message = f"{name} is not reachable at {host}:{port} ({exc})"
    if os.environ.get("ISO20022_REQUIRE_SERVICES", "") not in ("", "0"):
        pytest.fail(f"{message}; ISO20022_REQUIRE_SERVICES=1 requires it")
    pytest.skip(message)


@pytest.fixture(scope="module")
def bodies() -> dict[int, bytes]:
    """A realistic pacs.008.001.08 per delivery size (the adapters do not read it)."""
    return {1000: synth.pacs008(1000, seed=7), 1: synth.pacs008(1, seed=7)}


def _deliveries(adapter: str, n: int, per: int, body: bytes) -> list[Delivery]:
    tag = f"{next(_round)}-{secrets.token_hex(3)}"
    out = []
    for i in range(0, n, per):
        entries = tuple(
            Entry(transfer_key=f"{tag}-{k:07d}", amount=Decimal(f"{k % 9973 + 1}.{k % 100:02d}"),
                  currency="EUR", end_to_end_id=f"E2E-{k}",
                  debtor_account=f"ACC{k % ACCOUNTS:03d}",
                  creditor_account=f"ACC{(k + 1) % ACCOUNTS:03d}")
            for k in range(i, min(i + per, n)))
        out.append(Delivery(key=f"B{tag}-{i:07d}", route="bench", adapter=adapter,
                            rail="bench", message_id=f"M{tag}-{i}",
                            message_type="pacs.008.001.08", body=body, entries=entries))
    return out


class Target:
    """One adapter with its outbox ledger, made fresh for each round."""

    def __init__(self, case: str, root: Path) -> None:
        self.case = case
        self.root = root
        self.ledger: Ledger | None = None
        self.adapter: Adapter | None = None
        self.schema: str | None = None
        self.queue_prefix = ""

    def fresh(self) -> tuple[Ledger, Adapter]:
        self.cleanup()
        tag = f"r{next(_round)}"
        if self.case == "ledger-postgresql":
            self.schema = f"bench_{secrets.token_hex(6)}"
            ledger = Ledger.open(POSTGRES, schema=self.schema)
        else:
            ledger = Ledger.open(self.root / tag / "ledger.sqlite")
        adapter: Adapter
        if self.case == "file":
            adapter = FileAdapter(self.root / tag / "outbox")
        elif self.case == "amqp":
            self.queue_prefix = f"iso20022-bench-{secrets.token_hex(6)}-"
            adapter = AmqpAdapter(AMQP, queue_prefix=self.queue_prefix)
        else:
            onus = LedgerAdapter(ledger)
            for i in range(ACCOUNTS):
                onus.open_account("bench", f"ACC{i:03d}", "EUR", allow_overdraft=True)
            adapter = onus
        self.ledger, self.adapter = ledger, adapter
        return ledger, adapter

    def effects(self) -> int:
        """Deliveries (file, amqp) or transfers (ledger) that took effect."""
        assert self.ledger is not None
        if self.case == "file":
            return sum(1 for p in (self.root.glob("r*/outbox/bench/*.xml")))
        if self.case == "amqp":
            import pika

            connection = pika.BlockingConnection(pika.URLParameters(AMQP))
            try:
                ok = connection.channel().queue_declare(self.queue_prefix + "bench", passive=True)
                return int(ok.method.message_count)
            finally:
                connection.close()
        (legs,), = self.ledger.db.execute("SELECT COUNT(*) FROM postings")
        return int(legs) // 2

    def cleanup(self) -> None:
        if self.adapter is not None:
            self.adapter.close()
        if self.case == "amqp" and self.queue_prefix:
            import pika

            connection = pika.BlockingConnection(pika.URLParameters(AMQP))
            try:
                connection.channel().queue_delete(self.queue_prefix + "bench")
            finally:
                connection.close()
            self.queue_prefix = ""
        if self.ledger is not None:
            if self.schema is not None:
                self.ledger.db.execute(f'DROP SCHEMA "{self.schema}" CASCADE')
                self.schema = None
            self.ledger.close()
        self.ledger = self.adapter = None
        for old in self.root.glob("r*"):
            shutil.rmtree(old, ignore_errors=True)


def _adapter_only(ledger: Ledger, adapter: Adapter, batch: list[Delivery]) -> int:
    return sum(1 for o in adapter.settle(batch) if o.status == "settled")


def _through_outbox(ledger: Ledger, adapter: Adapter, batch: list[Delivery]) -> int:
    ledger.record(batch)
    # rows per claim: ~10,000 transfers (10 bulk bodies of ~2.2 MB, or 500 singles)
    limit = max(1, min(500, 10_000 // len(batch[0].entries)))
    return Relay(ledger, [adapter]).drain(limit=limit).settled


@pytest.mark.parametrize("mode", ["adapter", "outbox"])
@pytest.mark.parametrize("case", ["file", "ledger-sqlite", "ledger-postgresql", "amqp"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_settle(benchmark: Any, request: pytest.FixtureRequest, tmp_path: Path,
                bodies: dict[int, bytes], shape: str, case: str, mode: str) -> None:
    if case == "ledger-postgresql":
        _require("PostgreSQL", "127.0.0.1", 5432)
    if case == "amqp":
        _require("RabbitMQ", "127.0.0.1", 5672)
    quick = bool(request.config.getoption("benchmark_disable"))
    n, per = SHAPES[shape][1 if quick else 0]
    adapter_name = case.split("-")[0]
    target = Target(case, tmp_path)
    run: Callable[[Ledger, Adapter, list[Delivery]], int] = (
        _adapter_only if mode == "adapter" else _through_outbox)
    results: list[tuple[int, int]] = []

    def setup() -> tuple[tuple[Ledger, Adapter, list[Delivery]], dict[str, Any]]:
        ledger, adapter = target.fresh()
        return (ledger, adapter, _deliveries(adapter_name, n, per, bodies[per])), {}

    def measured(ledger: Ledger, adapter: Adapter, batch: list[Delivery]) -> int:
        settled = run(ledger, adapter, batch)
        results.append((settled, target.effects()))
        return settled

    benchmark.group = f"settle {n:,} transfers, {per} per delivery"
    try:
        benchmark.pedantic(measured, setup=setup, rounds=1 if quick else 3, iterations=1)
    finally:
        target.cleanup()
    deliveries = -(-n // per)
    expected = n if case.startswith("ledger") else deliveries
    correct = all(s == deliveries and e == expected for s, e in results)
    info: dict[str, Any] = {"case": case, "mode": mode, "transfers": n,
                            "deliveries": deliveries, "correct": correct}
    if benchmark.stats is not None:  # None with --benchmark-disable
        info["transfers_per_s"] = round(n / benchmark.stats.stats.mean)
    benchmark.extra_info.update(info)
    assert correct, results


# -- route + settle: the pipeline's second half on real transfers ----------------------------

PIPELINE = {"full": (100, 1000), "quick": (2, 1000)}  # source files x transfers per file
PIPELINE_ROUTES = {
    # a SEPA clearing rail: bulk pacs.008.001.02 files written atomically into the outbox
    "file": {"name": "sepa-sct", "adapter": "file", "rail": "step2-sct",
             "format": "pacs.008.001.02-bulk", "settlement_method": "CLRG",
             "clearing_system_proprietary": "ST2", "charge_bearer": "SLEV"},
    # on-us book transfers posted in the SQLite ledger that also holds the outbox
    "ledger-sqlite": {"name": "on-us", "adapter": "ledger", "rail": "book", "format": "book"},
}


@pytest.fixture(scope="module")
def pipeline_transfers(request: pytest.FixtureRequest) -> list[Any]:
    """100,000 distinct parsed pain.001 transfers (100 files of 1,000; .09 and .03)."""
    import iso20022

    quick = bool(request.config.getoption("benchmark_disable"))
    files, per = PIPELINE["quick" if quick else "full"]
    out: list[Any] = []
    for seed in range(files):
        version = ("pain.001.001.09", "pain.001.001.03")[seed % 2]
        out += iso20022.parse(synth.pain001(per, version=version, seed=5000 + seed))
    return out


@pytest.mark.parametrize("case", list(PIPELINE_ROUTES))
def test_route_and_settle(benchmark: Any, request: pytest.FixtureRequest, tmp_path: Path,
                          pipeline_transfers: list[Any], case: str) -> None:
    """Route, build, record in the outbox and relay N transfers: ``plan`` -> ``record`` ->
    ``Relay.drain``, to the file adapter or to on-us postings in the SQLite ledger."""
    import dataclasses

    import iso20022
    from iso20022.build import plan
    from iso20022.route import Routes

    quick = bool(request.config.getoption("benchmark_disable"))
    routes = Routes.from_dict({"default": PIPELINE_ROUTES[case]})
    transfers = pipeline_transfers
    if case == "ledger-sqlite":  # one book in EUR: an account has one currency
        transfers = [dataclasses.replace(t, amount=dataclasses.replace(t.amount, currency="EUR"))
                     for t in transfers]
    target = Target("file" if case == "file" else "ledger-sqlite", tmp_path)
    results: list[tuple[int, int, int, int, int]] = []

    def setup() -> tuple[tuple[Ledger, Adapter], dict[str, Any]]:
        ledger, adapter = target.fresh()
        if isinstance(adapter, LedgerAdapter):
            accounts = {a for t in transfers for a in (_account(t.debtor_account),
                                                       _account(t.creditor_account))}
            for name in sorted(a for a in accounts if a):
                adapter.open_account("book", name, "EUR", allow_overdraft=True)
        return (ledger, adapter), {}

    def measured(ledger: Ledger, adapter: Adapter) -> int:
        deliveries = plan(transfers, routes, our_bic="HANSDEHHXXX")
        ledger.record(deliveries)
        report = Relay(ledger, [adapter]).drain(limit=20)
        done = sum(ledger.states()[s] for s in ("sent", "settled"))  # transfers
        # the effect: one outbox file per delivery, or two posted legs per transfer
        effects = (sum(1 for _ in target.root.glob("r*/outbox/step2-sct/*.xml"))
                   if case == "file" else target.effects())
        expected = len(deliveries) if case == "file" else len(transfers)
        results.append((done, report.settled, len(deliveries), effects, expected))
        return done

    benchmark.group = f"route + settle {len(transfers):,} transfers"
    try:
        benchmark.pedantic(measured, setup=setup, rounds=1 if quick else 2, iterations=1)
    finally:
        target.cleanup()
    n = len(transfers)
    correct = bool(results) and all(done == n and settled == deliveries and effects == expected
                                    for done, settled, deliveries, effects, expected in results)
    info: dict[str, Any] = {"implementation": iso20022.IMPLEMENTATION, "case": case,
                            "transfers": n, "deliveries": results[0][2] if results else 0,
                            "correct": correct}
    if benchmark.stats is not None:
        info["transfers_per_s"] = round(n / benchmark.stats.stats.mean)
    benchmark.extra_info.update(info)
    assert correct, results


def _account(account: Any) -> str | None:
    if account is None:
        return None
    return account.iban or (account.other_id.id if account.other_id else None)
