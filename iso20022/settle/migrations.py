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
    [1, 2]
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

    @property
    def checksum(self) -> str:
        """sha256 of the template: an applied migration must never change."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


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

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "transfers, transitions, outbox, idempotency keys, accounts, postings", _V1),
    Migration(2, "outbox claimed in id order", _V2),
)

_TYPES = {
    "sqlite": {"decimal": "TEXT", "blob": "BLOB", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT"},
    "postgresql": {"decimal": "NUMERIC", "blob": "BYTEA", "serial": "BIGSERIAL PRIMARY KEY"},
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
                continue
            sql = migration.sql.format(**_TYPES[db.dialect])
            for statement in sql.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO schema_migrations (version, name, checksum, applied_at)"
                       " VALUES (?, ?, ?, ?)",
                       (migration.version, migration.name, migration.checksum, now()))
            applied.append(migration.version)
    return applied
