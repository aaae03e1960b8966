"""The ledger: transfers, their state transitions and the transactional outbox, in SQL.

:meth:`Ledger.record` writes, in ONE database transaction, the routing
decision (one ``transfers`` row per :class:`~iso20022.settle.Entry`, state
``routed``, with its first ``transitions`` row) and the outbound message (one
``outbox`` row per :class:`~iso20022.settle.Delivery`, its body and entries in
``outbox_content``, written once and zlib-compressed when larger than
:data:`COMPRESS_FROM` bytes: the relay's state updates leave them alone).
Nothing leaves the process except through the outbox (see
:mod:`iso20022.settle.outbox`), so a crash between "decided" and "sent" loses
nothing: the row is still pending.

Recording is idempotent: a delivery whose ``(adapter, rail, key)`` is already
recorded with the same content is skipped; one with the same key and other
content, or a transfer already recorded in another delivery, is refused
(``SettlementError``, permanent) and nothing of the call is written: a payment
is never recorded twice under two keys, nor replaced.

Transfer states: ``routed -> sent -> settled | rejected`` (an adapter's
rejection goes ``routed -> rejected``), each step a ``transitions`` row with
its UTC time.  Amounts are ``Decimal`` in Python and exact in SQL (NUMERIC on
PostgreSQL, decimal text on SQLite; never REAL).

Example:
    >>> from decimal import Decimal
    >>> from iso20022.settle import Delivery, Entry
    >>> with Ledger.open(":memory:") as ledger:
    ...     e = Entry(transfer_key="t1", amount=Decimal("0.10"), currency="EUR")
    ...     d = Delivery(key="d1", route="sepa", adapter="file", rail="sepa",
    ...                  message_id="M1", body=b"<Document/>", entries=(e,))
    ...     ledger.record([d]), ledger.record([d]), ledger.transfer("t1").amount
    (1, 0, Decimal('0.10'))
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from ..errors import SettlementError
from ._db import Database
from .migrations import migrate, now
from .protocol import Delivery, Entry, Outcome

__all__ = ["Claimed", "Ledger", "TransferRow", "Transition"]

_CURRENCY = re.compile(r"[A-Z]{3}\Z")
COMPRESS_FROM = 4096
"""Outbox content (body and entries) of at least this many bytes is stored compressed
(zlib level 1: XML and JSON shrink about 10x for ~6 ms a MB, fewer bytes to write and fsync)."""
_STATES = ("routed", "sent", "settled", "rejected", "returned")
_TEXT = ("transfer_key", "delivery_key", "adapter", "rail", "route", "end_to_end_id", "uetr")
_TRANSFER_COLUMNS = (*((name, "text") for name in _TEXT), ("amount", "numeric"),
                     *((name, "text") for name in ("currency", "debtor_account",
                                                   "creditor_account", "state", "created_at",
                                                   "updated_at", "msg_id", "pmt_inf_id",
                                                   "value_date")))
_KEYS_PER_QUERY = 500  # delivery keys in one IN (...) list
_TRANSITION_COLUMNS = tuple((name, "text") for name in (
    "transfer_key", "to_state", "from_state", "at", "detail"))
_NEXT = {"routed": ("sent", "rejected", "settled"), "sent": ("settled", "rejected"),
         "settled": ("returned",)}


@dataclass(frozen=True, slots=True)
class TransferRow:
    """A transfer as the ledger holds it."""

    transfer_key: str
    delivery_key: str
    adapter: str
    rail: str
    route: str
    amount: Decimal
    currency: str
    state: str
    end_to_end_id: str
    uetr: str | None


@dataclass(frozen=True, slots=True)
class Transition:
    """One step of a transfer's life, with its UTC time."""

    from_state: str | None
    to_state: str
    at: str
    detail: str


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox row a relay has claimed: the delivery and how often it was tried."""

    id: int
    attempts: int
    delivery: Delivery


def _check_entry(delivery: Delivery, entry: Entry) -> None:
    amount = entry.amount
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise SettlementError(f"delivery {delivery.key}: transfer {entry.transfer_key}: "
                              f"amount must be a positive finite Decimal, not {amount!r}",
                              retryable=False)
    if not _CURRENCY.match(entry.currency):
        raise SettlementError(f"delivery {delivery.key}: transfer {entry.transfer_key}: "
                              f"not an ISO 4217 currency code: {entry.currency!r}",
                              retryable=False)
    if not entry.transfer_key:
        raise SettlementError(f"delivery {delivery.key}: an entry has no transfer key",
                              retryable=False)


def _entries_json(entries: Sequence[Entry], *, references: bool = True) -> bytes:
    """The entries as stored; ``references=False`` leaves out what statements quote back
    (MsgId, PmtInfId, value date), which the digest does not cover: they follow from
    the source transfers the delivery key already pins, and deliveries recorded
    before the ledger kept them must still compare equal."""
    rows: list[dict[str, str | None]] = []
    for e in entries:
        row = {"transfer_key": e.transfer_key, "amount": str(e.amount), "currency": e.currency,
               "end_to_end_id": e.end_to_end_id, "uetr": e.uetr,
               "debtor_account": e.debtor_account, "creditor_account": e.creditor_account}
        if references:
            row["msg_id"] = e.msg_id
            row["pmt_inf_id"] = e.pmt_inf_id
            row["value_date"] = e.value_date.isoformat() if e.value_date is not None else None
        rows.append(row)
    return orjson.dumps(rows)


def _entries_from(text: str | bytes) -> tuple[Entry, ...]:
    return tuple(
        Entry(transfer_key=e["transfer_key"], amount=Decimal(e["amount"]),
              currency=e["currency"], end_to_end_id=e["end_to_end_id"], uetr=e["uetr"],
              debtor_account=e["debtor_account"], creditor_account=e["creditor_account"],
              msg_id=e.get("msg_id"), pmt_inf_id=e.get("pmt_inf_id"),
              value_date=date.fromisoformat(e["value_date"]) if e.get("value_date") else None)
        for e in orjson.loads(text))


def _digest(d: Delivery, headers: bytes, entries: bytes) -> str:
    h = hashlib.sha256()
    for part in (d.route, d.message_id, d.message_type):
        h.update(part.encode())
        h.update(b"\x1f")
    for blob in (bytes(d.body), headers, entries):
        h.update(len(blob).to_bytes(8, "big"))
        h.update(blob)
    return h.hexdigest()


def _pack(body: bytes, entries: bytes) -> tuple[str, bytes, bytes]:
    """``(encoding, body, entries)`` as ``outbox_content`` stores them."""
    if len(body) + len(entries) < COMPRESS_FROM:
        return "identity", body, entries
    return "zlib", zlib.compress(body, 1), zlib.compress(entries, 1)


def _unpack(encoding: str, body: bytes, entries: bytes) -> tuple[bytes, bytes]:
    """The body and the entries JSON of an ``outbox_content`` row."""
    body, entries = bytes(body), bytes(entries)
    if encoding == "zlib":
        return zlib.decompress(body), zlib.decompress(entries)
    return body, entries


def _later(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Ledger:
    """The ledger database: see the module docstring.  Use :meth:`open`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, target: str | Path, *, schema: str | None = None) -> Ledger:
        """Open (and migrate) the ledger at ``target``.

        Takes: a SQLite file path (the default kind; ``:memory:`` for tests) or a
        ``postgresql://`` URL; ``schema`` puts a PostgreSQL schema first on the
        search path (created if missing).
        Returns: the ledger, its schema current.  Raises: SettlementError.
        Example: ``Ledger.open("var/ledger.sqlite")``
        """
        db = Database.open(target, schema=schema)
        try:
            migrate(db)
        except BaseException:
            db.close()
            raise
        return cls(db)

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- recording ---------------------------------------------------------------------------

    def record(self, deliveries: Iterable[Delivery], /) -> int:
        """Record routed deliveries and their transfers in one transaction.

        Takes: deliveries (from routing and the outbound builders).
        Returns: how many were new (already-recorded identical ones are skipped).
        Raises: SettlementError — permanent for a bad entry, a key reused with
        other content, or a transfer already in another delivery (nothing is
        written then); retryable when the database is unavailable.
        Example: ``ledger.record([delivery])`` -> ``1``
        """
        batch = list(deliveries)
        for d in batch:
            for e in d.entries:
                _check_entry(d, e)
        db = self.db
        stamp = now()
        with db.transaction():
            fresh: list[Delivery] = []  # recorded by this call, in order
            contents: list[tuple[Any, ...]] = []
            for d in batch:
                headers = orjson.dumps(dict(d.headers), option=orjson.OPT_SORT_KEYS)
                entries = _entries_json(d.entries)
                digest = _digest(d, headers, _entries_json(d.entries, references=False))
                inserted = db.execute(
                    "INSERT INTO outbox (adapter, rail, delivery_key, route, message_id,"
                    " message_type, headers, digest, state, attempts, available_at,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)"
                    " ON CONFLICT (adapter, rail, delivery_key) DO NOTHING RETURNING id",
                    (d.adapter, d.rail, d.key, d.route, d.message_id, d.message_type,
                     headers.decode(), digest, stamp, stamp))
                if not inserted:
                    (old,), = db.execute(
                        "SELECT digest FROM outbox WHERE adapter = ? AND rail = ?"
                        " AND delivery_key = ?", (d.adapter, d.rail, d.key))
                    if old != digest:
                        raise SettlementError(
                            f"delivery {d.key} ({d.adapter}/{d.rail}) is already recorded "
                            "with other content", retryable=False)
                    continue
                (outbox_id,), = inserted
                contents.append((outbox_id, *_pack(bytes(d.body), entries)))
                fresh.append(d)
            # The rest of the new deliveries in a few statements, not five per delivery
            # (a drop of CBPR+ singles records thousands of one-transfer deliveries).
            db.executemany("INSERT INTO outbox_content (outbox_id, encoding, body, entries)"
                           " VALUES (?, ?, ?, ?)", contents)
            self._insert_transfers(fresh, stamp)
        return len(fresh)

    def _insert_transfers(self, deliveries: Sequence[Delivery], stamp: str) -> None:
        """The transfers of new deliveries, each in exactly one delivery, and their first
        transition; SettlementError (nothing kept: the caller's transaction) otherwise."""
        db = self.db
        for d in deliveries:
            keys = {e.transfer_key for e in d.entries}
            if len(keys) != len(d.entries):
                raise SettlementError(f"delivery {d.key} names a transfer twice",
                                      retryable=False)
        db.insert_many(
            "transfers", _TRANSFER_COLUMNS,
            [(e.transfer_key, d.key, d.adapter, d.rail, d.route, e.end_to_end_id, e.uetr,
              str(e.amount), e.currency, e.debtor_account, e.creditor_account,
              "routed", stamp, stamp, e.msg_id, e.pmt_inf_id,
              e.value_date.isoformat() if e.value_date is not None else None)
             for d in deliveries for e in d.entries],
            on_conflict="ON CONFLICT (transfer_key) DO NOTHING")
        # A transfer already in another delivery (earlier, or earlier in this batch) was
        # not inserted: its delivery comes up short.
        counts = self._transfer_counts(deliveries)
        for d in deliveries:
            count = counts.get((d.adapter, d.rail, d.key), 0)
            if count != len(d.entries):
                raise SettlementError(
                    f"delivery {d.key}: {len(d.entries) - count} of its transfers are already "
                    "recorded in another delivery", retryable=False)
        db.insert_many("transitions", _TRANSITION_COLUMNS,
                       [(e.transfer_key, "routed", None, stamp,
                         f"route {d.route} -> {d.adapter}/{d.rail}")
                        for d in deliveries for e in d.entries])

    def _transfer_counts(self, deliveries: Sequence[Delivery]) -> dict[tuple[str, str, str], int]:
        """Recorded transfers per (adapter, rail, delivery key) of ``deliveries``."""
        by_rail: dict[tuple[str, str], list[str]] = {}
        for d in deliveries:
            by_rail.setdefault((d.adapter, d.rail), []).append(d.key)
        counts: dict[tuple[str, str, str], int] = {}
        for (adapter, rail), keys in by_rail.items():
            for i in range(0, len(keys), _KEYS_PER_QUERY):
                chunk = keys[i:i + _KEYS_PER_QUERY]
                rows = self.db.execute(
                    "SELECT delivery_key, COUNT(*) FROM transfers WHERE adapter = ? AND rail = ?"
                    f" AND delivery_key IN ({', '.join('?' * len(chunk))})"
                    " GROUP BY delivery_key", (adapter, rail, *chunk))
                for key, count in rows:
                    counts[adapter, rail, key] = int(count)
        return counts

    # -- the outbox, for relays ------------------------------------------------------------

    def claim(self, limit: int, *, owner: str, lease: float,
              adapters: Sequence[str] | None = None) -> list[Claimed]:
        """Claim up to ``limit`` pending outbox rows for ``lease`` seconds.

        Rows are taken oldest first; a claimed row is invisible to other relays
        until its lease ends (so a crashed relay's rows come back by themselves).
        On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` while
        claiming, so relays side by side never claim the same row.
        Returns: the claimed deliveries.  Raises: SettlementError.
        Example: ``ledger.claim(100, owner="relay-1", lease=60.0)``
        """
        db = self.db
        stamp = now()
        where = "state = 'pending' AND available_at <= ?"  # columns of outbox only
        params: list[Any] = [stamp]
        if adapters is not None:
            if not adapters:
                return []
            where += f" AND adapter IN ({', '.join('?' * len(adapters))})"
            params.extend(adapters)
        lock = " FOR UPDATE OF outbox SKIP LOCKED" if db.dialect == "postgresql" else ""
        with db.transaction():
            rows = db.execute(
                "SELECT id, attempts, adapter, rail, delivery_key, route, message_id,"
                " message_type, encoding, body, headers, entries FROM outbox"
                " JOIN outbox_content ON outbox_id = id"
                f" WHERE {where} ORDER BY id LIMIT ?{lock}", (*params, limit))
            until = _later(lease)
            db.executemany("UPDATE outbox SET claimed_by = ?, available_at = ? WHERE id = ?",
                           [(owner, until, r[0]) for r in rows])
        out = []
        for r in rows:
            body, entries = _unpack(r[8], r[9], r[11])
            out.append(Claimed(id=int(r[0]), attempts=int(r[1]), delivery=Delivery(
                adapter=r[2], rail=r[3], key=r[4], route=r[5], message_id=r[6],
                message_type=r[7], body=body, headers=orjson.loads(r[10]),
                entries=_entries_from(entries))))
        return out

    def mark_sent(self, done: Sequence[tuple[Claimed, Outcome]], *, final: bool = False) -> None:
        """Mark claimed rows sent with their adapter's outcomes, and move their transfers.

        ``settled`` and ``duplicate`` move the transfers ``routed -> sent`` (and
        on to ``settled`` when ``final``: the adapter's effect is the
        settlement itself, as on-us postings are); ``rejected`` moves them
        ``routed -> rejected`` with the adapter's detail.  One transaction.
        Example: ``ledger.mark_sent([(claimed, Outcome(claimed.delivery.key, "settled"))])``
        """
        db = self.db
        stamp = now()
        with db.transaction():
            db.executemany(
                "UPDATE outbox SET state = 'sent', outcome = ?, outcome_detail = ?, sent_at = ?,"
                " claimed_by = NULL, last_error = NULL WHERE id = ? AND state = 'pending'",
                [(o.status, o.detail, stamp, c.id) for c, o in done])
            # Each delivery's first step, then the second steps (sent -> settled reads
            # the state the first one wrote); a transfer is in one delivery only, so
            # the deliveries of one step are independent and go in one statement each.
            first: list[tuple[Delivery, str, str, str]] = []
            second: list[tuple[Delivery, str, str, str]] = []
            for c, o in done:
                d = c.delivery
                if o.status == "rejected":
                    first.append((d, "routed", "rejected", o.detail or "rejected by the adapter"))
                else:
                    first.append((d, "routed", "sent", f"{o.status} by {d.adapter}/{d.rail}"))
                    if final:
                        second.append((d, "sent", "settled", f"settled on {d.adapter}/{d.rail}"))
            self._move(first, stamp)
            self._move(second, stamp)

    def _move(self, moves: Sequence[tuple[Delivery, str, str, str]], stamp: str) -> None:
        """Move the transfers of each delivery ``old -> new`` with a transition row each."""
        db = self.db
        match = "adapter = ? AND rail = ? AND delivery_key = ? AND state = ?"
        db.executemany(
            "INSERT INTO transitions (transfer_key, to_state, from_state, at, detail)"
            f" SELECT transfer_key, ?, ?, ?, ? FROM transfers WHERE {match}"
            " ON CONFLICT (transfer_key, to_state) DO NOTHING",
            [(new, old, stamp, detail, d.adapter, d.rail, d.key, old)
             for d, old, new, detail in moves])
        db.executemany(f"UPDATE transfers SET state = ?, updated_at = ? WHERE {match}",
                       [(new, stamp, d.adapter, d.rail, d.key, old)
                        for d, old, new, detail in moves])

    def mark_retry(self, claimed: Sequence[Claimed], error: str, *, delay: float) -> None:
        """Release claimed rows after a retryable failure: still pending, tried again after
        ``delay`` seconds, with the attempt counted and ``error`` kept."""
        until = _later(delay)
        with self.db.transaction():
            self.db.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, available_at = ?,"
                " claimed_by = NULL WHERE id = ? AND state = 'pending'",
                [(error, until, c.id) for c in claimed])

    def mark_failed(self, claimed: Sequence[Claimed], error: str) -> None:
        """Park claimed rows after a permanent failure (state ``failed``, kept, never lost;
        :meth:`requeue_failed` makes them pending again once the cause is fixed)."""
        with self.db.transaction():
            self.db.executemany(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?,"
                " claimed_by = NULL WHERE id = ? AND state = 'pending'",
                [(error, c.id) for c in claimed])

    def release(self, owner: str) -> int:
        """End the leases ``owner`` holds now: its claimed rows can be claimed at once.

        For a relay restarting under the same stable name after a crash, so it
        need not wait for its old leases.  Returns: how many rows were released.
        Example: ``ledger.release("relay-1")`` -> ``4``
        """
        with self.db.transaction():
            return self.db.changes("UPDATE outbox SET claimed_by = NULL, available_at = ?"
                                   " WHERE claimed_by = ? AND state = 'pending'", (now(), owner))

    def requeue_failed(self) -> int:
        """Make every failed outbox row pending again; return how many.

        Example: ``ledger.requeue_failed()`` -> ``0``
        """
        with self.db.transaction():
            return self.db.changes("UPDATE outbox SET state = 'pending', available_at = ?"
                                   " WHERE state = 'failed'", (now(),))

    # -- reading -------------------------------------------------------------------------------

    def outbox_counts(self) -> dict[str, int]:
        """Outbox rows per state, e.g. ``{"pending": 2, "sent": 10, "failed": 0}``."""
        counts = {"pending": 0, "sent": 0, "failed": 0}
        for state, n in self.db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
            counts[str(state)] = int(n)
        return counts

    def outbox_row(self, adapter: str, rail: str, key: str) -> dict[str, Any] | None:
        """One outbox row's bookkeeping (state, attempts, last error, outcome), or None.

        Example: ``ledger.outbox_row("amqp", "sepa", "d1")["attempts"]`` -> ``2``
        """
        rows = self.db.execute(
            "SELECT state, attempts, last_error, outcome, outcome_detail, sent_at FROM outbox"
            " WHERE adapter = ? AND rail = ? AND delivery_key = ?", (adapter, rail, key))
        if not rows:
            return None
        names = ("state", "attempts", "last_error", "outcome", "outcome_detail", "sent_at")
        return dict(zip(names, rows[0], strict=True))

    def transfer(self, transfer_key: str) -> TransferRow | None:
        """The transfer recorded under ``transfer_key``, or None.

        Example: ``ledger.transfer(key).state`` -> ``'sent'``
        """
        rows = self.db.execute(
            "SELECT transfer_key, delivery_key, adapter, rail, route, amount, currency, state,"
            " end_to_end_id, uetr FROM transfers WHERE transfer_key = ?", (transfer_key,))
        if not rows:
            return None
        r = rows[0]
        return TransferRow(transfer_key=r[0], delivery_key=r[1], adapter=r[2], rail=r[3],
                           route=r[4], amount=Decimal(r[5]), currency=r[6], state=r[7],
                           end_to_end_id=r[8], uetr=r[9])

    def transitions(self, transfer_key: str) -> list[Transition]:
        """The recorded steps of a transfer, oldest first."""
        rows = self.db.execute(
            "SELECT from_state, to_state, at, detail FROM transitions WHERE transfer_key = ?",
            (transfer_key,))
        order = {s: i for i, s in enumerate(_STATES)}
        steps = [Transition(from_state=r[0], to_state=r[1], at=r[2], detail=r[3]) for r in rows]
        return sorted(steps, key=lambda t: (t.at, order[t.to_state]))

    def states(self) -> dict[str, int]:
        """Transfers per state, e.g. ``{"routed": 0, "sent": 5, "settled": 0, "rejected": 1,
        "returned": 0}``."""
        counts = dict.fromkeys(_STATES, 0)
        for state, n in self.db.execute("SELECT state, COUNT(*) FROM transfers GROUP BY state"):
            counts[str(state)] = int(n)
        return counts

    def advance(self, transfer_keys: Sequence[str], to_state: str, *, detail: str = "") -> int:
        """Move transfers to ``to_state`` (e.g. ``settled`` when a pacs.002 confirms them).

        Only the steps ``routed -> sent | settled | rejected`` and
        ``sent -> settled | rejected`` are allowed; transfers already in
        ``to_state`` are left alone (idempotent).
        Returns: how many transfers moved.  Raises: SettlementError (permanent)
        for an unknown state or a step that is not allowed.
        Example: ``ledger.advance([key], "settled", detail="pacs.002 ACSC")`` -> ``1``
        """
        if to_state not in _STATES:
            raise SettlementError(f"unknown transfer state {to_state!r}", retryable=False)
        stamp = now()
        moved = 0
        with self.db.transaction():
            for key in transfer_keys:
                rows = self.db.execute("SELECT state FROM transfers WHERE transfer_key = ?",
                                       (key,))
                if not rows:
                    raise SettlementError(f"unknown transfer {key}", retryable=False)
                old = str(rows[0][0])
                if old == to_state:
                    continue
                if to_state not in _NEXT.get(old, ()):
                    raise SettlementError(f"transfer {key}: {old} -> {to_state} is not allowed",
                                          retryable=False)
                self.db.execute("INSERT INTO transitions (transfer_key, to_state, from_state,"
                                " at, detail) VALUES (?, ?, ?, ?, ?)"
                                " ON CONFLICT (transfer_key, to_state) DO NOTHING",
                                (key, to_state, old, stamp, detail))
                self.db.execute("UPDATE transfers SET state = ?, updated_at = ?"
                                " WHERE transfer_key = ?", (to_state, stamp, key))
                moved += 1
        return moved
