"""The ledger on SQLite and on PostgreSQL (same tests): migrations, recording, exactness."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

import iso20022
from iso20022 import synth
from iso20022.errors import SettlementError
from iso20022.keys import transfer_key
from iso20022.records import Transfer
from iso20022.settle import Delivery, Entry
from iso20022.settle._db import Database, redact
from iso20022.settle.ledger import Ledger
from iso20022.settle.migrations import MIGRATIONS, Migration, migrate

from .settlekit import OpenLedger, make_deliveries, money_delivery

EXACT = ["0.10", "0.20", "12345678901234567.89", "0.00001", "1E+3", "100.000"]


def test_migrations_are_applied_once_and_recorded(open_ledger: OpenLedger) -> None:
    first = open_ledger()
    rows = first.db.execute("SELECT version, name, checksum FROM schema_migrations")
    assert [(int(v), c) for v, _, c in rows] == [(m.version, m.checksum) for m in MIGRATIONS]
    second = open_ledger()  # a restart: nothing left to apply, nothing applied twice
    assert migrate(second.db) == []
    (count,), = second.db.execute("SELECT COUNT(*) FROM schema_migrations")
    assert int(count) == len(MIGRATIONS)


def test_a_later_migration_is_applied_on_start_to_an_existing_ledger(
        open_ledger: OpenLedger) -> None:
    ledger = open_ledger()
    ledger.record([money_delivery("d", "0.10")])
    last = MIGRATIONS[-1].version
    v2 = Migration(last + 1, "transfer notes", "ALTER TABLE transfers ADD COLUMN note TEXT;"
                                        " CREATE INDEX transfers_note ON transfers (note)")
    db = open_ledger().db  # a newer release starts on the existing ledger
    assert migrate(db, (*MIGRATIONS, v2)) == [last + 1]
    assert migrate(db, (*MIGRATIONS, v2)) == []
    with pytest.raises(SettlementError, match=f"version {last + 1} is newer"):
        open_ledger()  # the old release refuses the newer schema
    assert db.execute("SELECT amount, note FROM transfers") == [
        ("0.10" if db.dialect == "sqlite" else Decimal("0.10"), None)]  # data kept
    versions = [int(v) for (v,) in db.execute(
        "SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [*range(1, last + 1), last + 1]
    broken = Migration(last + 2, "broken", "ALTER TABLE transfers ADD COLUMN x TEXT;"
                                    " ALTER TABLE no_such_table ADD COLUMN y TEXT")
    with pytest.raises(SettlementError):
        migrate(db, (*MIGRATIONS, v2, broken))
    # the failed migration left nothing behind: not recorded, its first statement undone
    assert [int(v) for (v,) in db.execute("SELECT version FROM schema_migrations")] == [
        *range(1, last + 2)]
    db.execute("ALTER TABLE transfers ADD COLUMN x TEXT")


def test_a_newer_or_changed_schema_is_refused(open_ledger: OpenLedger) -> None:
    ledger = open_ledger()
    ledger.db.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'x', 'now')")
    with pytest.raises(SettlementError, match="version 99 is newer") as info:
        open_ledger()
    assert not info.value.retryable
    ledger.db.execute("DELETE FROM schema_migrations WHERE version = 99")
    ledger.db.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    with pytest.raises(SettlementError, match="differs"):
        open_ledger()


def test_record_writes_transfers_transitions_and_outbox_in_one_go(
        ledger: Ledger, transfers: list[Transfer]) -> None:
    deliveries = make_deliveries(transfers[:10], adapter="file", per=3)
    assert ledger.record(deliveries) == 4
    assert ledger.outbox_counts() == {"pending": 4, "sent": 0, "failed": 0}
    assert ledger.states() == {"routed": 10, "sent": 0, "settled": 0, "rejected": 0,
                              "returned": 0}
    for t in transfers[:10]:
        row = ledger.transfer(transfer_key(t))
        assert row is not None
        assert (row.amount, row.currency, row.end_to_end_id, row.uetr) == (
            t.amount.amount, t.amount.currency, t.end_to_end_id, t.uetr)
        assert row.state == "routed" and row.adapter == "file" and row.route == "route-sepa"
        (step,) = ledger.transitions(transfer_key(t))
        assert (step.from_state, step.to_state) == (None, "routed")
    claimed = ledger.claim(10, owner="t", lease=60)
    assert [c.delivery for c in claimed] == deliveries  # the outbox gives back what went in


def test_recording_again_is_idempotent(ledger: Ledger, transfers: list[Transfer]) -> None:
    deliveries = make_deliveries(transfers[:6], adapter="file", per=2)
    assert ledger.record(deliveries) == 3
    assert ledger.record(deliveries) == 0
    assert ledger.record(deliveries[::-1] + make_deliveries(transfers[6:8], adapter="file",
                                                            per=2)) == 1
    assert ledger.outbox_counts()["pending"] == 4
    assert sum(ledger.states().values()) == 8


def test_a_key_reused_with_other_content_is_refused_and_nothing_is_written(
        ledger: Ledger, transfers: list[Transfer]) -> None:
    (first,) = make_deliveries(transfers[:1], adapter="file")
    ledger.record([first])
    fresh = make_deliveries(transfers[1:2], adapter="file")
    changed = dataclasses.replace(first, body=b"<Document>other</Document>")
    with pytest.raises(SettlementError, match="already recorded with other content") as info:
        ledger.record([*fresh, changed])
    assert not info.value.retryable
    assert ledger.outbox_counts()["pending"] == 1  # `fresh` was rolled back with the rest
    assert ledger.transfer(fresh[0].entries[0].transfer_key) is None


def test_a_transfer_in_two_deliveries_is_refused(ledger: Ledger,
                                                 transfers: list[Transfer]) -> None:
    ledger.record(make_deliveries(transfers[:2], adapter="file", per=2))
    again = make_deliveries(transfers[1:3], adapter="file", per=2, rail="other")
    with pytest.raises(SettlementError, match="already recorded in another delivery"):
        ledger.record(again)
    assert ledger.transfer(transfer_key(transfers[2])) is None
    assert ledger.outbox_counts()["pending"] == 1


def test_two_deliveries_of_one_batch_naming_one_transfer_are_refused(
        ledger: Ledger, transfers: list[Transfer]) -> None:
    ledger.record(make_deliveries(transfers[:1], adapter="file"))
    first = make_deliveries(transfers[1:3], adapter="file", per=2)
    second = make_deliveries(transfers[2:4], adapter="file", per=2, rail="other")
    with pytest.raises(SettlementError, match=f"delivery {second[0].key}: 1 of its transfers "
                                              "are already recorded in another delivery"):
        ledger.record([*first, *second])
    assert ledger.outbox_counts()["pending"] == 1  # the whole call rolled back
    assert all(ledger.transfer(transfer_key(t)) is None for t in transfers[1:4])


def test_a_delivery_naming_a_transfer_twice_is_refused(ledger: Ledger,
                                                       transfers: list[Transfer]) -> None:
    (d,) = make_deliveries(transfers[:1], adapter="file")
    twice = dataclasses.replace(d, entries=d.entries * 2)
    with pytest.raises(SettlementError, match="names a transfer twice"):
        ledger.record([twice])
    assert ledger.outbox_counts()["pending"] == 0


def test_many_single_deliveries_recorded_in_one_call(ledger: Ledger,
                                                     transfers: list[Transfer]) -> None:
    """More deliveries on one rail than one count query takes (the check goes in chunks)."""
    many = [t for seed in range(30, 56) for t in iso20022.parse(synth.pacs008(25, seed=seed))]
    assert len(many) > 600
    singles = make_deliveries(many, adapter="file", rail="cbpr")
    assert ledger.record(singles) == len(singles)
    assert ledger.record(singles) == 0
    assert ledger.outbox_counts()["pending"] == len(singles)
    assert sum(ledger.states().values()) == len(many)
    late = make_deliveries([many[-1]], adapter="file", rail="other")
    with pytest.raises(SettlementError, match="already recorded in another delivery"):
        ledger.record([*make_deliveries(transfers[:1], adapter="file"), *late])
    assert ledger.transfer(transfer_key(transfers[0])) is None


@pytest.mark.parametrize("amount", [0.1, Decimal("NaN"), Decimal("-1.00"), Decimal(0)])
def test_bad_amounts_are_refused(ledger: Ledger, amount: object) -> None:
    e = Entry(transfer_key="t", amount=amount, currency="EUR")  # type: ignore[arg-type]
    d = Delivery(key="d", route="r", adapter="file", rail="x", message_id="M", entries=(e,))
    with pytest.raises(SettlementError, match="positive finite Decimal"):
        ledger.record([d])
    assert ledger.outbox_counts()["pending"] == 0


def test_bad_currency_is_refused(ledger: Ledger) -> None:
    with pytest.raises(SettlementError, match="ISO 4217"):
        ledger.record([money_delivery("d", "1.00", currency="eur")])


def test_amounts_are_stored_exactly_never_as_floats(ledger: Ledger) -> None:
    deliveries = [money_delivery(f"d{i}", a) for i, a in enumerate(EXACT)]
    ledger.record(deliveries)
    for d in deliveries:
        (e,) = d.entries
        row = ledger.transfer(e.transfer_key)
        assert row is not None
        assert row.amount == e.amount
        # exactly the text that went in; PostgreSQL's NUMERIC writes 1E+3 as 1000
        text = str(e.amount)
        if ledger.db.dialect == "postgresql" and "E" in text:
            text = format(e.amount, "f")
        assert str(row.amount) == text
    if ledger.db.dialect == "sqlite":
        kinds = {k for (k,) in ledger.db.execute("SELECT DISTINCT typeof(amount) FROM transfers")}
        assert kinds == {"text"}
    else:
        types = {str(t) for (t,) in ledger.db.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND column_name IN ('amount', 'balance')")}
        assert types == {"numeric"}
    total = sum((ledger.transfer(d.entries[0].transfer_key).amount  # type: ignore[union-attr]
                 for d in deliveries[:2]), Decimal(0))
    assert total == Decimal("0.30")


def test_state_steps_are_checked_and_idempotent(ledger: Ledger) -> None:
    ledger.record([money_delivery("d", "1.00")])
    assert ledger.advance(["t-d"], "sent", detail="handed over") == 1
    assert ledger.advance(["t-d"], "settled", detail="pacs.002 ACSC") == 1
    assert ledger.advance(["t-d"], "settled") == 0
    with pytest.raises(SettlementError, match="settled -> sent is not allowed"):
        ledger.advance(["t-d"], "sent")
    with pytest.raises(SettlementError, match="unknown transfer"):
        ledger.advance(["nope"], "sent")
    steps = [(s.from_state, s.to_state, s.detail) for s in ledger.transitions("t-d")]
    assert steps == [(None, "routed", "route on-us -> ledger/onus"),
                     ("routed", "sent", "handed over"), ("sent", "settled", "pacs.002 ACSC")]


def test_passwords_never_appear_in_errors() -> None:
    assert redact("postgresql://bank:s3cret@db:5432/ledger") == (
        "postgresql://bank:***@db:5432/ledger")
    with pytest.raises(SettlementError) as info:
        Database.open("postgresql://bank:s3cret@127.0.0.1:1/ledger")
    assert info.value.retryable
    assert "s3cret" not in str(info.value) and "bank:***@127.0.0.1:1" in str(info.value)


def test_a_schema_is_a_postgresql_option_only() -> None:
    with pytest.raises(SettlementError, match="only be chosen on PostgreSQL"):
        Ledger.open(":memory:", schema="x")


def test_sqlite_urls_and_unknown_schemes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with Ledger.open("sqlite:///relative.sqlite") as ledger:
        assert ledger.record([money_delivery("d", "1.00")]) == 1
    with Ledger.open(f"sqlite:///{tmp_path}/relative.sqlite") as ledger:  # sqlite:////abs
        assert ledger.transfer("t-d") is not None
    with pytest.raises(SettlementError, match="not a ledger URL") as info:
        Ledger.open("mysql://root:pw@db/ledger")
    assert "root:***@db" in str(info.value) and ":pw@" not in str(info.value)


def _open_and_count(path: str) -> int:
    with Ledger.open(path) as ledger:
        (count,), = ledger.db.execute("SELECT COUNT(*) FROM schema_migrations")
        return int(count)


def test_processes_opening_one_new_sqlite_ledger_at_once_all_succeed(tmp_path: Path) -> None:
    # Several service instances start together on one fresh ledger file: the
    # switch to WAL and the first migration race, and SQLite answers the losers
    # "database is locked" without waiting (seen in CI).  Every opener must wait
    # its turn and find the schema applied exactly once.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(6, mp_context=multiprocessing.get_context("spawn")) as pool:
        for round_ in range(20):
            path = str(tmp_path / f"ledger-{round_}.sqlite")
            assert list(pool.map(_open_and_count, [path] * 6)) == [len(MIGRATIONS)] * 6


def test_migration_3_keeps_a_version_2_ledger_and_its_foreign_keys(
        ledger_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A ledger written by the release before reconciliation: the rebuild of ``transfers``
    (SQLite) or its altered constraint (PostgreSQL) keeps every row and reference."""
    import secrets

    if ledger_kind == "sqlite":
        target, schema = str(tmp_path / "v2.sqlite"), None
    else:
        target, schema = request.getfixturevalue("postgres_url"), f"t_{secrets.token_hex(6)}"
    old = Database.open(target, schema=schema)
    try:
        assert migrate(old, MIGRATIONS[:2]) == [1, 2]
        old.execute("INSERT INTO transfers (transfer_key, delivery_key, adapter, rail, route,"
                    " end_to_end_id, uetr, amount, currency, debtor_account, creditor_account,"
                    " state, created_at, updated_at) VALUES ('t1', 'd1', 'file', 'r', 'route',"
                    " 'E2E-1', NULL, '12345678901234567.89', 'EUR', 'DE89370400440532013000',"
                    " NULL, 'sent', 'x', 'x')")
        old.execute("INSERT INTO transitions (transfer_key, to_state, from_state, at, detail)"
                    " VALUES ('t1', 'sent', 'routed', 'x', 'relay')")
        old.close()
        ledger = Ledger.open(target, schema=schema)
        db = ledger.db
        versions = [int(v) for (v,) in db.execute(
            "SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == [m.version for m in MIGRATIONS]
        row = ledger.transfer("t1")
        assert row is not None and row.amount == Decimal("12345678901234567.89")
        assert row.state == "sent" and row.end_to_end_id == "E2E-1"
        assert db.execute("SELECT msg_id, pmt_inf_id, value_date FROM transfers") == [
            (None, None, None)]
        assert [t.to_state for t in ledger.transitions("t1")] == ["sent"]
        with pytest.raises(SettlementError):  # the foreign key still holds
            db.execute("INSERT INTO transitions (transfer_key, to_state, from_state, at,"
                       " detail) VALUES ('nobody', 'sent', 'routed', 'x', 'x')")
        assert ledger.advance(["t1"], "settled") == 1
        assert ledger.advance(["t1"], "returned", detail="camt.053 AC04") == 1
        assert ledger.states()["returned"] == 1
        with pytest.raises(SettlementError, match="not allowed"):
            ledger.advance(["t1"], "settled")  # a return is final
        ledger.close()
    finally:
        if schema is not None:
            import psycopg

            with psycopg.connect(target, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _old_outbox_row(db: Database, d: Delivery, state: str) -> None:
    """An outbox row as the code before migration 4 wrote it (body and entries inline)."""
    from iso20022.settle.ledger import _digest, _entries_json

    headers = orjson.dumps(dict(d.headers), option=orjson.OPT_SORT_KEYS)
    db.execute("INSERT INTO outbox (adapter, rail, delivery_key, route, message_id,"
               " message_type, body, headers, entries, digest, state, attempts, available_at,"
               " created_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
               (d.adapter, d.rail, d.key, d.route, d.message_id, d.message_type, d.body,
                headers.decode(), _entries_json(d.entries).decode(),
                _digest(d, headers, _entries_json(d.entries, references=False)), state,
                "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00.000000Z",
                "settled" if state == "sent" else None))


def test_migration_4_moves_outbox_content_of_a_version_3_ledger(
        ledger_kind: str, tmp_path: Path, request: pytest.FixtureRequest,
        transfers: list[Transfer]) -> None:
    """A ledger written before outbox bodies had their own table: every row keeps its
    body and entries, a pending delivery is still claimed and delivered whole, and
    recording it again is still recognised as the same delivery."""
    import secrets

    from iso20022.settle import FileAdapter, Relay

    if ledger_kind == "sqlite":
        target, schema = str(tmp_path / "v3.sqlite"), None
    else:
        target, schema = request.getfixturevalue("postgres_url"), f"t_{secrets.token_hex(6)}"
    sent, pending = make_deliveries(transfers[:6], adapter="file", per=3)
    old = Database.open(target, schema=schema)
    try:
        assert migrate(old, MIGRATIONS[:3]) == [1, 2, 3]
        with old.transaction():
            _old_outbox_row(old, sent, "sent")
            _old_outbox_row(old, pending, "pending")
        old.close()
        ledger = Ledger.open(target, schema=schema)
        db = ledger.db
        assert [int(v) for (v,) in db.execute(
            "SELECT version FROM schema_migrations ORDER BY version")] == [
            m.version for m in MIGRATIONS]
        assert "body" not in {c.lower() for c in _columns(db, "outbox")}
        rows = db.execute("SELECT delivery_key, encoding, body, entries FROM outbox"
                          " JOIN outbox_content ON outbox_id = id ORDER BY id")
        assert [(k, e, bytes(b)) for k, e, b, _ in rows] == [
            (sent.key, "identity", sent.body), (pending.key, "identity", pending.body)]
        assert [orjson.loads(bytes(r[3]))[0]["transfer_key"] for r in rows] == [
            sent.entries[0].transfer_key, pending.entries[0].transfer_key]
        assert ledger.outbox_counts() == {"pending": 1, "sent": 1, "failed": 0}
        assert ledger.record([sent, pending]) == 0  # the same deliveries, recognised
        (claimed,) = ledger.claim(10, owner="r", lease=60.0)
        assert claimed.delivery == pending
        assert ledger.release("r") == 1
        report = Relay(ledger, [FileAdapter(tmp_path / "outbox")]).drain()
        assert report.settled == 1
        assert (tmp_path / "outbox" / "sepa" / f"{pending.key}.xml").read_bytes() == pending.body
        ledger.close()
    finally:
        if schema is not None:
            import psycopg

            with psycopg.connect(target, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_large_outbox_content_is_stored_compressed_and_claimed_whole(
        ledger: Ledger, transfers: list[Transfer]) -> None:
    """A big body (a bulk pacs.008) and its entries are written compressed, a small one
    as it is; both come back from the outbox byte for byte."""
    small, big = make_deliveries(transfers[:4], adapter="file", per=2)
    big = dataclasses.replace(big, body=b"<Document>" + b"<Tx>same old</Tx>" * 20_000
                              + b"</Document>")
    assert ledger.record([small, big]) == 2
    rows = ledger.db.execute("SELECT delivery_key, encoding, LENGTH(body) FROM outbox"
                             " JOIN outbox_content ON outbox_id = id ORDER BY id")
    assert [(k, e) for k, e, _ in rows] == [(small.key, "identity"), (big.key, "zlib")]
    assert int(rows[1][2]) < len(big.body) // 10
    claimed = ledger.claim(10, owner="r", lease=60.0)
    assert [c.delivery for c in claimed] == [small, big]
    assert ledger.record([big]) == 0  # the same delivery, still recognised


def _columns(db: Database, table: str) -> list[str]:
    if db.dialect == "sqlite":
        return [str(r[1]) for r in db.execute(f"PRAGMA table_info({table})")]
    return [str(r[0]) for r in db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
        " AND table_schema = current_schema()", (table,))]


def test_transfers_keep_the_references_statements_quote_back(ledger: Ledger) -> None:
    """Planned deliveries carry each transfer's source MsgId, PmtInfId and value date
    into the ledger, where reconciliation meets them in bank statements."""
    import iso20022
    from iso20022 import synth
    from iso20022.build.pacs008 import settlement_date
    from iso20022.build.plan import plan
    from iso20022.route import Routes

    sources = list(iso20022.parse(synth.pain001(12, seed=7)))
    book = {"name": "on-us", "adapter": "ledger", "rail": "book", "format": "book"}
    ledger.record(plan(sources, Routes.from_dict({"default": book}), our_bic="HANSDEHHXXX"))
    rows = ledger.db.execute("SELECT transfer_key, msg_id, pmt_inf_id, value_date"
                             " FROM transfers")
    by_key = {transfer_key(t): t for t in sources}
    assert sorted(k for k, *_ in rows) == sorted(by_key)
    for key, msg_id, pmt_inf_id, value_date in rows:
        source = by_key[key]
        assert source.payment is not None
        assert msg_id == source.message.message_id
        assert pmt_inf_id == source.payment.payment_information_id
        assert value_date == settlement_date(source, source.message.creation_date_time
                                             ).isoformat()


def test_a_delivery_recorded_without_references_is_the_same_delivery_with_them(
        ledger: Ledger) -> None:
    """Deliveries recorded before the ledger kept MsgId / PmtInfId / value date compare
    equal to the same delivery planned now (the digest leaves those out)."""
    from datetime import date

    bare = money_delivery("d", "1.50")
    (entry,) = bare.entries
    full = dataclasses.replace(bare, entries=(dataclasses.replace(
        entry, msg_id="M1", pmt_inf_id="P1", value_date=date(2026, 12, 3)),))
    assert ledger.record([bare]) == 1
    assert ledger.record([full]) == 0  # the same delivery: skipped, not a conflict
    changed = dataclasses.replace(bare, entries=(dataclasses.replace(
        entry, amount=Decimal("1.51")),))
    with pytest.raises(SettlementError, match="other content"):
        ledger.record([changed])
