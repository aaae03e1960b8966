"""The transactional outbox and its relay on every adapter: settle twice, crash, replay.

Each test runs on SQLite and on PostgreSQL (the ledger holding the outbox) and
on each adapter: ``file``, ``ledger`` (on-us postings in the same database) and
``amqp`` (the test RabbitMQ, a unique queue per test).  A "crash" is an
exception that no code catches (like a killed process): the ledger and the
relay are then dropped and opened anew, as after a restart.

"Effects" are what the rail did, counted per delivery key: files in the rail's
directory, postings in the book, and for AMQP the handler calls of an
:class:`~iso20022.settle.AmqpConsumer` (the broker cannot tell a replayed
publish from a new one, so the exactly-once effect is the consumer's part;
``copies`` counts the raw messages the broker held, duplicates included).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from iso20022.errors import SettlementError
from iso20022.records import Transfer
from iso20022.settle import (
    Adapter,
    AmqpAdapter,
    AmqpConsumer,
    Delivery,
    FileAdapter,
    LedgerAdapter,
    Outcome,
    Received,
    Relay,
)
from iso20022.settle.ledger import Ledger

from .settlekit import OpenLedger, Queues, make_deliveries


class Crash(BaseException):
    """A process dying: nothing in the library catches it."""


class CrashBefore:
    """Dies when asked to settle, before anything reaches the rail."""

    def __init__(self, inner: Adapter) -> None:
        self.inner, self.name = inner, inner.name

    def settle(self, batch: Sequence[Delivery], /) -> list[Outcome]:
        raise Crash

    def close(self) -> None:
        self.inner.close()


class CrashAfter(CrashBefore):
    """Dies after the rail confirmed, before the relay could mark the rows sent."""

    def settle(self, batch: Sequence[Delivery], /) -> list[Outcome]:
        self.inner.settle(batch)
        raise Crash


class Rig:
    """One adapter kind: makes the adapter, and counts the effects on its rail."""

    kind = ""
    redelivers = False  # True where a rail cannot tell a replay (AMQP): the consumer dedupes

    def __init__(self) -> None:
        self.copies: Counter[str] = Counter()  # raw copies the rail received (AMQP)

    def prepare(self, ledger: Ledger, deliveries: Sequence[Delivery]) -> None:
        """Set up what the rail needs before the deliveries are settled."""

    def adapter(self, ledger: Ledger) -> Adapter:
        raise NotImplementedError

    def effects(self, ledger: Ledger) -> Counter[str]:
        """How many times each delivery key took effect on the rail, since the test began."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the rig holds."""


class FileRig(Rig):
    kind = "file"

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.bodies: dict[str, bytes] = {}

    def prepare(self, ledger: Ledger, deliveries: Sequence[Delivery]) -> None:
        self.bodies = {f"{d.key}.xml": d.body for d in deliveries}

    def adapter(self, ledger: Ledger) -> Adapter:
        return FileAdapter(self.root)

    def effects(self, ledger: Ledger) -> Counter[str]:
        found: Counter[str] = Counter()
        for path in sorted((self.root / "sepa").iterdir()):
            assert not path.name.startswith("."), f"a temporary file was left: {path}"
            assert path.read_bytes() == self.bodies[path.name]
            found[path.name.removesuffix(".xml")] += 1
        return found


class LedgerRig(Rig):
    kind = "ledger"

    def prepare(self, ledger: Ledger, deliveries: Sequence[Delivery]) -> None:
        adapter = LedgerAdapter(ledger)
        seen: set[str] = set()
        for d in deliveries:
            for e in d.entries:
                for account in (e.debtor_account, e.creditor_account):
                    assert account is not None
                    if account not in seen:
                        seen.add(account)
                        adapter.open_account(d.rail, account, e.currency, allow_overdraft=True)

    def adapter(self, ledger: Ledger) -> Adapter:
        return LedgerAdapter(ledger)

    def effects(self, ledger: Ledger) -> Counter[str]:
        found: Counter[str] = Counter()
        for key, legs, entries in ledger.db.execute(
                "SELECT p.delivery_key, COUNT(*), (SELECT COUNT(*) FROM transfers t"
                " WHERE t.delivery_key = p.delivery_key) FROM postings p GROUP BY p.delivery_key"):
            assert int(legs) % (2 * int(entries)) == 0
            found[key] += int(legs) // (2 * int(entries))
        return found


