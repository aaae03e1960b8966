"""The drop directory on disk: which files are ready, claiming them, atomic writes and moves.

Conventions (what partners must know):

- Partners write into ``inbox/``.  A file is taken only when it is complete:
  names ending in ``.part`` (write ``name.xml.part``, then rename it to
  ``name.xml``) and names starting with ``.`` are never taken, and any other
  file is taken only once it has not changed for ``min_age`` seconds (the
  stable-size convention, for partners that cannot rename).
- A file is claimed by an atomic ``rename`` into ``processing/`` under a new,
  unique name ``<claim id>_<original name>`` (the claim id is a UTC time and 8
  random hex digits).  Before renaming, the claimer takes an exclusive
  ``flock`` on the file and keeps it until the file has left ``processing/``:
  the rename decides between instances racing for one inbox file (the loser's
  rename fails), and the lock tells a recovering instance which files in
  ``processing/`` are someone's work in progress (locked) and which were left
  by a crashed one (unlocked; the kernel drops a dead process's locks).
- The file is read through the descriptor held since the claim, so a file
  removed from ``processing/`` while being processed is still processed, and
  is restored into its final place from that descriptor: nothing is lost.
- Reports, archived and rejected files keep the claim name, so files dropped
  twice under one name never overwrite each other.  Every write is atomic
  (a hidden temporary file, fsync, rename, fsync of the directory).

Example:
    >>> claim_id_of("20261125T054012Z-1a2b3c4d_pay.xml")
    ('20261125T054012Z-1a2b3c4d', 'pay.xml')
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .._fileio import TMP_PREFIX, fsync_dir, write_atomic

__all__ = ["Claim", "claim", "claim_id_of", "ready_files", "recoverable",
           "remove_stale_temporaries", "restore"]

PART_SUFFIX = ".part"


@dataclass
class Claim:
    """A file this process holds: its path in ``processing/`` and the locked descriptor."""

    path: Path
    fd: int

    @property
    def id(self) -> str:
        """The claim name (``<claim id>_<original name>``): the file's id in the journal."""
        return self.path.name

    @property
    def original_name(self) -> str:
        """The name the partner gave the file."""
        return claim_id_of(self.path.name)[1]

    @property
    def readable_path(self) -> str:
        """A path that reads the claimed file even after it was removed (Linux /proc)."""
        proc = f"/proc/self/fd/{self.fd}"
        return proc if os.path.exists(proc) else str(self.path)

    def digest(self) -> tuple[str, int]:
        """``(sha256 hex, size)`` of the content, read through the descriptor."""
        h = hashlib.sha256()
        size = 0
        os.lseek(self.fd, 0, os.SEEK_SET)
        while chunk := os.read(self.fd, 1 << 20):
            h.update(chunk)
            size += len(chunk)
        return h.hexdigest(), size

    def release(self) -> None:
        """Close the descriptor (which drops the lock)."""
        with contextlib.suppress(OSError):
            os.close(self.fd)


def claim_id_of(name: str) -> tuple[str, str]:
    """Split a claim name into ``(claim id, original name)``."""
    cid, _, original = name.partition("_")
    return cid, original


def _new_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"


def _lock(path: Path) -> int | None:
    """Open ``path`` and lock it exclusively without waiting; None if gone or locked."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def ready_files(inbox: Path, *, min_age: float) -> list[Path]:
    """Files of ``inbox`` ready to be taken, oldest first (see the module docstring)."""
    found: list[tuple[float, str, Path]] = []
    try:
        entries = list(os.scandir(inbox))
    except FileNotFoundError:
        return []
    cutoff = time.time() - min_age
    for entry in entries:
        if entry.name.startswith(".") or entry.name.endswith(PART_SUFFIX):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if mtime <= cutoff:
            found.append((mtime, entry.name, Path(entry.path)))
    return [p for _, _, p in sorted(found)]


def claim(path: Path, processing: Path) -> Claim | None:
    """Take the inbox file ``path`` into ``processing`` (None: someone else took it)."""
    fd = _lock(path)
    if fd is None:
        return None
    target = processing / f"{_new_id()}_{path.name}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        os.close(fd)
        return None
    fsync_dir(processing)
    if not _same_file(fd, target):  # the name was reused between our open and our rename
        os.close(fd)
        fd2 = _lock(target)
        if fd2 is None:
            return None
        return Claim(target, fd2)
    return Claim(target, fd)


def recoverable(processing: Path) -> Iterator[Claim]:
    """Claims on the files of ``processing`` nobody holds (left by a crash), oldest first."""
    try:
        names = sorted(n for n in os.listdir(processing) if not n.startswith("."))
    except FileNotFoundError:
        return
    for name in names:
        path = processing / name
        fd = _lock(path)
        if fd is None:
            continue
        if not _same_file(fd, path):  # finished and moved while we were locking it
            os.close(fd)
            continue
        yield Claim(path, fd)


def remove_stale_temporaries(directory: Path, *, older_than: float = 3600.0) -> int:
    """Remove ``.tmp-*`` files a crashed writer left in ``directory``; return how many.

    Only files older than ``older_than`` seconds: younger ones may be another
    instance's write in progress.
    """
    cutoff = time.time() - older_than
    removed = 0
    for tmp in directory.glob(f"{TMP_PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed += 1
    return removed


def restore(c: Claim, target: Path) -> None:
    """Move the claimed file to ``target``; if it was removed, rewrite it from the descriptor."""
    try:
        os.rename(c.path, target)
    except FileNotFoundError:
        if target.exists():
            return
        os.lseek(c.fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(c.fd, 1 << 20):
            chunks.append(chunk)
        write_atomic(target, b"".join(chunks))
        return
    fsync_dir(target.parent)
    fsync_dir(c.path.parent)
