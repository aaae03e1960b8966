"""Message identification: which ISO 20022 message a document holds, from its first bytes.

The version comes from the Document's namespace
(``urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08``), never from a file name.
A head.001 Business Application Header next to the Document (in a wrapper
such as SWIFT's ``<Envelope>``) is recognised too.

Example:
    >>> detect(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"/>').message_id
    MessageId(area='pacs', functionality=8, variant=1, version=8)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._source import WHOLE, Sniffed, Source, open_input, read_head, sniff_whole
from .errors import UnsupportedMessageError
from .limits import DEFAULT_LIMITS, Limits
from .msgid import MessageId

__all__ = ["Detected", "detect", "message_id_of", "supported_messages"]


@dataclass(frozen=True, slots=True)
class Detected:
    """The result of :func:`detect`."""

    message_id: MessageId
    root: str  # local name of the root element: Document, or the envelope's
    app_header: MessageId | None  # the head.001 version of an AppHdr before the Document
    line: int  # line of the Document start tag

    @property
    def supported(self) -> bool:
        """True when :func:`iso20022.parse` reads this message version."""
        return self.message_id in _specs()


def _specs() -> Any:
    global _SPECS
    if _SPECS is None:  # imported late: the parse tables import this module
        from .parse.tables import SPECS

        _SPECS = SPECS
    return _SPECS


_SPECS: Any = None


def supported_messages() -> tuple[MessageId, ...]:
    """Every message version the parsers read, sorted."""
    from .parse.tables import SPECS

    return tuple(sorted(SPECS))


def message_id_of(sniffed: Sniffed, file: str | None = None) -> MessageId:
    """The message id of a sniffed Document namespace; ``UnsupportedMessageError`` if malformed."""
    message_id = MessageId.from_namespace(sniffed.document_namespace)
    if message_id is None:
        raise UnsupportedMessageError(
            f"unknown ISO 20022 namespace {sniffed.document_namespace!r}",
            file=file,
            line=sniffed.line,
            path="/Document",
        )
    return message_id


def detect(source: Source, /, *, limits: Limits = DEFAULT_LIMITS) -> Detected:
    """Identify the message in ``source`` (bytes, path or binary file) without parsing it all.

    Reads only up to the Document start tag.  Raises ``ParseError`` (not XML),
    ``UnsafeXMLError`` (DOCTYPE) or ``UnsupportedMessageError`` (no ISO Document).

    Example: ``detect("payments.xml").message_id`` -> ``MessageId('pain', 1, 1, 9)``
    """
    if type(source) is bytes and len(source) <= WHOLE and len(source) <= limits.max_bytes:
        sniffed = Sniffed(*sniff_whole(source, limits))  # what parse does: no stream
        message_id = message_id_of(sniffed)
    else:
        with open_input(source, limits) as stream:
            _, sniffed = read_head(stream, limits)
            message_id = message_id_of(sniffed, stream.name)
    app_header = (
        MessageId.from_namespace(sniffed.app_header_namespace)
        if sniffed.app_header_namespace
        else None
    )
    return Detected(message_id, sniffed.root, app_header, sniffed.line)