class AmqpRig(Rig):
    kind = "amqp"
    redelivers = True

    def __init__(self, queues: Queues, consumer_db: Path) -> None:
        super().__init__()
        self.queues = queues
        self.adapters: list[AmqpAdapter] = []
        self.bodies: dict[str, bytes] = {}
        self.done: Counter[str] = Counter()
        self.consumer_ledger = Ledger.open(consumer_db)  # the consumer's own database
        self.consumer = AmqpConsumer(queues.url, self.consumer_ledger,
                                     queue_prefix=queues.prefix)

    def prepare(self, ledger: Ledger, deliveries: Sequence[Delivery]) -> None:
        self.bodies = {d.key: d.body for d in deliveries}

    def adapter(self, ledger: Ledger) -> Adapter:
        adapter = AmqpAdapter(self.queues.url, queue_prefix=self.queues.prefix)
        self.adapters.append(adapter)
        return adapter

    def effects(self, ledger: Ledger) -> Counter[str]:
        def handle(message: Received) -> None:
            assert message.headers["x-delivery-key"] == message.message_id
            assert message.body == self.bodies[message.message_id]
            self.done[message.message_id] += 1
            self.copies[message.message_id] += 1

        report = self.consumer.receive("sepa", handle)
        assert report.requeued == report.refused == 0, report.errors
        assert report.processed + report.duplicate == report.received
        self.copies.update(report.duplicate_ids)
        return Counter(self.done)

    def close(self) -> None:
        for adapter in self.adapters:
            adapter.close()
        self.consumer.close()
        self.consumer_ledger.close()


@pytest.fixture(params=["file", "ledger", pytest.param("amqp", marks=pytest.mark.services)])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Rig:
    kind = request.param
    made: Rig
    if kind == "file":
        made = FileRig(tmp_path / "outbox")
    elif kind == "ledger":
        made = LedgerRig()
    else:
        made = AmqpRig(request.getfixturevalue("amqp_queues"), tmp_path / "consumer.sqlite")
    request.addfinalizer(made.close)
    return made


def _setup(open_ledger: OpenLedger, rig: Rig, transfers: list[Transfer],
           n: int = 12, per: int = 2) -> tuple[Ledger, list[Delivery]]:
    ledger = open_ledger()
    deliveries = make_deliveries(transfers[:n], adapter=rig.kind, per=per)
    rig.prepare(ledger, deliveries)
    assert ledger.record(deliveries) == len(deliveries)
    return ledger, deliveries


def _final_state(rig: Rig) -> str:
    return "settled" if rig.kind == "ledger" else "sent"


def test_relay_delivers_every_recorded_delivery_once(open_ledger: OpenLedger, rig: Rig,
                                                     transfers: list[Transfer]) -> None:
    ledger, deliveries = _setup(open_ledger, rig, transfers)
    report = Relay(ledger, [rig.adapter(ledger)]).drain(limit=4)
    assert (report.claimed, report.settled, report.retried, report.failed) == (6, 6, 0, 0)
    assert rig.effects(ledger) == Counter({d.key: 1 for d in deliveries})
    assert ledger.outbox_counts() == {"pending": 0, "sent": 6, "failed": 0}
    assert ledger.states()[_final_state(rig)] == 12
    again = Relay(ledger, [rig.adapter(ledger)]).drain()
    assert again.claimed == 0  # sent rows are never sent again


