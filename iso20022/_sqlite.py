"""Opening a SQLite file that other processes may be opening at the same moment.

Switching a new file to WAL takes an exclusive lock, and SQLite does not always
call the busy handler for it (another process may be creating or recovering the
same file at that moment): it answers "database is locked" at once.  Service
instances start side by side on one ledger, so a lock held by another opener is
waited out here, up to the same time as the busy timeout, before it counts as an
error.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence

__all__ = ["BUSY_SECONDS", "connect", "is_busy"]

BUSY_SECONDS = 30.0


def is_busy(exc: sqlite3.Error) -> bool:
    """True when ``exc`` is SQLite's "locked" / "busy" answer (another holder)."""
    text = str(exc)
    return "database is locked" in text or "database is busy" in text


def connect(path: str, pragmas: Sequence[str], *, busy_seconds: float = BUSY_SECONDS,
            check_same_thread: bool = True) -> sqlite3.Connection:
    """An autocommit connection to ``path`` with ``pragmas`` run, waiting out locks.

    Raises: sqlite3.Error (the last one, when the locks outlast ``busy_seconds``).
    Example: ``connect("ledger.sqlite", ["PRAGMA journal_mode=WAL"])``
    """
    deadline = time.monotonic() + busy_seconds
    pause = 0.005
    while True:
        conn = sqlite3.connect(path, isolation_level=None, timeout=busy_seconds,
                               check_same_thread=check_same_thread)
        try:
            for pragma in pragmas:
                conn.execute(pragma)
        except sqlite3.OperationalError as exc:
            conn.close()
            if is_busy(exc) and time.monotonic() < deadline:
                time.sleep(pause)
                pause = min(pause * 2, 0.2)
                continue
            raise
        except BaseException:
            conn.close()
            raise
        return conn
