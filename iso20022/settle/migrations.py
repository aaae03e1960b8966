"""The ledger's SQL schema as numbered migrations, applied on start.

One schema for SQLite and PostgreSQL: the templates below differ only in the
column types filled in per dialect (``{decimal}``: exact amounts, ``NUMERIC``
on PostgreSQL and ``TEXT`` on SQLite, never REAL; ``{blob}``; ``{serial}``).
Every applied migration is a row of ``schema_migrations`` (version, name,
sha256 of its template, time); :func:`migrate` applies the missing ones in
order, each in its own transaction, under a lock (``BEGIN IMMEDIATE`` on
SQLite, an advisory lock on PostgreSQL) so that several processes starting at
once apply each migration once.  A database newer than this code, or an
applied migration whose text changed, is refused.

Timestamps are UTC text ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` on both databases, so
they compare as strings and read back unchanged.

Example:
    >>> [m.version for m in MIGRATIONS]
    [1, 2, 3, 4]
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import SettlementError
from ._db import Database

__all__ = ["MIGRATIONS", "Migration", "migrate", "now"]

_LOCK_ID = 0x15020022  # pg_advisory_xact_lock key: "iso20022 ledger migrations"


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change (a ``;``-separated SQL template)."""

    version: int
    name: str
    sql: str
    sqlite: str | None = None  # SQLite's own template, where the dialects must differ
    rebuilds: bool = False  # SQLite: rebuilds a referenced table (foreign keys off, checked)

    @property
    def checksum(self) -> str:
        """sha256 of the template(s): an applied migration must never change."""
        text = self.sql if self.sqlite is None else f"{self.sql}\x1f{self.sqlite}"
        return hashlib.sha256(text.encode()).hexdigest()

    def template(self, dialect: str) -> str:
        """The SQL template for ``dialect`` ("sqlite" or "postgresql")."""
        return self.sqlite if dialect == "sqlite" and self.sqlite is not None else self.sql


_V1 = """
CREATE TABLE transfers (
    transfer_key     TEXT PRIMARY KEY,
    delivery_key     TEXT NOT NULL,
    adapter          TEXT NOT NULL,
    rail             TEXT NOT NULL,
    route            TEXT NOT NULL,
    end_to_end_id    TEXT NOT NULL,
    uetr             TEXT,
    amount           {decimal} NOT NULL,
    currency         CHAR(3) NOT NULL,
    debtor_account   TEXT,
    creditor_account TEXT,
    state            TEXT NOT NULL CHECK (state IN ('routed', 'sent', 'settled', 'rejected')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX transfers_delivery ON transfers (adapter, rail, delivery_key);
CREATE TABLE transitions (
    transfer_key TEXT NOT NULL REFERENCES transfers (transfer_key),
    to_state     TEXT NOT NULL,
    from_state   TEXT,
    at           TEXT NOT NULL,
    detail       TEXT NOT NULL,
    PRIMARY KEY (transfer_key, to_state)
);
CREATE TABLE outbox (
    id             {serial},
    adapter        TEXT NOT NULL,
    rail           TEXT NOT NULL,
    delivery_key   TEXT NOT NULL,
    route          TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    message_type   TEXT NOT NULL,
    body           {blob} NOT NULL,
    headers        TEXT NOT NULL,
    entries        TEXT NOT NULL,
    digest         TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts       INTEGER NOT NULL,
    last_error     TEXT,
    available_at   TEXT NOT NULL,
    claimed_by     TEXT,
    claimed_until  TEXT,
    outcome        TEXT,
    outcome_detail TEXT,
    created_at     TEXT NOT NULL,
    sent_at        TEXT,
    UNIQUE (adapter, rail, delivery_key)
);
CREATE INDEX outbox_pending ON outbox (state, available_at, id);
CREATE TABLE idempotency_keys (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    status     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE accounts (
    book            TEXT NOT NULL,
    account         TEXT NOT NULL,
    currency        CHAR(3) NOT NULL,
    balance         {decimal} NOT NULL,
    allow_overdraft INTEGER NOT NULL CHECK (allow_overdraft IN (0, 1)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (book, account)
);
CREATE TABLE postings (
    book         TEXT NOT NULL,
    transfer_key TEXT NOT NULL,
    leg          TEXT NOT NULL CHECK (leg IN ('debit', 'credit')),
    delivery_key TEXT NOT NULL,
    account      TEXT NOT NULL,
    amount       {decimal} NOT NULL,
    currency     CHAR(3) NOT NULL,
    posted_at    TEXT NOT NULL,
    PRIMARY KEY (book, transfer_key, leg),
    FOREIGN KEY (book, account) REFERENCES accounts (book, account)
)
"""

