"""One database connection, SQLite or PostgreSQL, behind the few calls the ledger needs.

Contract: SQL is written once with ``?`` placeholders and translated for
psycopg (``%s``); :meth:`Database.transaction` opens a write transaction
(``BEGIN IMMEDIATE`` on SQLite, so the claim of outbox rows is serialized; an
ordinary transaction on PostgreSQL, where rows are claimed with ``FOR UPDATE
SKIP LOCKED``), commits on success and rolls back on any exception.  Database
failures come out as :class:`~iso20022.errors.SettlementError`: retryable when
the database is unreachable, locked or the transaction lost a serialization
race; permanent otherwise.  A URL's password never appears in an error.

SQLite runs in WAL mode with ``synchronous=FULL``: a committed transaction
survives a power loss, as money demands.  Its page cache is 16 MB
(:data:`SQLITE_CACHE_KB`, not the default 2 MB): recording a file of 10,000
transfers touches pages of five ``transfers`` indexes in random key order, and a
cache smaller than the transaction spills pages into the WAL before the commit
and writes them again each time they change (4 such files, 2 workers: 377 MB
written to the WAL with 2 MB, 185 MB with 16 MB, 182 MB with 32 MB).

Amounts are never stored as REAL: the migrations use
:attr:`Database.decimal_type` (``NUMERIC`` on PostgreSQL, exact at any scale;
``TEXT`` on SQLite, whose NUMERIC affinity would turn ``0.10`` into a binary
float) and Python does the arithmetic in ``Decimal``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from .. import _sqlite
from ..errors import SettlementError

__all__ = ["Database", "Dialect", "redact"]

Dialect = Literal["sqlite", "postgresql"]
Row = tuple[Any, ...]

SQLITE_CACHE_KB = 16_384  # per connection; see the module docstring
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}\Z")


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs).

    Example:
        >>> redact("postgresql://bank:s3cret@db:5432/ledger")
        'postgresql://bank:***@db:5432/ledger'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable url>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


class Database:
    """A connection to the ledger database; see the module docstring for the contract.

    Use it from one thread at a time (open one per relay thread).
    """

    dialect: Dialect

    def __init__(self, conn: Any, dialect: Dialect, where: str) -> None:
        self._conn = conn
        self.dialect = dialect
        self.where = where  # redacted: safe to show
        self._depth = 0

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, target: str | Path, *, schema: str | None = None) -> Database:
        """Connect to ``target``: a ``postgresql://`` URL, or a SQLite file path.

        Takes: a path (or ``sqlite:///relative.db`` / ``sqlite:////absolute.db``;
        ``:memory:`` for tests) or a PostgreSQL URL; ``schema`` (PostgreSQL only)
        names a schema to create if missing and put first on the search path.
        Returns: the open database.  Raises: SettlementError (retryable when the
        server is unreachable).
        Example: ``Database.open("ledger.sqlite")``
        """
        text = str(target)
        if text.startswith(("postgresql://", "postgres://")):
            return cls._open_postgres(text, schema)
        if schema is not None:
            raise SettlementError("a schema can only be chosen on PostgreSQL", retryable=False)
        if text.startswith("sqlite:///"):  # as SQLAlchemy: sqlite:///rel.db, sqlite:////abs.db
            text = text[len("sqlite:///"):]
        elif "://" in text:
            raise SettlementError(f"not a ledger URL (postgresql:// or sqlite:///): "
                                  f"{redact(text)}", retryable=False)
        return cls._open_sqlite(text)

    @classmethod
    def _open_sqlite(cls, path: str) -> Database:
        pragmas = ["PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                   f"PRAGMA cache_size=-{SQLITE_CACHE_KB}"]
        if path != ":memory:":
            pragmas.insert(0, "PRAGMA journal_mode=WAL")
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # one thread at a time, not necessarily the opening one
            conn = _sqlite.connect(path, pragmas, check_same_thread=False)
        except (sqlite3.Error, OSError) as exc:
            busy = isinstance(exc, sqlite3.Error) and _sqlite.is_busy(exc)
            raise SettlementError(f"cannot open SQLite ledger {path}: {exc}",
                                  retryable=busy) from None
        return cls(conn, "sqlite", path)

    @classmethod
    def _open_postgres(cls, url: str, schema: str | None) -> Database:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - the postgres extra is not installed
            raise SettlementError("PostgreSQL needs the 'postgres' extra (psycopg)",
                                  retryable=False) from None
        where = redact(url)
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise SettlementError(f"not a plain schema name: {schema!r}", retryable=False)
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise SettlementError(f"cannot connect to {where}: {_first_line(exc)}",
                                  retryable=True) from None
        db = cls(conn, "postgresql", where)
        if schema is not None:
            db.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            db.execute(f'SET search_path TO "{schema}"')
        return db

    # -- SQL ---------------------------------------------------------------------------------

    @property
    def decimal_type(self) -> str:
        """The column type of an exact amount (see the module docstring)."""
        return "NUMERIC" if self.dialect == "postgresql" else "TEXT"

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement; return its rows (``[]`` when it returns none)."""
        with self._errors():
            cur = self._conn.execute(self._sql(sql), tuple(params))
            if cur.description is None:
                return []
            return list(cur.fetchall())

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each parameter row."""
        if not rows:
            return
        with self._errors():
            if self.dialect == "postgresql":
                with self._conn.cursor() as cur:
                    cur.executemany(self._sql(sql), rows)
            else:
                self._conn.executemany(sql, rows)

    def insert_many(self, table: str, columns: Sequence[tuple[str, str]],
                    rows: Sequence[Sequence[Any]], *, on_conflict: str = "") -> None:
        """Insert ``rows`` into ``table``; ``columns`` are (name, PostgreSQL type) pairs.

        On PostgreSQL the rows go in as one ``INSERT ... SELECT FROM unnest(...)``
        per 5,000 rows (one round trip, instead of one per row); on SQLite as an
        ``executemany``.  ``on_conflict`` is appended (``ON CONFLICT ... DO NOTHING``).
        Example: ``db.insert_many("t", [("k", "text")], [("a",), ("b",)])``
        """
        names = ", ".join(name for name, _ in columns)
        if self.dialect == "sqlite":
            marks = ", ".join("?" * len(columns))
            self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}) {on_conflict}",
                             rows)
            return
        arrays = ", ".join(f"?::{kind}[]" for _, kind in columns)
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {on_conflict}"
        for i in range(0, len(rows), 5000):
            chunk = rows[i:i + 5000]
            self.execute(sql, [list(column) for column in zip(*chunk, strict=True)])

    def changes(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one data-changing statement; return the number of rows it changed."""
        with self._errors():
            cur = self._conn.execute(self._sql(sql), tuple(params))
            return int(cur.rowcount)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """A write transaction: committed when the block ends, rolled back on an exception.

        Nested use joins the outer transaction.
        Example: ``with db.transaction(): db.execute("UPDATE ...")``
        """
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        try:
            self.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        with suppress(Exception):  # the connection may be gone; the server rolls back then
            self._conn.execute("ROLLBACK")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            text = str(exc)
            retryable = isinstance(exc, sqlite3.OperationalError) and (
                "locked" in text or "busy" in text)
            raise SettlementError(f"{self.where}: {text}", retryable=retryable) from None
        except Exception as exc:
            if self.dialect != "postgresql":
                raise
            import psycopg

            if not isinstance(exc, psycopg.Error):
                raise
            retryable = isinstance(exc, psycopg.OperationalError) or getattr(
                exc, "sqlstate", None) in ("40001", "40P01")
            raise SettlementError(f"{self.where}: {_first_line(exc)}",
                                  retryable=retryable) from None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with suppress(Exception):  # already closed or broken: nothing left to release
            self._conn.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
