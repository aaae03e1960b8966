"""Durable file writes, shared by the status reports, the drop service and the file outbox.

``write_atomic`` writes a temporary file (``.tmp-<random>`` in the target's
directory), fsyncs it and renames it over the target, so a reader sees the
old file or the whole new one, never a part; ``fsync_dir`` then makes the
rename itself durable.  A crash leaves at most a ``.tmp-*`` file behind.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["TMP_PREFIX", "fsync_dir", "write_atomic"]

TMP_PREFIX = ".tmp-"


def fsync_dir(path: Path) -> None:
    """Make renames in directory ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Write ``data`` to ``path`` atomically and durably.

    ``sync_dir=False`` leaves the directory fsync to the caller (one per batch
    of files).  Raises ``OSError``; the temporary file is removed on failure.
    """
    tmp = path.parent / f"{TMP_PREFIX}{secrets.token_hex(8)}"
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(path.parent)
