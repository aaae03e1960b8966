"""Each adapter on its own: on-us postings and overdrafts, atomic files, a broker that goes away."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from iso20022.errors import SettlementError
from iso20022.records import Transfer
from iso20022.settle import (
    AmqpAdapter,
    AmqpConsumer,
    Delivery,
    Entry,
    FileAdapter,
    LedgerAdapter,
    Received,
    Relay,
)
from iso20022.settle.files import STALE_AFTER, file_name
from iso20022.settle.ledger import Ledger

from .settlekit import Proxy, Queues, make_deliveries, money_delivery

# -- ledger: on-us postings (SQLite and PostgreSQL) --------------------------------------------


@pytest.fixture
def onus(ledger: Ledger) -> LedgerAdapter:
    adapter = LedgerAdapter(ledger)
    adapter.open_account("onus", "A", "EUR", balance=Decimal("0.30"))
    adapter.open_account("onus", "B", "EUR")
    adapter.open_account("onus", "C", "EUR", allow_overdraft=True)
    adapter.open_account("onus", "U", "USD")
    return adapter


def test_an_on_us_posting_debits_and_credits_exactly(onus: LedgerAdapter) -> None:
    outcomes = onus.settle([money_delivery("d1", "0.10"), money_delivery("d2", "0.20")])
    assert [o.status for o in outcomes] == ["settled", "settled"]
    assert onus.balance("onus", "A") == Decimal("0.00")  # 0.30 - 0.10 - 0.20, no float drift
    assert onus.balance("onus", "B") == Decimal("0.30")
    legs = [(p.leg, p.account, p.amount, p.currency) for p in onus.postings("onus", "t-d1")]
    assert legs == [("debit", "A", Decimal("0.10"), "EUR"), ("credit", "B", Decimal("0.10"), "EUR")]


def test_an_overdraft_is_rejected_unless_the_account_allows_it(onus: LedgerAdapter) -> None:
    (rejected,) = onus.settle([money_delivery("d1", "0.31")])
    assert rejected.status == "rejected"
    assert "insufficient funds on A" in rejected.detail and "-0.01" in rejected.detail
    assert onus.balance("onus", "A") == Decimal("0.30")
    assert onus.balance("onus", "B") == Decimal("0")
    assert onus.postings("onus", "t-d1") == []
    big = "12345678901234567.89"
    (ok,) = onus.settle([money_delivery("d2", big, debtor="C")])
    assert ok.status == "settled"
    assert onus.balance("onus", "C") == -Decimal(big)
    assert onus.balance("onus", "B") == Decimal(big)


def test_a_delivery_posts_all_its_entries_or_none(onus: LedgerAdapter) -> None:
    good = Entry(transfer_key="t1", amount=Decimal("0.25"), currency="EUR",
                 debtor_account="A", creditor_account="B")
    overdraws = Entry(transfer_key="t2", amount=Decimal("0.10"), currency="EUR",
                      debtor_account="A", creditor_account="B")
    d = Delivery(key="batch", route="r", adapter="ledger", rail="onus", message_id="M",
                 entries=(good, overdraws))
    (outcome,) = onus.settle([d])
    assert outcome.status == "rejected" and "transfer t2" in outcome.detail
    assert onus.postings("onus", "t1") == []
    assert onus.balance("onus", "A") == Decimal("0.30")


@pytest.mark.parametrize(("delivery", "reason"), [
    (money_delivery("d", "1.00", creditor="nobody"), "unknown account nobody"),
    (money_delivery("d", "1.00", creditor="U"), "account U is in USD, not EUR"),
    (money_delivery("d", "1.00", creditor=""), "needs both accounts"),
])
def test_postings_that_cannot_be_made_are_rejected(onus: LedgerAdapter, delivery: Delivery,
                                                   reason: str) -> None:
    (outcome,) = onus.settle([delivery])
    assert outcome.status == "rejected" and reason in outcome.detail
    assert onus.balance("onus", "A") == Decimal("0.30")


def test_replays_report_the_first_result(onus: LedgerAdapter) -> None:
    batch = [money_delivery("d1", "0.10"), money_delivery("d2", "5.00")]
    first = onus.settle(batch)
    second = onus.settle(batch)
    assert [o.status for o in first] == ["settled", "rejected"]
    assert [o.status for o in second] == ["duplicate", "rejected"]
    assert second[1].detail == first[1].detail  # a rejection is final
    assert onus.balance("onus", "A") == Decimal("0.20")


def test_a_failure_mid_posting_rolls_back_both_legs(onus: LedgerAdapter,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real = onus.db.executemany

    def failing(sql: str, rows: object) -> None:
        if sql.startswith("UPDATE accounts"):
            raise SettlementError("connection lost", retryable=True)
        real(sql, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(onus.db, "executemany", failing)
    with pytest.raises(SettlementError, match="connection lost"):
        onus.settle([money_delivery("d1", "0.10")])
    monkeypatch.undo()
    assert onus.postings("onus", "t-d1") == []  # the debit and credit went with the rollback
    assert onus.balance("onus", "A") == Decimal("0.30")
    (outcome,) = onus.settle([money_delivery("d1", "0.10")])  # the key was rolled back too
    assert outcome.status == "settled"
    assert onus.balance("onus", "A") == Decimal("0.20")


def test_the_relay_records_postings_and_rejections(ledger: Ledger, onus: LedgerAdapter) -> None:
    ledger.record([money_delivery("d1", "0.10"), money_delivery("d2", "0.30")])
    report = Relay(ledger, [onus]).drain()
    assert (report.settled, report.rejected) == (1, 1)
    assert ledger.transfer("t-d1").state == "settled"  # type: ignore[union-attr]
    assert ledger.transfer("t-d2").state == "rejected"  # type: ignore[union-attr]
    (first, rejected) = ledger.transitions("t-d2")
    assert first.to_state == rejected.from_state == "routed"
    assert "insufficient funds" in rejected.detail
    row = ledger.outbox_row("ledger", "onus", "d2")
    assert row is not None and row["outcome"] == "rejected" and row["state"] == "sent"


def test_accounts_are_opened_once(onus: LedgerAdapter) -> None:
    onus.open_account("onus", "A", "EUR")  # same account again: nothing changes
    assert onus.balance("onus", "A") == Decimal("0.30")
    with pytest.raises(SettlementError, match="exists with currency EUR"):
        onus.open_account("onus", "A", "USD")
    with pytest.raises(SettlementError, match="unknown account"):
        onus.balance("onus", "nobody")


# -- file ---------------------------------------------------------------------------------------


def test_file_names_are_safe_and_stable() -> None:
    assert file_name("MSG-1") == "MSG-1.xml"
    for key in ("../etc/passwd", "a/b", ".hidden", "x" * 200, "k.xml"):
        name = file_name(key)
        assert name.startswith("k-") and name == file_name(key) and "/" not in name


def test_file_adapter_refuses_a_rail_that_is_not_a_directory_name(tmp_path: Path) -> None:
    d = Delivery(key="k", route="r", adapter="file", rail="../x", message_id="M")
    with pytest.raises(SettlementError, match="rail name") as info:
        FileAdapter(tmp_path).settle([d])
    assert not info.value.retryable


def test_a_full_disk_is_retryable_and_leaves_no_temporary_file(
        tmp_path: Path, transfers: list[Transfer], monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = FileAdapter(tmp_path)
    deliveries = make_deliveries(transfers[:2], adapter="file")

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(SettlementError, match="No space left") as info:
        adapter.settle(deliveries)
    monkeypatch.undo()
    assert info.value.retryable
    assert list((tmp_path / "sepa").iterdir()) == []
    assert [o.status for o in adapter.settle(deliveries)] == ["settled", "settled"]


def test_a_batch_is_durable_before_its_outcomes_and_written_once(
        tmp_path: Path, transfers: list[Transfer], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every body is fsynced before any file gets its final name, and the rail directory
    is fsynced once after the last rename: an outcome never stands for a file a power
    loss could take back.  Files renamed before a failure replay as duplicates."""
    import stat

    adapter = FileAdapter(tmp_path)
    adapter.settle(make_deliveries(transfers[:1], adapter="file"))  # the rail is open
    deliveries = make_deliveries(transfers[1:6], adapter="file")
    events: list[str] = []
    fsync, replace = os.fsync, os.replace
    fail_dir = [True]

    def traced_fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        if kind == "dir" and fail_dir[0]:
            raise OSError(5, "Input/output error")
        fsync(fd)
        events.append(kind)

    def traced_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        replace(src, dst)
        events.append("rename")

    monkeypatch.setattr(os, "fsync", traced_fsync)
    monkeypatch.setattr(os, "replace", traced_replace)
    with pytest.raises(SettlementError, match="Input/output") as info:
        adapter.settle(deliveries)
    assert info.value.retryable
    assert events == ["file"] * 5 + ["rename"] * 5
    events.clear()
    fail_dir[0] = False
    assert [o.status for o in adapter.settle(deliveries)] == ["duplicate"] * 5
    assert events == ["dir"]  # nothing rewritten; the renames made durable
    events.clear()
    more = make_deliveries(transfers[6:9], adapter="file")
    assert [o.status for o in adapter.settle([*more, more[0]])] == [
        "settled", "settled", "settled", "duplicate"]
    assert events == ["file"] * 3 + ["rename"] * 3 + ["dir"]
    names = sorted(p.name for p in (tmp_path / "sepa").iterdir())
    assert names == sorted(f"{d.key}.xml" for d in [*make_deliveries(transfers[:1],
                                                                     adapter="file"),
                                                    *deliveries, *more])
    for d in [*deliveries, *more]:
        assert (tmp_path / "sepa" / f"{d.key}.xml").read_bytes() == d.body
    adapter.close()