# A relay claims the oldest pending rows (``ORDER BY id LIMIT n``).  On
# (state, available_at, id) that is a range scan of every pending row and a sort
# per claim: quadratic in the backlog (a 1,000,000-transfer file left 280,000
# rows, drained at ~50 rows/s).  On (state, id) the rows come in id order and
# the scan stops after n (rows leased or backed off until later are skipped).
_V2 = """
DROP INDEX outbox_pending;
CREATE INDEX outbox_claim ON outbox (state, id)
"""

# Reconciliation: each transfer keeps the source message's MsgId, its PmtInfId
# and its value (settlement) date, which bank statements quote back; a matched
# statement entry is kept per transfer and account (``reconciliations``: an
# on-us transfer is booked on the debtor's and on the creditor's statement), and a returned
# transfer gets a state of its own.  SQLite cannot change a CHECK constraint in
# place, so there the transfers table is rebuilt (the documented procedure:
# foreign keys off, copy, drop, rename, foreign_key_check; see ``migrate``).
_V3_RECONCILIATIONS = """
CREATE TABLE reconciliations (
    transfer_key  TEXT NOT NULL REFERENCES transfers (transfer_key),
    account       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('settled', 'returned')),
    rule          TEXT NOT NULL,
    entry_ref     TEXT NOT NULL,
    return_ref    TEXT,
    reason        TEXT,
    statement     TEXT NOT NULL,
    reconciled_at TEXT NOT NULL,
    PRIMARY KEY (transfer_key, account)
);
CREATE INDEX transfers_batch ON transfers (msg_id, pmt_inf_id);
CREATE INDEX transfers_debtor ON transfers (debtor_account);
CREATE INDEX transfers_creditor ON transfers (creditor_account)
"""
_V3 = """
ALTER TABLE transfers ADD COLUMN msg_id TEXT;
ALTER TABLE transfers ADD COLUMN pmt_inf_id TEXT;
ALTER TABLE transfers ADD COLUMN value_date TEXT;
ALTER TABLE transfers DROP CONSTRAINT transfers_state_check;
ALTER TABLE transfers ADD CONSTRAINT transfers_state_check
    CHECK (state IN ('routed', 'sent', 'settled', 'rejected', 'returned'));
""" + _V3_RECONCILIATIONS
_V3_SQLITE = """
CREATE TABLE transfers_v3 (
    transfer_key     TEXT PRIMARY KEY,
    delivery_key     TEXT NOT NULL,
    adapter          TEXT NOT NULL,
    rail             TEXT NOT NULL,
    route            TEXT NOT NULL,
    end_to_end_id    TEXT NOT NULL,
    uetr             TEXT,
    amount           {decimal} NOT NULL,
    currency         CHAR(3) NOT NULL,
    debtor_account   TEXT,
    creditor_account TEXT,
    state            TEXT NOT NULL
        CHECK (state IN ('routed', 'sent', 'settled', 'rejected', 'returned')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    msg_id           TEXT,
    pmt_inf_id       TEXT,
    value_date       TEXT
);
INSERT INTO transfers_v3 (transfer_key, delivery_key, adapter, rail, route, end_to_end_id,
    uetr, amount, currency, debtor_account, creditor_account, state, created_at, updated_at)
    SELECT transfer_key, delivery_key, adapter, rail, route, end_to_end_id, uetr, amount,
    currency, debtor_account, creditor_account, state, created_at, updated_at FROM transfers;
DROP TABLE transfers;
ALTER TABLE transfers_v3 RENAME TO transfers;
CREATE INDEX transfers_delivery ON transfers (adapter, rail, delivery_key);
""" + _V3_RECONCILIATIONS

