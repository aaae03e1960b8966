"""Pure-Python twin of ``ext/xsdstream.pyx``: is this document schema-valid?

Contract (both implementations): ``Schema(data)`` compiles an XSD from its
(already verified) bytes, raising ``ValueError`` when it does not compile;
``valid(schema, head, offset, stream) -> bool`` says whether ``head`` (the
bytes read so far, the Document starting at ``offset``) followed by the rest
of ``stream`` (``read(size) -> bytes``; None when ``head`` is the whole
document) is well-formed and schema-valid.  An
exception raised by ``stream.read`` propagates.  Only the yes / no answer is
part of the contract: the caller reads an invalid document again to report
its first error.

This one is lxml's streaming validation: ``iterparse(..., schema=...)``
builds a tree as it goes (dropped between reads, so memory stays constant).
The compiled one runs the same libxml2 validator on the parser's events
without building anything, about twice as fast.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .._source import CHUNK, SPENT, Input
from .xsd import _schema_errors, _Stop

WHOLE_MAX = 0x7FFFFFFF
"""The largest document ``valid`` takes whole (the compiled pass's libxml2 buffer limit)."""

__all__ = ["Schema", "valid"]


class Schema:
    """One XSD compiled by lxml from its bytes."""

    __slots__ = ("xmlschema",)

    def __init__(self, data: bytes) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            self.xmlschema = etree.XMLSchema(etree.fromstring(data, parser))
        except etree.LxmlError as exc:
            raise ValueError(f"lxml could not compile the schema: {exc}") from exc


# A processing instruction fed to lxml just before the Document start tag (a
# prolog PI changes neither well-formedness nor validity, nor any line).  It is
# the one event the quick pass asks for: from it the tree is reachable, to drop
# what has closed, while lxml calls back into Python for no element at all.
# (An event per closing block, as in the reporting pass of validation.xsd,
# makes lxml take the GIL for every end tag: a fifth of the pass.)
_MARK = b"<?iso20022-prune?>"


class _MarkedReader:
    """Feeds lxml the head with :data:`_MARK` in it, then the rest; prunes between reads.

    Raises :class:`_Stop` at the first schema error, and at the first comment,
    processing instruction or CDATA section in the Document (see
    :func:`valid`).
    """

    def __init__(self, stream: Input, head: bytes, offset: int) -> None:
        self.stream = stream
        self.pending = head[:offset] + _MARK + head[offset:]
        self.last = _markup_free(b"", head[offset:])  # the last byte fed
        self.mark: Any = None  # the first processing instruction lxml reported
        self.root: Any = None
        self.context: Any = None  # the iterparse context, once it exists

    def read(self, size: int = CHUNK) -> bytes:
        if self.context is not None and _schema_errors(self.context.error_log):
            raise _Stop
        if self.pending:
            chunk, self.pending = self.pending, b""
            return chunk
        if self.root is None and self.mark is not None:
            self.root = self.mark.getroottree().getroot()
        if self.root is not None:
            _drop_closed(self.root)
        chunk = self.stream.read(CHUNK)
        self.last = _markup_free(self.last, chunk)
        return chunk


def _markup_free(last: bytes, chunk: bytes) -> bytes:
    """The last byte of ``chunk``; raises :class:`_Stop` when it holds ``<!`` or ``<?``.

    In a Document (no DOCTYPE: refused before), those only open a comment, a
    CDATA section or a processing instruction.  ``last`` is the byte before
    ``chunk``, for a ``<`` at the end of the previous one.
    """
    if b"<!" in chunk or b"<?" in chunk or (last == b"<" and chunk[:1] in (b"!", b"?")):
        raise _Stop
    return chunk[-1:] or last


def _drop_closed(root: Any) -> None:
    """Delete every element that has closed: all but the last child, down the last children.

    Between two reads the open elements are the chain of last children from the
    root, so this keeps them (and a few closed ones) and nothing else: the tree
    holds at most what one read added.
    """
    node = root
    while len(node):
        if len(node) > 1:
            del node[:-1]
        node = node[-1]


def valid(schema: Schema, head: bytes, offset: int, stream: Input | None) -> bool:
    """True when the document is well-formed and schema-valid; False when it cannot say so.

    ``stream`` None: ``head`` is the whole document (at most :data:`WHOLE_MAX`
    bytes, else ``ValueError``, as in the compiled pass).

    False at the first error, and for a Document holding a comment, a
    processing instruction or a CDATA section.  Without those, the blank text
    libxml2 leaves out of the tree (``remove_blank_text``: fewer nodes to build
    and free, a sixth of the pass) is whitespace between elements, where the
    schema allows it whatever the content model; next to a comment or CDATA
    section inside a simple-content element it is part of the value, and
    leaving it out can change the verdict.
    """
    if stream is None and len(head) > WHOLE_MAX:
        raise ValueError(f"a document given whole is at most {WHOLE_MAX} bytes")
    try:
        reader = _MarkedReader(SPENT if stream is None else stream, head, offset)  # type: ignore[arg-type]
    except _Stop:
        return False
    context = etree.iterparse(
        reader, events=("pi",), schema=schema.xmlschema,
        no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True,
    )
    reader.context = context
    try:
        for _, element in context:
            if reader.mark is None:
                reader.mark = element
    except (_Stop, etree.XMLSyntaxError):
        return False
    return not _schema_errors(context.error_log)
