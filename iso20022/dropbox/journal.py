"""The journal: each dropped file's state transitions, in the ledger's database.

Tables (their own numbered migrations, recorded in ``dropbox_migrations``,
so the ledger's ``schema_migrations`` is left alone):

- ``dropbox_files``: one row per claimed file, keyed by its claim name
  (``<claim id>_<original name>``): content sha256 and size, state
  ``claimed -> decided -> done``, the verdict's status and counts, accepted
  amounts per currency, the deliveries recorded, the report's file name and
  CreDtTm (so a report rewritten after a crash is byte-identical), the final
  place (``archive`` / ``rejected``) and what it duplicates, if anything;
- ``dropbox_transitions``: one row per step, with its UTC time;
- ``dropbox_seen``: content hashes and message keys (``sender|family|MsgId``)
  already taken, each naming the first file; the primary keys make the
  duplicate check race-free between instances (a second insert conflicts).

:meth:`Journal.decide` runs inside the caller's transaction, together with
:meth:`~iso20022.settle.ledger.Ledger.record`: the routing decision, the
outbound messages and the file's ``decided`` step commit together or not at all.

Example:
    >>> from iso20022.settle.ledger import Ledger
    >>> with Ledger.open(":memory:") as ledger:
    ...     j = Journal(ledger.db)
    ...     j.claim("X_a.xml", "a.xml", sha256="00", size=1, owner="me")
    ...     j.file("X_a.xml").state
    'claimed'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import orjson

from ..errors import SettlementError
from ..settle._db import Database
from ..settle.migrations import now

__all__ = ["FileRow", "Journal"]

_V1 = """
CREATE TABLE dropbox_files (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    owner        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('claimed', 'decided', 'done')),
    status       TEXT,
    message_type TEXT,
    message_key  TEXT,
    transactions INTEGER,
    rejected     INTEGER,
    deliveries   INTEGER,
    amounts      TEXT,
    report       TEXT,
    report_created TEXT,
    place        TEXT CHECK (place IN ('archive', 'rejected')),
    duplicate_of TEXT,
    detail       TEXT,
    claimed_at   TEXT NOT NULL,
    decided_at   TEXT,
    done_at      TEXT
);
CREATE INDEX dropbox_files_state ON dropbox_files (state);
CREATE TABLE dropbox_transitions (
    file_id  TEXT NOT NULL REFERENCES dropbox_files (id),
    to_state TEXT NOT NULL,
    at       TEXT NOT NULL,
    detail   TEXT NOT NULL,
    PRIMARY KEY (file_id, to_state)
);
CREATE TABLE dropbox_seen (
    kind    TEXT NOT NULL CHECK (kind IN ('sha256', 'message')),
    value   TEXT NOT NULL,
    file_id TEXT NOT NULL,
    PRIMARY KEY (kind, value)
)
"""

_MIGRATIONS: tuple[tuple[int, str], ...] = ((1, _V1),)
_LOCK_ID = 0x15020023  # pg_advisory_xact_lock key: "iso20022 dropbox migrations"


@dataclass(frozen=True, slots=True)
class FileRow:
    """One file as the journal holds it."""

    id: str
    name: str
    sha256: str
    size: int
    state: str
    status: str | None
    message_type: str | None
    transactions: int | None
    rejected: int | None
    deliveries: int | None
    amounts: dict[str, Decimal]
    report: str | None
    report_created: str | None
    place: str | None
    duplicate_of: str | None
    detail: str | None
    claimed_at: str
    decided_at: str | None
    done_at: str | None


_COLUMNS = ("id, name, sha256, size, state, status, message_type, transactions, rejected,"
            " deliveries, amounts, report, report_created, place, duplicate_of, detail,"
            " claimed_at, decided_at, done_at")


def _row(r: tuple[object, ...]) -> FileRow:
    amounts = {c: Decimal(a) for c, a in orjson.loads(str(r[10])).items()} if r[10] else {}
    return FileRow(
        id=str(r[0]), name=str(r[1]), sha256=str(r[2]), size=int(str(r[3])), state=str(r[4]),
        status=None if r[5] is None else str(r[5]),
        message_type=None if r[6] is None else str(r[6]),
        transactions=None if r[7] is None else int(str(r[7])),
        rejected=None if r[8] is None else int(str(r[8])),
        deliveries=None if r[9] is None else int(str(r[9])), amounts=amounts,
        report=None if r[11] is None else str(r[11]),
        report_created=None if r[12] is None else str(r[12]),
        place=None if r[13] is None else str(r[13]),
        duplicate_of=None if r[14] is None else str(r[14]),
        detail=None if r[15] is None else str(r[15]), claimed_at=str(r[16]),
        decided_at=None if r[17] is None else str(r[17]),
        done_at=None if r[18] is None else str(r[18]))


class Journal:
    """The journal tables on an open ledger database (migrated when opened).

    Takes: the ledger's :class:`~iso20022.settle._db.Database` (share it with the
    ledger so :meth:`decide` joins :meth:`Ledger.record`'s transaction).
    Raises: SettlementError.  Example: ``Journal(ledger.db)``
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._migrate()

    def _migrate(self) -> None:
        db = self.db
        db.execute("CREATE TABLE IF NOT EXISTS dropbox_migrations ("
                   " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        for version, sql in _MIGRATIONS:
            with db.transaction():
                if db.dialect == "postgresql":
                    db.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_ID,))
                done = {int(str(v)) for v, in db.execute(
                    "SELECT version FROM dropbox_migrations")}
                if done and max(done) > _MIGRATIONS[-1][0]:
                    raise SettlementError(f"{db.where}: dropbox journal version {max(done)} "
                                          "is newer than this code", retryable=False)
                if version in done:
                    continue
                for statement in sql.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO dropbox_migrations (version, applied_at) VALUES (?, ?)",
                           (version, now()))

    # -- steps -------------------------------------------------------------------------------

    def _step(self, file_id: str, state: str, detail: str, stamp: str) -> None:
        self.db.execute("INSERT INTO dropbox_transitions (file_id, to_state, at, detail)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (file_id, to_state) DO NOTHING",
                        (file_id, state, stamp, detail))

    def claim(self, file_id: str, name: str, *, sha256: str, size: int, owner: str) -> None:
        """Record that ``file_id`` (original ``name``) was claimed (idempotent).

        Example: ``journal.claim("20261125T0540-ab12_a.xml", "a.xml", sha256=h, size=9,
        owner="dropbox-1")``
        """
        stamp = now()
        with self.db.transaction():
            inserted = self.db.changes(
                "INSERT INTO dropbox_files (id, name, sha256, size, owner, state, claimed_at)"
                " VALUES (?, ?, ?, ?, ?, 'claimed', ?) ON CONFLICT (id) DO NOTHING",
                (file_id, name, sha256, size, owner, stamp))
            if inserted:
                self._step(file_id, "claimed", f"by {owner}", stamp)

    def first_seen(self, file_id: str, *, sha256: str, message_key: str | None) -> str | None:
        """Take the file's content hash (and message key, when given) as seen.

        Call inside the decide transaction.  Returns: the id of an earlier file
        that brought the same content or message key (the file is a duplicate;
        nothing is taken then), or None.
        Example: ``journal.first_seen(fid, sha256=h, message_key=None)`` -> ``None``
        """
        marks = [("sha256", sha256)]
        if message_key is not None:
            marks.append(("message", message_key))
        for kind, value in marks:
            rows = self.db.execute("SELECT file_id FROM dropbox_seen WHERE kind = ? AND value = ?",
                                   (kind, value))
            if rows and str(rows[0][0]) != file_id:
                return str(rows[0][0])
        for kind, value in marks:
            self.db.execute("INSERT INTO dropbox_seen (kind, value, file_id) VALUES (?, ?, ?)"
                            " ON CONFLICT (kind, value) DO NOTHING", (kind, value, file_id))
            (owner,), = self.db.execute(
                "SELECT file_id FROM dropbox_seen WHERE kind = ? AND value = ?", (kind, value))
            if str(owner) != file_id:  # lost a race with another instance
                raise SettlementError(f"{file_id}: {kind} taken concurrently by {owner}",
                                      retryable=True)
        return None

    def decide(self, file_id: str, *, status: str, message_type: str | None,
               message_key: str | None, transactions: int, rejected: int, deliveries: int,
               amounts: dict[str, Decimal], report: str, report_created: str, place: str,
               duplicate_of: str | None = None, detail: str = "") -> None:
        """Record the file's verdict and what was recorded for it (``claimed -> decided``).

        Call inside the transaction that records the deliveries.
        Example: ``journal.decide(fid, status="ACCP", ..., place="archive")``
        """
        stamp = now()
        with self.db.transaction():
            changed = self.db.changes(
                "UPDATE dropbox_files SET state = 'decided', status = ?, message_type = ?,"
                " message_key = ?, transactions = ?, rejected = ?, deliveries = ?, amounts = ?,"
                " report = ?, report_created = ?, place = ?, duplicate_of = ?, detail = ?,"
                " decided_at = ? WHERE id = ? AND state = 'claimed'",
                (status, message_type, message_key, transactions, rejected, deliveries,
                 orjson.dumps({c: str(a) for c, a in sorted(amounts.items())}).decode(),
                 report, report_created, place, duplicate_of, detail, stamp, file_id))
            if changed != 1:
                raise SettlementError(f"{file_id}: not a claimed file in the journal",
                                      retryable=False)
            self._step(file_id, "decided", f"{status} -> {place}", stamp)

    def done(self, file_id: str) -> None:
        """Record that the file reached its final place (``decided -> done``, idempotent)."""
        stamp = now()
        with self.db.transaction():
            if self.db.changes("UPDATE dropbox_files SET state = 'done', done_at = ?"
                               " WHERE id = ? AND state = 'decided'", (stamp, file_id)):
                self._step(file_id, "done", "", stamp)

    # -- reading -----------------------------------------------------------------------------

    def file(self, file_id: str) -> FileRow | None:
        """The journal row of ``file_id``, or None."""
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM dropbox_files WHERE id = ?", (file_id,))
        return _row(rows[0]) if rows else None

    def files(self, state: str | None = None) -> list[FileRow]:
        """Every file (in ``state``, when given), oldest claim first."""
        if state is None:
            rows = self.db.execute(f"SELECT {_COLUMNS} FROM dropbox_files ORDER BY claimed_at, id")
        else:
            rows = self.db.execute(f"SELECT {_COLUMNS} FROM dropbox_files WHERE state = ?"
                                   " ORDER BY claimed_at, id", (state,))
        return [_row(r) for r in rows]

    def transitions(self, file_id: str) -> list[tuple[str, str, str]]:
        """``(state, at, detail)`` of each step of ``file_id``, in order."""
        order = {"claimed": 0, "decided": 1, "done": 2}
        rows = self.db.execute("SELECT to_state, at, detail FROM dropbox_transitions"
                               " WHERE file_id = ?", (file_id,))
        return sorted(((str(s), str(a), str(d)) for s, a, d in rows),
                      key=lambda r: order.get(r[0], 9))

    def summary(self) -> dict[str, dict[str, int]]:
        """Files per state and per final status, e.g. ``{"state": {"done": 3}, ...}``."""
        out: dict[str, dict[str, int]] = {"state": {}, "status": {}, "place": {}}
        for column in out:
            for value, n in self.db.execute(
                    f"SELECT {column}, COUNT(*) FROM dropbox_files GROUP BY {column}"):
                if value is not None:
                    out[column][str(value)] = int(str(n))
        return out