def test_old_temporary_files_are_removed_young_ones_kept(tmp_path: Path,
                                                         transfers: list[Transfer]) -> None:
    rail = tmp_path / "sepa"
    rail.mkdir()
    old, young = rail / ".tmp-old", rail / ".tmp-young"
    old.write_bytes(b"<Docu")
    young.write_bytes(b"<Docu")
    past = time.time() - STALE_AFTER - 60
    os.utime(old, (past, past))
    FileAdapter(tmp_path).settle(make_deliveries(transfers[:1], adapter="file"))
    assert not old.exists() and young.exists()


# -- amqp: a broker that goes away and comes back ---------------------------------------------


@pytest.mark.services
def test_a_broker_that_is_down_keeps_messages_in_the_outbox_until_it_is_back(
        ledger: Ledger, amqp_queues: Queues, transfers: list[Transfer]) -> None:
    proxy = Proxy(("127.0.0.1", 5672))
    url = amqp_queues.url.replace("127.0.0.1:5672", f"127.0.0.1:{proxy.port}")
    adapter = AmqpAdapter(url, queue_prefix=amqp_queues.prefix, timeout=3.0)
    relay = Relay(ledger, [adapter], base_delay=0.0)
    deliveries = make_deliveries(transfers[:6], adapter="amqp", per=1)
    ledger.record(deliveries)
    try:
        report = relay.run_once()  # nobody listens on the port
        assert (report.claimed, report.retried, report.settled) == (6, 6, 0)
        assert "amqp" in report.errors[0] and "(retryable)" in report.errors[0]
        row = ledger.outbox_row("amqp", "sepa", deliveries[0].key)
        assert row is not None and row["state"] == "pending" and row["attempts"] == 1
        assert "AMQPConnectionError" in row["last_error"]
        assert ledger.states()["routed"] == 6
        with pytest.raises(SettlementError) as info:
            adapter.settle(deliveries[:1])
        assert info.value.retryable and info.value.adapter == "amqp"

        proxy.start()  # the broker is back
        report = relay.drain(limit=3)
        assert (report.settled, report.retried) == (6, 0)
        assert ledger.states()["sent"] == 6

        ledger.record(more := make_deliveries(transfers[6:9], adapter="amqp", per=1))
        proxy.cut()  # the connection is dropped under the idle adapter
        settled = 0
        for _ in range(2):  # found before publishing (reconnect), or by a failed publish
            report = relay.run_once()
            assert all("(retryable)" in error for error in report.errors)
            settled += report.settled
        assert settled == 3
    finally:
        adapter.close()
        proxy.stop()
    got = [p.message_id for p, _ in amqp_queues.consume("sepa")]
    assert sorted(got) == sorted(d.key for d in deliveries + more)  # each exactly once


