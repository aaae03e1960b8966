"""Opening inputs: bytes, a path, or a binary file object, with the size limit enforced.

Shared by detection and by both parser implementations, so that every entry
point accepts the same inputs and reports the same file name.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from . import _impl
from .errors import LimitExceededError, ParseError
from .limits import Limits

__all__ = [
    "SPENT",
    "WHOLE",
    "Input",
    "SniffResult",
    "Sniffed",
    "Source",
    "Spent",
    "open_input",
    "read_head",
    "read_head_raw",
    "sniff_whole",
]

CHUNK = 256 * 1024


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


Source = bytes | bytearray | memoryview | str | os.PathLike[str] | _Readable


class Input:
    """A binary stream with a byte budget; ``name`` is the file name when known."""

    def __init__(self, stream: _Readable, name: str | None, limits: Limits) -> None:
        self._stream = stream
        self.name = name
        self._limit = limits.max_bytes
        self.consumed = 0

    def read(self, size: int = CHUNK) -> bytes:
        """Read up to ``size`` bytes; ``LimitExceededError`` past ``max_bytes``."""
        chunk = self._stream.read(size)
        if not isinstance(chunk, bytes | bytearray):
            raise TypeError("the input stream must be binary (opened with 'rb')")
        self.consumed += len(chunk)
        if self.consumed > self._limit:
            raise LimitExceededError(
                f"input larger than the limit of {self._limit} bytes", file=self.name
            )
        return bytes(chunk)


@contextmanager
def open_input(source: Source, limits: Limits) -> Iterator[Input]:
    """Open ``source`` for reading; bytes-like is the document, str/PathLike a path.

    Raises ``ParseError`` (file not readable) or ``LimitExceededError`` (too large).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > limits.max_bytes:
            raise LimitExceededError(
                f"input of {len(data)} bytes is larger than the limit of {limits.max_bytes} bytes"
            )
        yield Input(io.BytesIO(data), None, limits)
        return
    if isinstance(source, str | os.PathLike):
        name = os.fspath(source)
        try:
            size = os.stat(name).st_size
            stream: BinaryIO = open(name, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise ParseError(f"cannot read file: {exc.strerror or exc}", file=name) from None
        try:
            if size > limits.max_bytes:
                raise LimitExceededError(
                    f"file of {size} bytes is larger than the limit of {limits.max_bytes} bytes",
                    file=name,
                )
            yield Input(stream, name, limits)
        finally:
            stream.close()
        return
    if hasattr(source, "read"):
        yield Input(source, getattr(source, "name", None) or None, limits)
        return
    raise TypeError(
        f"expected bytes, a path or a binary file object, not {type(source).__name__}"
    )


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What the first bytes say: the Document's namespace and its surroundings."""

    root: str  # local name of the root element (Document, or an envelope)
    document_namespace: str
    app_header_namespace: str | None  # head.001 AppHdr met before the Document
    offset: int  # byte offset of the Document start tag
    line: int  # line of the Document start tag


SniffResult = tuple[str, str, str | None, int, int]
"""What ``sniff`` returns: the fields of :class:`Sniffed`, in order."""


def read_head(source: Input, limits: Limits) -> tuple[bytes, Sniffed]:
    """Read until the Document start tag is seen; return the bytes read and what was found.

    Refuses DOCTYPE, non-UTF-8 encodings and inputs with no ISO Document, with
    the errors of :mod:`iso20022._sniff_py`.
    """
    head, found = read_head_raw(source, limits)
    return head, Sniffed(*found)


def read_head_raw(source: Input, limits: Limits) -> tuple[bytes, SniffResult]:
    """:func:`read_head` with what was found as ``sniff`` returns it (a tuple)."""
    head = b""
    limit = limits.max_prolog_bytes
    while True:
        chunk = source.read(CHUNK)
        head += chunk
        try:
            found = _impl.sniff.sniff(head, not chunk, limit)
        except ParseError as exc:
            raise exc.with_file(source.name) from None
        if found is not None:
            return head, found


WHOLE = CHUNK
"""Documents up to this size are read whole by the first read: see :func:`sniff_whole`."""


class Spent:
    """The stream left after a document given as bytes was taken whole: it reads nothing."""

    name = None

    def read(self, size: int = CHUNK, /) -> bytes:
        """Always ``b""`` (end of input)."""
        return b""


SPENT = Spent()


def sniff_whole(data: bytes, limits: Limits) -> SniffResult:
    """What :func:`read_head_raw` finds in ``data`` (a document given as bytes, no file).

    The same calls, without a stream: up to :data:`WHOLE` bytes the first read would
    return ``data`` whole (sniffed as not final unless empty), the second nothing
    (sniffed as final).  A larger ``data`` finds the same: the reads would sniff longer
    and longer beginnings of it, and what a sniff finds or refuses in a beginning (up
    to ``max_prolog_bytes``) it finds or refuses the same in a longer one.
    """
    limit = limits.max_prolog_bytes
    found = _impl.sniff.sniff(data, not data, limit)
    if found is None:
        found = _impl.sniff.sniff(data, True, limit)
    return found  # type: ignore[no-any-return]