# What an outbox row carries (the message body and the entries) in a table of its
# own, written once when the delivery is recorded and only read afterwards.  A
# relay updates an outbox row twice (claimed, then sent), and SQLite rewrites a
# whole row on UPDATE, overflow pages included: with the content inline every
# state change wrote it into the WAL again (a bulk pacs.008 of 5,000 transfers
# is ~8 MB of body and entries), and fsynced it.  New content is stored
# zlib-compressed (``encoding``; XML and JSON shrink ~10x, so a recorded file
# writes a tenth of the bytes into the WAL and the database); rows moved here
# from an older ledger keep theirs as they were (``identity``).  (PostgreSQL
# keeps big values out of line anyway; the schema is the same on both.)
_V4_TABLE = """
CREATE TABLE outbox_content (
    outbox_id {bigint} PRIMARY KEY REFERENCES outbox (id),
    encoding  TEXT NOT NULL CHECK (encoding IN ('identity', 'zlib')),
    body      {blob} NOT NULL,
    entries   {blob} NOT NULL
);
"""
_V4_DROP = """;
ALTER TABLE outbox DROP COLUMN body;
ALTER TABLE outbox DROP COLUMN entries
"""
_V4 = _V4_TABLE + """INSERT INTO outbox_content (outbox_id, encoding, body, entries)
    SELECT id, 'identity', body, convert_to(entries, 'UTF8') FROM outbox""" + _V4_DROP
_V4_SQLITE = _V4_TABLE + """INSERT INTO outbox_content (outbox_id, encoding, body, entries)
    SELECT id, 'identity', body, CAST(entries AS BLOB) FROM outbox""" + _V4_DROP

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "transfers, transitions, outbox, idempotency keys, accounts, postings", _V1),
    Migration(2, "outbox claimed in id order", _V2),
    Migration(3, "transfers keep MsgId, PmtInfId, value date; returned; reconciliations",
              _V3, sqlite=_V3_SQLITE, rebuilds=True),
    Migration(4, "outbox bodies and entries in their own table, written once, compressed",
              _V4, sqlite=_V4_SQLITE),
)

_TYPES = {
    "sqlite": {"decimal": "TEXT", "blob": "BLOB", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT",
               "bigint": "INTEGER"},
    "postgresql": {"decimal": "NUMERIC", "blob": "BYTEA", "serial": "BIGSERIAL PRIMARY KEY",
                   "bigint": "BIGINT"},
}


def now() -> str:
    """The current UTC time as the ledger stores it.

    Example: ``now()`` -> ``'2026-11-25T04:40:00.123456Z'``
    """
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def migrate(db: Database, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the migrations ``db`` lacks, in order.

    Takes: an open database.  Returns: the versions applied now (``[]`` when
    the schema was current).  Raises: SettlementError (permanent) when the
    database is newer than this code or an applied migration changed.
    Example: ``migrate(Database.open("ledger.sqlite"))`` -> ``[1]``
    """
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
               " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
               " checksum TEXT NOT NULL, applied_at TEXT NOT NULL)")
    applied: list[int] = []
    known = {m.version: m for m in migrations}
    for migration in migrations:
        rebuild = migration.rebuilds and db.dialect == "sqlite"
        if rebuild:  # a no-op inside a transaction: set before it, restored after
            db.execute("PRAGMA foreign_keys=OFF")
        try:
            _apply(db, migration, known, applied, check_keys=rebuild)
        finally:
            if rebuild:
                db.execute("PRAGMA foreign_keys=ON")
    return applied


def _apply(db: Database, migration: Migration, known: dict[int, Migration],
           applied: list[int], *, check_keys: bool) -> None:
    with db.transaction():
        if db.dialect == "postgresql":
            db.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_ID,))
        done = {int(v): c for v, c in db.execute(
            "SELECT version, checksum FROM schema_migrations")}
        newer = sorted(set(done) - set(known))
        if newer:
            raise SettlementError(
                f"{db.where}: ledger schema version {newer[-1]} is newer than this code "
                f"(knows up to {max(known)})", retryable=False)
        if migration.version in done:
            if done[migration.version] != migration.checksum:
                raise SettlementError(
                    f"{db.where}: applied migration {migration.version} "
                    f"({migration.name}) differs from this code's", retryable=False)
            return
        sql = migration.template(db.dialect).format(**_TYPES[db.dialect])
        for statement in sql.split(";"):
            if statement.strip():
                db.execute(statement)
        if check_keys:
            broken = db.execute("PRAGMA foreign_key_check")
            if broken:
                raise SettlementError(
                    f"{db.where}: migration {migration.version} would break "
                    f"{len(broken)} foreign keys, e.g. {tuple(broken[0])}", retryable=False)
        db.execute("INSERT INTO schema_migrations (version, name, checksum, applied_at)"
                   " VALUES (?, ?, ?, ?)",
                   (migration.version, migration.name, migration.checksum, now()))
        applied.append(migration.version)