@pytest.mark.services
def test_messages_are_persistent_with_ids_in_headers(amqp_queues: Queues,
                                                     transfers: list[Transfer]) -> None:
    adapter = AmqpAdapter(amqp_queues.url, queue_prefix=amqp_queues.prefix)
    (d,) = make_deliveries(transfers[:1], adapter="amqp")
    try:
        assert [o.status for o in adapter.settle([d])] == ["settled"]
    finally:
        adapter.close()
    ((properties, body),) = amqp_queues.consume("sepa")
    (e,) = d.entries
    assert body == d.body
    assert (properties.delivery_mode, properties.message_id, properties.type,
            properties.content_type) == (2, d.key, "pacs.008.001.08", "application/xml")
    assert properties.headers == {
        "x-batch": "0", "x-delivery-key": d.key, "x-message-id": d.message_id,
        "x-route": d.route, "x-transfers": 1, "x-transfer-key": e.transfer_key,
        "x-end-to-end-id": e.end_to_end_id, "x-uetr": e.uetr}


def test_an_unreachable_broker_is_retryable_and_hides_the_password() -> None:
    adapter = AmqpAdapter("amqp://bank:s3cret@127.0.0.1:1/", timeout=2.0)
    d = Delivery(key="k", route="r", adapter="amqp", rail="q", message_id="M")
    with pytest.raises(SettlementError) as info:
        adapter.settle([d])
    adapter.close()
    assert info.value.retryable
    assert "s3cret" not in str(info.value) and "bank:***@127.0.0.1:1" in str(info.value)


