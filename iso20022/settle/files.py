"""The ``file`` adapter: outbound XML written atomically into an outbox directory per rail.

Each delivery becomes ``<root>/<rail>/<name>.xml`` where ``name`` is the
delivery key when it is a safe file name (letters, digits, ``._-``, at most
120 characters) and ``k-<blake2b of the key>`` otherwise.  A batch is written
in three steps before :meth:`FileAdapter.settle` returns: every body into a
hidden temporary file in its rail directory (``.tmp-...``); every temporary
file fsynced (side by side, in a few threads, so the file system can commit
them together instead of one journal commit after the other); then each
renamed to its final name and each directory fsynced once.  So an outcome is
reported only when its file and its name are durable, and a reader never sees
a partial file (readers must ignore names starting with ``.``).

Idempotency: the final file already present means the delivery was written
before (a replay after a crash): the outcome is ``duplicate`` and nothing is
rewritten.  Temporary files older than an hour (a crashed writer's) are removed when
the adapter opens a rail directory; several adapters may write the same
directory side by side.  Errors of the file system (disk full,
permissions) are :class:`~iso20022.errors.SettlementError`, retryable.

Example:
    >>> import tempfile
    >>> from iso20022.settle import Delivery
    >>> d = Delivery(key="d1", route="r", adapter="file", rail="sepa", message_id="M1",
    ...              body=b"<Document/>")
    >>> with tempfile.TemporaryDirectory() as root:
    ...     a = FileAdapter(root)
    ...     [o.status for o in a.settle([d])], [o.status for o in a.settle([d])]
    (['settled'], ['duplicate'])
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from io import BufferedWriter
from pathlib import Path

from .._fileio import TMP_PREFIX, fsync_dir
from ..errors import SettlementError
from .protocol import Delivery, Outcome

__all__ = ["FileAdapter", "file_name"]

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}\Z")
_TMP = TMP_PREFIX
STALE_AFTER = 3600.0  # seconds after which a temporary file is a crashed writer's
SYNC_THREADS = 8  # files of one batch fsynced at once


def file_name(key: str) -> str:
    """The outbox file name of delivery ``key``.

    Example:
        >>> file_name("MSG-1"), file_name("a/b")[:2]
        ('MSG-1.xml', 'k-')
    """
    if _SAFE.match(key) and not key.endswith(".xml"):
        return f"{key}.xml"
    return f"k-{hashlib.blake2b(key.encode(), digest_size=16).hexdigest()}.xml"


class FileAdapter:
    """Writes each delivery's body into ``root/<rail>/`` (see the module docstring).

    Takes: ``root``, the outbox directory (created when missing).
    Example: ``FileAdapter("var/outbox").settle(deliveries)``
    """

    name = "file"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._ready: set[str] = set()
        self._pool: ThreadPoolExecutor | None = None  # fsync threads, started when needed

    def rail_dir(self, rail: str) -> Path:
        """The directory of ``rail`` (a plain name: no separators, not ``.``/``..``)."""
        if not rail or rail in (".", "..") or "/" in rail or "\\" in rail or "\0" in rail:
            raise SettlementError(f"not a rail name usable as a directory: {rail!r}",
                                  retryable=False, adapter=self.name)
        return self.root / rail

    def _open_rail(self, rail: str) -> Path:
        path = self.rail_dir(rail)
        if rail not in self._ready:
            path.mkdir(parents=True, exist_ok=True)
            cutoff = time.time() - STALE_AFTER  # younger ones may be another writer's
            for stale in path.glob(f"{_TMP}*"):
                with contextlib.suppress(FileNotFoundError):
                    if stale.stat().st_mtime < cutoff:
                        stale.unlink()
            fsync_dir(self.root)
            self._ready.add(rail)
        return path

    def settle(self, batch: Sequence[Delivery], /) -> list[Outcome]:
        """Write every delivery of ``batch`` durably; return one outcome per delivery.

        Returns: ``settled`` (written now) or ``duplicate`` (already there) per
        delivery, in order.  Raises: SettlementError (retryable on I/O errors;
        the batch's temporary files are removed, files renamed before the error
        stay, and a replay reports them as duplicates).
        Example: ``adapter.settle([delivery])`` -> ``[Outcome(key, "settled")]``
        """
        outcomes: list[Outcome] = []
        writes: list[tuple[BufferedWriter, Path, Path]] = []  # (temporary file, path, final)
        names: set[Path] = set()
        touched: set[Path] = set()
        renamed = 0
        try:
            try:
                for d in batch:
                    directory = self._open_rail(d.rail)
                    final = directory / file_name(d.key)
                    touched.add(directory)  # a duplicate's rename may not be durable yet either
                    if final in names or final.exists():
                        outcomes.append(Outcome(d.key, "duplicate", str(final)))
                        continue
                    names.add(final)
                    tmp = directory / f"{_TMP}{secrets.token_hex(8)}"
                    fh = open(tmp, "xb")  # noqa: SIM115 - closed below, after its fsync
                    writes.append((fh, tmp, final))
                    fh.write(d.body)
                    fh.flush()
                    outcomes.append(Outcome(d.key, "settled", str(final)))
                self._sync([fh.fileno() for fh, _, _ in writes])
                for fh, tmp, final in writes:
                    fh.close()
                    os.replace(tmp, final)
                    renamed += 1
                for directory in touched:
                    fsync_dir(directory)
            finally:
                for fh, tmp, _ in writes[renamed:]:  # not renamed: a failure
                    fh.close()
                    tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise SettlementError(f"cannot write the outbox under {self.root}: {exc}",
                                  retryable=True, adapter=self.name) from None
        return outcomes

    def _sync(self, fds: list[int]) -> None:
        """fsync every file of ``fds``; several at once when there are several."""
        if len(fds) <= 1:
            for fd in fds:
                os.fsync(fd)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(SYNC_THREADS, thread_name_prefix="outbox-fsync")
        for _ in self._pool.map(os.fsync, fds):  # re-raises the first OSError
            pass

    def close(self) -> None:
        """Stop the fsync threads (files are closed as each batch is written)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