def test_settling_the_same_batch_twice_takes_effect_once(open_ledger: OpenLedger, rig: Rig,
                                                         transfers: list[Transfer]) -> None:
    ledger, deliveries = _setup(open_ledger, rig, transfers)
    adapter = rig.adapter(ledger)
    first = adapter.settle(deliveries)
    second = adapter.settle(deliveries)
    assert [o.status for o in first] == ["settled"] * 6
    assert [o.key for o in second] == [d.key for d in deliveries]
    assert rig.effects(ledger) == Counter({d.key: 1 for d in deliveries})
    if rig.redelivers:
        # The broker cannot tell a second publish: both copies carry the delivery key as
        # message_id, and the consumer took each key once.
        assert [o.status for o in second] == ["settled"] * 6
        assert rig.copies == Counter({d.key: 2 for d in deliveries})
    else:
        assert [o.status for o in second] == ["duplicate"] * 6


def test_crash_between_recorded_and_sent_is_recovered(open_ledger: OpenLedger, rig: Rig,
                                                      transfers: list[Transfer]) -> None:
    ledger, deliveries = _setup(open_ledger, rig, transfers)
    dying = Relay(ledger, [CrashBefore(rig.adapter(ledger))], lease=0.3)
    with pytest.raises(Crash):
        dying.run_once(limit=4)  # claimed 4 rows, died before the rail saw them
    ledger.close()

    restarted = open_ledger()
    relay = Relay(restarted, [rig.adapter(restarted)])
    first = relay.drain()
    assert first.claimed == 2  # the dead relay's 4 rows are leased to it for 0.3 s
    assert rig.effects(restarted) == Counter({d.key: 1 for d in deliveries[4:]})
    _wait_for_lease(0.35)
    second = relay.drain()
    assert (second.claimed, second.settled, second.duplicate) == (4, 4, 0)
    assert restarted.outbox_counts() == {"pending": 0, "sent": 6, "failed": 0}
    assert rig.effects(restarted) == Counter({d.key: 1 for d in deliveries})
    assert restarted.states()[_final_state(rig)] == 12


def test_crash_between_sent_and_marked_sent_is_replayed_safely(
        open_ledger: OpenLedger, rig: Rig, transfers: list[Transfer]) -> None:
    ledger, deliveries = _setup(open_ledger, rig, transfers)
    dying = Relay(ledger, [CrashAfter(rig.adapter(ledger))], lease=0.0)
    with pytest.raises(Crash):
        dying.run_once(limit=4)  # the rail has the 4 deliveries; the outbox does not know
    assert ledger.outbox_counts()["pending"] == 6
    ledger.close()

    restarted = open_ledger()
    report = Relay(restarted, [rig.adapter(restarted)]).drain()
    assert report.claimed == 6 and report.retried == report.failed == 0
    assert restarted.outbox_counts() == {"pending": 0, "sent": 6, "failed": 0}
    assert restarted.states()[_final_state(rig)] == 12
    assert rig.effects(restarted) == Counter({d.key: 1 for d in deliveries})
    if rig.redelivers:  # published twice, taken once by the consumer
        assert (report.settled, report.duplicate) == (6, 0)
        assert rig.copies == Counter({d.key: 2 if i < 4 else 1
                                      for i, d in enumerate(deliveries)})
    else:
        assert (report.settled, report.duplicate) == (2, 4)


def test_relays_side_by_side_deliver_each_row_once(open_ledger: OpenLedger, rig: Rig,
                                                   transfers: list[Transfer]) -> None:
    ledger, deliveries = _setup(open_ledger, rig, transfers, n=60, per=2)
    reports = []
    errors: list[BaseException] = []
    ledgers = [open_ledger() for _ in range(3)]  # opened here: the fixture closes them
    adapters = [rig.adapter(x) for x in ledgers]

    def run(i: int) -> None:
        try:
            reports.append(Relay(ledgers[i], [adapters[i]]).drain(limit=3))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.claimed for r in reports) == 30  # no row was claimed twice
    assert sum(r.settled for r in reports) == 30
    assert rig.effects(ledger) == Counter({d.key: 1 for d in deliveries})