def test_groups_committed_before_a_failure_stay_committed(ledger: Ledger,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = LedgerAdapter(ledger, transaction_transfers=2)
    adapter.open_account("onus", "A", "EUR", balance=Decimal("10.00"))
    adapter.open_account("onus", "B", "EUR")
    batch = [money_delivery(f"d{i}", "1.00") for i in range(5)]
    real = adapter.db.executemany
    updates = []

    def fail_third_group(sql: str, rows: object) -> None:
        if sql.startswith("UPDATE accounts"):
            updates.append(sql)
            if len(updates) == 5:  # d4: the third group (d0 d1 | d2 d3 | d4)
                raise SettlementError("connection lost", retryable=True)
        real(sql, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(adapter.db, "executemany", fail_third_group)
    with pytest.raises(SettlementError, match="connection lost"):
        adapter.settle(batch)
    monkeypatch.undo()
    assert adapter.balance("onus", "A") == Decimal("6.00")  # two groups of two committed
    assert [o.status for o in adapter.settle(batch)] == ["duplicate"] * 4 + ["settled"]
    assert adapter.balance("onus", "A") == Decimal("5.00")
    assert adapter.balance("onus", "B") == Decimal("5.00")


@pytest.mark.services
def test_queues_are_durable_and_unroutable_publishes_are_not_confirmed(
        amqp_queues: Queues, transfers: list[Transfer]) -> None:
    import pika
    import pika.exceptions

    adapter = AmqpAdapter(amqp_queues.url, queue_prefix=amqp_queues.prefix)
    first, second = make_deliveries(transfers[:2], adapter="amqp")
    connection = pika.BlockingConnection(pika.URLParameters(amqp_queues.url))
    try:
        assert [o.status for o in adapter.settle([first])] == ["settled"]
        # The queue is durable: declaring it as transient is refused by the broker.
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            connection.channel().queue_declare(amqp_queues.name("sepa"), durable=False)
        assert refused.value.reply_code == 406
        # An operator deletes the queue: the broker returns the mandatory message and
        # the confirm says so; it is not reported settled (the outbox keeps it).
        connection.channel().queue_delete(amqp_queues.name("sepa"))
        with pytest.raises(SettlementError, match="UnroutableError") as info:
            adapter.settle([second])
        assert info.value.retryable
        assert [o.status for o in adapter.settle([second])] == ["settled"]  # declared again
    finally:
        adapter.close()
        connection.close()
    assert [p.message_id for p, _ in amqp_queues.consume("sepa")] == [second.key]


class Crash(BaseException):
    """A consumer process dying: nothing in the library catches it."""


class AckCrash(AmqpConsumer):
    """Dies after its first commit, before acknowledging that message."""

    def _ack(self, channel: Any, tag: int) -> None:
        raise Crash


@pytest.mark.services
def test_the_consumer_takes_each_message_id_once_across_crashes_and_failures(
        ledger: Ledger, amqp_queues: Queues, transfers: list[Transfer]) -> None:
    import pika

    db = ledger.db  # the consumer's own database (SQLite or PostgreSQL)
    db.execute("CREATE TABLE effects (message_id TEXT NOT NULL)")
    deliveries = make_deliveries(transfers[:5], adapter="amqp")
    keys = [d.key for d in deliveries]
    publisher = AmqpAdapter(amqp_queues.url, queue_prefix=amqp_queues.prefix)
    try:
        publisher.settle(deliveries)
        publisher.settle(deliveries[1:2])  # a relay's replay: a second copy of keys[1]
    finally:
        publisher.close()
    connection = pika.BlockingConnection(pika.URLParameters(amqp_queues.url))
    try:  # a foreign message without a message_id
        connection.channel().basic_publish("", amqp_queues.name("sepa"), b"<x/>")
    finally:
        connection.close()

    calls: list[str] = []
    fail_once = {keys[2]}
    crash_in_handler = {keys[3]}

    def handle(message: Received) -> None:
        calls.append(message.message_id)
        db.execute("INSERT INTO effects (message_id) VALUES (?)", (message.message_id,))
        if message.message_id in crash_in_handler:
            crash_in_handler.clear()
            raise Crash  # dies before the commit: the effect row goes with the rollback
        if message.message_id in fail_once:
            fail_once.clear()
            raise ValueError("downstream says later")

    def effects() -> list[str]:
        return sorted(m for (m,) in db.execute("SELECT message_id FROM effects"))

    dying = AckCrash(amqp_queues.url, ledger, queue_prefix=amqp_queues.prefix)
    with pytest.raises(Crash):
        dying.receive("sepa", handle)  # keys[0] committed, never acknowledged
    dying.close()  # the process is gone: the broker requeues what was not acknowledged
    assert effects() == [keys[0]]

    consumer = AmqpConsumer(amqp_queues.url, ledger, queue_prefix=amqp_queues.prefix)
    try:
        reports = []
        for _ in range(6):
            try:
                reports.append(consumer.receive("sepa", handle))
            except Crash:
                consumer.close()  # crashed in the handler: restart
                continue
            if reports[-1].received == 0:
                break
    finally:
        consumer.close()
    assert effects() == sorted(keys)  # each delivery took effect exactly once
    assert calls.count(keys[0]) == 1 and calls.count(keys[1]) == 1
    assert calls.count(keys[2]) == 2 and calls.count(keys[3]) == 2  # failed, then done
    assert len(calls) == 7  # the handler never saw a duplicate
    # (a crashed round's report is lost with it; the reports that came back say why)
    assert {i for r in reports for i in r.duplicate_ids} <= {keys[0], keys[1]}
    assert sum(r.requeued for r in reports) == 1 and sum(r.refused for r in reports) == 1
    assert any("downstream says later" in e for r in reports for e in r.errors)
    assert amqp_queues.consume("sepa") == []  # everything acknowledged


def test_an_unreachable_broker_is_a_retryable_consumer_error(ledger: Ledger) -> None:
    consumer = AmqpConsumer("amqp://bank:s3cret@127.0.0.1:1/", ledger, timeout=2.0)
    with pytest.raises(SettlementError) as info:
        consumer.receive("q", lambda m: None)
    consumer.close()
    assert info.value.retryable and info.value.adapter == "amqp-consumer"
    assert "s3cret" not in str(info.value)
