"""The store of message ids already received, for the DU01 duplicate check.

One SQLite table keyed by ``sender|message family|MsgId``
(:func:`iso20022.keys.message_key`).  A message is remembered once it has
been accepted in whole or in part: a rejected file may be corrected and sent
again under the same MsgId, an accepted one may not.  ``MessageStore(None)``
keeps the ids in memory, for one run.

Example:
    >>> store = MessageStore(None)
    >>> store.remember("BANKDEFF|pain.001|M1", "a.xml")
    >>> store.seen("BANKDEFF|pain.001|M1")
    'a.xml'
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from .. import _sqlite

__all__ = ["MessageStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_messages (
    message_key TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    first_seen TEXT NOT NULL
)
"""


class MessageStore:
    """Message keys seen before, persisted in SQLite at ``path`` (None: in memory)."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = os.fspath(path) if path is not None else ":memory:"
        self._db = _sqlite.connect(self.path,
                                   ["PRAGMA journal_mode=WAL"] if path is not None else [])
        self._db.execute(_SCHEMA)

    def seen(self, key: str) -> str | None:
        """The file that first brought ``key``, or None when it is new."""
        row = self._db.execute("SELECT file FROM seen_messages WHERE message_key = ?",
                               (key,)).fetchone()
        return None if row is None else str(row[0])

    def remember(self, key: str, file: str | None) -> None:
        """Record ``key`` as received (in ``file``); the first file is kept."""
        self._db.execute(
            "INSERT OR IGNORE INTO seen_messages (message_key, file, first_seen) VALUES (?, ?, ?)",
            (key, file or "-", datetime.now(UTC).isoformat(timespec="seconds")),
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> MessageStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