def test_a_relay_restarting_under_its_name_takes_its_rows_back_at_once(
        open_ledger: OpenLedger, transfers: list[Transfer], tmp_path: Path) -> None:
    rig = FileRig(tmp_path / "outbox")
    ledger, deliveries = _setup(open_ledger, rig, transfers)
    dying = Relay(ledger, [CrashBefore(rig.adapter(ledger))], owner="relay-1")
    with pytest.raises(Crash):
        dying.run_once(limit=4)  # four rows leased to relay-1 for five minutes
    ledger.close()
    restarted = open_ledger()
    relay = Relay(restarted, [rig.adapter(restarted)], owner="relay-1")
    assert Relay(restarted, [rig.adapter(restarted)], owner="relay-2").recover() == 0
    assert relay.recover() == 4
    assert relay.drain().settled == 6
    assert rig.effects(restarted) == Counter({d.key: 1 for d in deliveries})


def _wait_for_lease(seconds: float) -> None:
    threading.Event().wait(seconds)


class Refusing:
    """A rail that refuses everything, with a retryable or a permanent error."""

    name = "file"

    def __init__(self, retryable: bool) -> None:
        self.retryable = retryable
        self.calls = 0

    def settle(self, batch: Sequence[Delivery], /) -> list[Outcome]:
        self.calls += 1
        raise SettlementError("rail says no", retryable=self.retryable, adapter=self.name)

    def close(self) -> None:
        pass


def test_retryable_errors_back_off_and_keep_the_rows(ledger: Ledger,
                                                     transfers: list[Transfer]) -> None:
    deliveries = make_deliveries(transfers[:4], adapter="file", per=2)
    ledger.record(deliveries)
    rail = Refusing(retryable=True)
    relay = Relay(ledger, [rail], base_delay=60.0)
    report = relay.run_once()
    assert (report.claimed, report.retried) == (2, 2)
    assert report.errors == ["file: rail says no (retryable)"]
    assert relay.run_once().claimed == 0  # the next try waits for the backoff
    assert rail.calls == 1
    row = ledger.outbox_row("file", "sepa", deliveries[0].key)
    assert row == {"state": "pending", "attempts": 1,
                   "last_error": "file: rail says no (retryable)",
                   "outcome": None, "outcome_detail": None, "sent_at": None}
    assert relay.delay(0) == 60.0 and relay.delay(3) == 300.0  # doubled, capped


def test_permanent_errors_park_rows_until_requeued(ledger: Ledger, transfers: list[Transfer],
                                                   tmp_path: Path) -> None:
    deliveries = make_deliveries(transfers[:4], adapter="file", per=2)
    ledger.record(deliveries)
    report = Relay(ledger, [Refusing(retryable=False)]).drain()
    assert (report.failed, report.retried) == (2, 0)
    assert ledger.outbox_counts() == {"pending": 0, "sent": 0, "failed": 2}
    assert ledger.states()["routed"] == 4  # nothing recorded is lost
    assert ledger.requeue_failed() == 2
    assert Relay(ledger, [FileAdapter(tmp_path)]).drain().settled == 2
    assert ledger.outbox_counts() == {"pending": 0, "sent": 2, "failed": 0}


class Forgetful(FileAdapter):
    """A broken rail that answers fewer outcomes than it was given deliveries."""

    def settle(self, batch: Sequence[Delivery], /) -> list[Outcome]:
        return super().settle(batch)[:-1]


def test_an_adapter_that_does_not_answer_every_delivery_confirms_nothing(
        ledger: Ledger, transfers: list[Transfer], tmp_path: Path) -> None:
    ledger.record(make_deliveries(transfers[:4], adapter="file", per=2))
    report = Relay(ledger, [Forgetful(tmp_path)], base_delay=0.0).run_once()
    assert report.retried == 2 and "2 deliveries" in report.errors[0]
    assert ledger.outbox_counts()["sent"] == 0
    report = Relay(ledger, [FileAdapter(tmp_path)]).drain()
    assert (report.settled, report.duplicate) == (0, 2)  # written before: replayed safely


def test_rows_for_an_adapter_the_relay_lacks_wait_for_one_that_has_it(
        ledger: Ledger, transfers: list[Transfer], tmp_path: Path) -> None:
    ledger.record(make_deliveries(transfers[:2], adapter="amqp"))
    assert Relay(ledger, [FileAdapter(tmp_path)]).drain().claimed == 0
    assert ledger.outbox_counts()["pending"] == 2
