"""Parse stage: bytes -> :class:`~iso20022.records.Transfer` records.

``parse(source)`` detects the message from its first bytes, refuses what is
never accepted (DOCTYPE, non-UTF-8, unsupported messages), then streams the
transfers out of the document as each transaction closes.

Example:
    >>> for transfer in parse("payments.xml"):  # doctest: +SKIP
    ...     print(transfer.end_to_end_id, transfer.amount)
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import _impl
from .._source import (
    SPENT,
    WHOLE,
    Input,
    Sniffed,
    SniffResult,
    Source,
    Spent,
    open_input,
    read_head_raw,
    sniff_whole,
)
from ..catalog import message_id_of
from ..errors import ParseError, UnsupportedMessageError
from ..limits import DEFAULT_LIMITS, Limits
from ..msgid import MessageId
from ..records import Transfer
from .tables import SPECS, MessageSpec

__all__ = ["parse"]


def _supported_summary() -> str:
    by_family: dict[str, list[int]] = {}
    for mid in sorted(SPECS):
        by_family.setdefault(f"{mid.family}.{mid.variant:03d}", []).append(mid.version)
    return ", ".join(
        f"{family}.{min(v):02d}-{max(v):02d}" for family, v in by_family.items()
    )


def parse(
    source: Source,
    /,
    *,
    message: MessageId | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Transfer]:
    """Stream the transfers of one ISO 20022 message.

    Takes bytes (the document), a path (``str`` or ``os.PathLike``) or a binary
    file object.  ``message`` (``"pacs.008.001.08"``) requires that message;
    ``limits`` bounds size, depth and text length.  Returns an iterator of
    :class:`~iso20022.records.Transfer`, one per transaction, in document order.

    Raises (while iterating) ``ParseError`` and its subclasses:
    ``UnsupportedMessageError``, ``UnsafeXMLError``, ``LimitExceededError``,
    ``InvalidValueError``; each names the file, line and element path.

    Example: ``sum(t.amount.amount for t in parse("pain001.xml"))``
    """
    expected = MessageId.parse(message) if isinstance(message, str) else message
    if type(source) is bytes and len(source) <= limits.max_bytes \
            and (len(source) <= WHOLE or _impl.scan.IN_PLACE):
        # A document that one read takes whole (most messages), or any document given as
        # bytes when the scanner takes it in place (the compiled one): no stream around
        # it, and no generator either: the scanner is the iterator returned (a message of
        # one transfer would pay for a generator's frame and its yield from).  Sniffed
        # now; what is refused is raised when iterating, as from a generator.
        try:
            return _transfers(SPENT, source, sniff_whole(source, limits), expected, limits)
        except Exception as exc:  # raised by the iterator returned, when iterated
            return _failed(exc)
    return _parse(source, expected, limits)


def _failed(exc: Exception) -> Iterator[Transfer]:
    """The iterator of a document refused before its first transfer: raises ``exc``."""
    if isinstance(exc, ParseError):
        raise exc from None
    raise exc
    yield  # a generator: raises when iterated, not when made


# Document namespace -> (message id, spec or None), for the namespaces already met: a
# stream of small messages would otherwise parse the same namespace and hash the same
# MessageId (Python-level dataclass methods) for every message.  Bounded: a namespace
# enters only once it has been read as a well-formed message id.
_BY_NAMESPACE: dict[str, tuple[MessageId, MessageSpec | None]] = {}
_BY_NAMESPACE_MAX = 256


def _message_of(found: SniffResult, file: str | None) -> tuple[MessageId, MessageSpec | None]:
    """The message of a namespace not in ``_BY_NAMESPACE`` (``_transfers`` looks there)."""
    message_id = message_id_of(Sniffed(*found), file)
    known = (message_id, SPECS.get(message_id))
    if len(_BY_NAMESPACE) < _BY_NAMESPACE_MAX:
        _BY_NAMESPACE[found[1]] = known
    return known


def _transfers(stream: Input | Spent, head: bytes, found: SniffResult,
               expected: MessageId | None, limits: Limits) -> Iterator[Transfer]:
    """The scanner's iterator over the sniffed document (``found``); refuses the wrong message."""
    known = _BY_NAMESPACE.get(found[1])  # here, not in a call: once per small message
    message_id, spec = known if known is not None else _message_of(found, stream.name)
    if expected is not None and message_id != expected:
        raise UnsupportedMessageError(
            f"expected {expected}, found {message_id}", file=stream.name,
            line=found[4], path="/Document",
        )
    if spec is None:
        raise UnsupportedMessageError(
            f"{message_id} is not supported (supported: {_supported_summary()})",
            file=stream.name, line=found[4], path="/Document",
        )
    return _impl.scan.scan(stream, head, spec, limits)  # type: ignore[no-any-return]


def _parse(source: Source, expected: MessageId | None, limits: Limits) -> Iterator[Transfer]:
    """The transfers of ``source`` read through a stream (a path, a file object, bytes
    past one read on the twin); raised errors name the file."""
    with open_input(source, limits) as stream:
        head, found = read_head_raw(stream, limits)
        try:
            yield from _transfers(stream, head, found, expected, limits)
        except ParseError as exc:
            raise exc.with_file(stream.name) from None
