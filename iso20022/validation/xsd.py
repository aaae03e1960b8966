"""XSD validation with libxml2 (lxml), streaming, reporting the first error exactly.

A plain document (root ``Document``) is validated in one streaming pass.
An input that can be read again (bytes, a path) is first checked by the
quick pass (``_impl.xsdstream``: libxml2's validator on the parser's events,
nothing built; its twin is lxml's ``iterparse(..., schema=...)``), which only
says valid or not; only when it finds something does the pass that reports
(``iterparse`` with the repeating blocks ``PmtInf``, ``CdtTrfTxInf``, ...
cleared as they close, so memory stays constant whatever the file size) read
the input again, so what is reported is the same either way.  The pass stops
at the first schema error.

libxml2 validating a stream gives neither a line nor an element path for an
error (lxml reports line 0), so an invalid file is read a second time up to
the error: in large reads until shortly before it, then one tag at a time, so
the tag that triggered the error is known; its line is counted from the bytes
and its path read from the open elements (``PmtInf[2]`` and ``CdtTrfTxInf[7]``
indexed like the parser's paths).  Only invalid files pay for that second
read; a non-seekable stream cannot be read twice and gets the libxml2 message
without a line.

An AppHdr envelope (a wrapper holding ``AppHdr`` and ``Document``) is a small
single message: it is parsed whole (bounded by :data:`ENVELOPE_MAX_BYTES`)
and its ``Document`` validated against the message schema, its ``AppHdr``
against the head.001 schema when that schema is available.

Any schema error, and any document that is not well-formed, makes the whole
file invalid: reason code FF01.

Example:
    >>> from iso20022.synth import pacs008
    >>> validate_xsd(pacs008()) is None
    True
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from .. import _impl
from .._source import CHUNK, Input, Sniffed, Source, open_input, read_head
from ..catalog import message_id_of
from ..errors import SchemaError, UnsupportedMessageError
from ..limits import DEFAULT_LIMITS, Limits
from ..msgid import MessageId
from ..schemas import compiled_with, load_schema
from .verdict import Issue

__all__ = ["ENVELOPE_MAX_BYTES", "SchemaCheck", "validate_xsd"]

ENVELOPE_MAX_BYTES = 64 * 1024 * 1024
"""Largest enveloped (AppHdr + Document) message validated; they are parsed whole."""

# Repeating blocks: cleared when they close (constant memory) and indexed in
# paths (``PmtInf[2]``), like the parsers do.
_RECORD_TAGS = ("PmtInf", "CdtTrfTxInf", "DrctDbtTxInf", "TxInfAndSts", "OrgnlPmtInfAndSts",
                "Stmt", "Ntfctn", "Rpt", "Ntry", "TxDtls")
_BLOCKS = [f"{{*}}{tag}" for tag in _RECORD_TAGS]  # cleared as they close
_WITH_ROOT = ["{*}Document", *_BLOCKS]  # the re-read also needs the root element
_RULE = "xsd"


@dataclass(frozen=True, slots=True)
class SchemaCheck:
    """What the XSD pass found about one input: its message id and the first issue."""

    message_id: MessageId
    issue: Issue | None


def validate_xsd(
    source: Source,
    /,
    *,
    message: MessageId | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Issue | None:
    """Validate ``source`` against the official XSD of its message; None when valid.

    Takes bytes, a path or a binary file.  ``message`` forces the schema
    (default: the one named by the Document's namespace).  Returns the first
    schema or well-formedness error as an :class:`Issue` (FF01, rule ``xsd``,
    path, line, the libxml2 message).

    Raises ``ParseError`` when the input is unusable before validation can
    start (not XML, DOCTYPE, not an ISO 20022 document) and ``SchemaError``
    when no schema is available for the message.

    Example: ``validate_xsd("pain001.xml")`` -> ``None``
    """
    return check_xsd(source, message=message, limits=limits).issue


def check_xsd(
    source: Source,
    /,
    *,
    message: MessageId | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    app_header: bool = True,
) -> SchemaCheck:
    """Like :func:`validate_xsd`, also returning the message id found.

    ``app_header=False`` leaves an envelope's AppHdr unchecked (the Document only).
    """
    requested = MessageId.parse(message) if isinstance(message, str) else message
    unsupported: UnsupportedMessageError | None = None
    with open_input(source, limits) as stream:
        try:
            head, sniffed = read_head(stream, limits)
            found = message_id_of(sniffed, stream.name)
        except UnsupportedMessageError as exc:
            unsupported = exc
        if unsupported is None and (requested is None or requested.area != "head"):
            schema = load_schema(requested or found)
            if sniffed.root != "Document":
                return SchemaCheck(found, _validate_envelope(stream, head, sniffed, schema,
                                                             app_header))
            try:
                located = _stream(source, stream, head, sniffed.offset, schema,
                                  requested or found, limits)
            except _NotWellFormed as exc:
                return SchemaCheck(found, Issue(code="FF01", rule="xml", text=exc.message,
                                                line=exc.line, column=exc.column))
    if unsupported is not None or (requested is not None and requested.area == "head"):
        # No ISO Document, or the AppHdr asked for (head.001): a business
        # application header validated on its own.
        alone = _check_app_header_file(source, requested)
        if alone is None:
            assert unsupported is not None  # a head.001 request always gets an answer
            raise unsupported
        return alone
    if located is None:
        return SchemaCheck(found, None)
    message_text, position, fallback_line = located
    # A schema error can be the echo of a document that is not well-formed
    # (cut short, say); the parse error is then the finding.
    broken = _not_well_formed(source)
    if broken is not None:
        return SchemaCheck(found, Issue(code="FF01", rule="xml", text=broken[0], line=broken[1],
                                        column=broken[2]))
    where = _locate(source, schema, position)
    line, column, path = where if where is not None else (fallback_line, None, None)
    return SchemaCheck(found, Issue(code="FF01", rule=_RULE, text=message_text, path=path,
                                    line=line, column=column))


# -- the streaming pass ----------------------------------------------------------------


class _Stop(Exception):
    """Raised inside the reader to end a pass early."""


class _Reader:
    """Feeds lxml: the sniffed head, then the rest; polls the error log between reads."""

    def __init__(self, stream: Input, head: bytes) -> None:
        self.stream = stream
        self.pending = head
        self.consumed = 0
        self.context: Any = None  # the iterparse context, once it exists

    def read(self, size: int = CHUNK) -> bytes:
        if self.context is not None and _schema_errors(self.context.error_log):
            raise _Stop
        if self.pending:
            chunk, self.pending = self.pending, b""
        else:
            chunk = self.stream.read(CHUNK)
        self.consumed += len(chunk)
        return chunk


def _schema_errors(log: Any) -> list[Any]:
    return [e for e in log if e.level >= etree.ErrorLevels.ERROR]


def _iterparse(reader: Any, schema: etree.XMLSchema) -> Any:
    # DOCTYPE is refused before this parser sees a byte (the sniffer reads the
    # whole prolog), so no entity can be declared.  resolve_entities=False is
    # deliberately not set: with a schema, it makes lxml's iterparse end
    # silently on a truncated document (lxml 6.1.3, libxml2 2.14; see
    # tests/test_validate_xsd.py::test_not_well_formed_is_ff01_with_a_line).
    return etree.iterparse(
        reader, events=("start", "end"), tag=_WITH_ROOT, schema=schema,
        no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False,
    )


def _prune(element: Any) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _stream(source: Source, stream: Input, head: bytes, offset: int, schema: etree.XMLSchema,
            message: MessageId, limits: Limits) -> tuple[str, int, int | None] | None:
    """One pass; None when valid, else (libxml2 message, bytes read, line if libxml2 knew).

    An input that can be read again (bytes, a path) gets the cheaper pass first
    (``_impl.xsdstream.valid``); when that finds anything, the input is read again
    by the pass that reports it (:func:`_stream_blocks`), so what is reported
    does not depend on which pass ran.
    """
    if not isinstance(source, bytes | bytearray | memoryview | str | os.PathLike):
        return _stream_blocks(stream, head, schema)
    quick = _impl.xsdstream
    whole: bytes = head
    rest: Input | None = stream
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)  # limits were checked when it was opened
        if len(data) <= quick.WHOLE_MAX:  # read in place, not through the stream
            whole, rest = data, None
    if quick.valid(compiled_with(message, quick.Schema), whole, offset, rest):
        return None
    with open_input(source, limits) as again:
        head, _ = read_head(again, limits)
        return _stream_blocks(again, head, schema)


def _stream_blocks(stream: Input, head: bytes,
                   schema: etree.XMLSchema) -> tuple[str, int, int | None] | None:
    """The pass that reports: blocks cleared as they close, the first error as libxml2 gave it."""
    reader = _Reader(stream, head)
    # End events of the repeating blocks only, to clear them; errors are polled
    # by the reader between reads (the error log is copied on each access).
    context = etree.iterparse(
        reader, events=("end",), tag=_BLOCKS, schema=schema,
        no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False,
    )
    reader.context = context
    try:
        for _, element in context:
            _prune(element)
    except _Stop:
        pass
    except etree.XMLSyntaxError as exc:
        log: Any = exc.error_log
        if any(e.domain == etree.ErrorDomains.PARSER for e in log):
            raise _NotWellFormed(exc.msg, exc.position[0] or None,
                                 exc.position[1] or None) from None
        errors = _schema_errors(exc.error_log) or _schema_errors(context.error_log)
        first = errors[0] if errors else None
        text = first.message if first is not None else str(exc)
        line = first.line if first is not None and first.line else None
        return text, reader.consumed, line
    errors = _schema_errors(context.error_log)
    if not errors:
        return None
    for error in errors:  # not well-formed is the graver finding, whatever came first
        if error.domain == etree.ErrorDomains.PARSER:
            raise _NotWellFormed(error.message, error.line or None, error.column or None)
    return errors[0].message, reader.consumed, errors[0].line or None


class _NotWellFormed(Exception):
    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# -- locating the first error ----------------------------------------------------------


class _TagReader:
    """Re-reads an input: large reads up to ``fine_from``, then one tag (up to ``>``) a read."""

    def __init__(self, data: Iterator[bytes], fine_from: int) -> None:
        self.data = data
        self.fine_from = fine_from
        self.buffer = b""
        self.offset = 0  # input offset of buffer[0]
        self.position = 0  # bytes handed to lxml so far
        self.newlines = 0  # newlines in the bytes handed to lxml
        self.column = 0  # bytes after the last newline handed to lxml
        self.last_column = 0  # ``column`` before the last piece
        self.last = b""  # the last piece handed to lxml
        self.context: Any = None  # the iterparse context (its error_log is a fresh copy per call)
        # (piece, newlines before it, column where it starts) at the error
        self.hit: tuple[bytes, int, int] | None = None

    def _fill(self) -> bool:
        chunk = next(self.data, b"")
        if not chunk:
            return False
        self.buffer = self.buffer[self.position - self.offset:] + chunk
        self.offset = self.position
        return True

    def read(self, size: int = CHUNK) -> bytes:
        if self.context is not None and self.hit is None and _schema_errors(
                self.context.error_log):
            self.hit = (self.last, self.newlines - self.last.count(b"\n"), self.last_column)
            raise _Stop
        start = self.position - self.offset
        if self.position < self.fine_from:
            if start >= len(self.buffer) and not self._fill():
                return b""
            start = self.position - self.offset
            piece = self.buffer[start:start + min(CHUNK, self.fine_from - self.position)]
        else:
            end = self.buffer.find(b">", start)
            while end < 0:
                if not self._fill():
                    break
                start = self.position - self.offset
                end = self.buffer.find(b">", start)
            piece = self.buffer[start:] if end < 0 else self.buffer[start:end + 1]
        self.position += len(piece)
        self.newlines += piece.count(b"\n")
        self.last_column = self.column
        cut = piece.rfind(b"\n")
        self.column = self.column + len(piece) if cut < 0 else len(piece) - cut - 1
        self.last = piece
        return piece


def _chunks(source: Source) -> Iterator[bytes] | None:
    """The input again from its start, or None when it cannot be read twice."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return (data[i:i + CHUNK] for i in range(0, len(data), CHUNK))
    if isinstance(source, str | os.PathLike):
        return _file_chunks(os.fspath(source))
    seek = getattr(source, "seek", None)
    seekable = getattr(source, "seekable", None)
    if seek is None or (seekable is not None and not seekable()):
        return None
    try:
        seek(0)
    except (OSError, ValueError):
        return None
    read = source.read
    return iter(lambda: read(CHUNK), b"")


def _not_well_formed(source: Source) -> tuple[str, int | None, int | None] | None:
    """Read the input again without the schema: its well-formedness error, if any."""
    try:
        chunks = _chunks(source)
    except OSError:
        return None
    if chunks is None:
        return None

    class _Feed:
        def read(self, size: int = CHUNK) -> bytes:
            return next(chunks, b"")  # type: ignore[arg-type]

    context = etree.iterparse(_Feed(), events=("end",), tag=_BLOCKS, no_network=True,
                              load_dtd=False, huge_tree=False)
    try:
        for _, element in context:
            _prune(element)
    except etree.XMLSyntaxError as exc:
        return exc.msg, exc.position[0] or None, exc.position[1] or None
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return None


def _file_chunks(name: str) -> Iterator[bytes]:
    with open(name, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def _locate(source: Source, schema: etree.XMLSchema,
            position: int) -> tuple[int, int, str] | None:
    """Read the input again up to ``position``; the (line, column, path) of the first error."""
    try:
        chunks = _chunks(source)
    except OSError:
        return None
    if chunks is None:
        return None
    reader = _TagReader(chunks, max(0, position - 2 * CHUNK))
    context = _iterparse(reader, schema)
    reader.context = context
    root: Any = None
    # One frame per open repeating block: its local name, its index, and the
    # counts of the blocks started inside it.
    frames: list[tuple[str, int, dict[str, int]]] = []
    top: dict[str, int] = {}
    try:
        for event, element in context:
            local = etree.QName(element).localname
            if root is None:
                root = element
            if local == "Document" and element is root:
                continue
            if event == "start":
                counts = frames[-1][2] if frames else top
                counts[local] = counts.get(local, 0) + 1
                frames.append((local, counts[local], {}))
            else:
                frames.pop()
                _prune(element)
    except (_Stop, etree.XMLSyntaxError):
        pass
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    if reader.hit is None or root is None:
        return None
    piece, newlines_before, start_column = reader.hit
    tag_at = max(piece.rfind(b"<"), 0)
    line = newlines_before + piece.count(b"\n", 0, tag_at) + 1
    cut = piece.rfind(b"\n", 0, tag_at)
    column = start_column + tag_at + 1 if cut < 0 else tag_at - cut
    return line, column, _path_at(root, piece[tag_at:], frames)


def _path_at(root: Any, tag: bytes, frames: list[tuple[str, int, dict[str, int]]]) -> str:
    """The element path of the element a tag (``<X ...>`` or ``</X>``) names, from the tree."""
    chain = [root]
    while len(chain[-1]):
        last = chain[-1][-1]
        if not isinstance(last.tag, str):  # a comment or processing instruction
            break
        chain.append(last)
    if tag.startswith(b"</"):
        name = tag[2:].rstrip(b"> \t\r\n").split(b":")[-1].decode("utf-8", "replace")
        for depth in range(len(chain) - 1, -1, -1):
            if etree.QName(chain[depth]).localname == name:
                del chain[depth + 1:]
                break
    indexes = iter(index for _, index, _ in frames)
    parts = []
    for element in chain:
        local = etree.QName(element).localname
        if local in _RECORD_TAGS:
            parts.append(f"{local}[{next(indexes, 0)}]")
        else:
            parts.append(local)
    return "/" + "/".join(parts)


# -- envelopes ---------------------------------------------------------------------------


def _validate_envelope(stream: Input, head: bytes, sniffed: Sniffed,
                       schema: etree.XMLSchema, app_header: bool) -> Issue | None:
    data = bytearray(head)
    while chunk := stream.read(CHUNK):
        data += chunk
        if len(data) > ENVELOPE_MAX_BYTES:
            return Issue(code="FF01", rule=_RULE, path=f"/{sniffed.root}",
                         text=f"an enveloped message over {ENVELOPE_MAX_BYTES} bytes is not "
                              "accepted (send the Document without the envelope)")
    parser = etree.XMLParser(no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.parse(io.BytesIO(bytes(data)), parser).getroot()
    except etree.XMLSyntaxError as exc:
        line, _ = exc.position
        return Issue(code="FF01", rule=_RULE, text=exc.msg, line=line or None)
    document = next((e for e in root.iter("{*}Document")
                     if (etree.QName(e).namespace or "") == sniffed.document_namespace), None)
    targets: list[tuple[Any, etree.XMLSchema | None]] = [(document, schema)]
    if app_header:
        for header in root.iter("{*}AppHdr"):
            targets.append((header, _app_header_schema(etree.QName(header).namespace)))
            break
    for element, checker in targets:
        if element is None or checker is None:
            continue
        issue = _validate_element(element, checker)
        if issue is not None:
            return issue
    return None


def _validate_element(element: Any, checker: etree.XMLSchema) -> Issue | None:
    """Validate one element (a Document or an AppHdr) of a parsed tree; its first error."""
    if checker.validate(element):
        return None
    log: Any = checker.error_log
    first: Any = log.filter_from_errors()[0]
    at: int | None = first.line or _line_of(element)
    return Issue(code="FF01", rule=_RULE, text=first.message, line=at,
                 path=_element_path(element, first.path))


def _check_app_header_file(source: Source, requested: MessageId | None) -> SchemaCheck | None:
    """A business application header (head.001) validated against its own schema.

    For a file holding no ISO ``Document`` (a standalone ``AppHdr``, or one
    beside a non-ISO payload) and for an explicit head.001 ``message``: the
    first ``AppHdr`` in an ISO head.001 namespace is validated, against the
    ``requested`` schema or the one its namespace names.  The file was
    sniffed first (DOCTYPE refused) and is parsed whole, bounded by
    :data:`ENVELOPE_MAX_BYTES`.  None when ``requested`` is None and the
    input cannot be read again, is not well-formed or holds no such AppHdr
    (the caller's error stands).  Raises ``UnsupportedMessageError`` when a
    head.001 message was asked for and there is no AppHdr.
    """
    data = _read_again(source)
    if data is None:
        if requested is None:
            return None
        raise UnsupportedMessageError("the input cannot be read again to validate its AppHdr")
    if len(data) > ENVELOPE_MAX_BYTES:
        if requested is None:
            return None
        return SchemaCheck(requested, Issue(
            code="FF01", rule=_RULE, path="/AppHdr",
            text=f"a business application header file over {ENVELOPE_MAX_BYTES} bytes "
                 "is not accepted"))
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if requested is None:
            return None
        return SchemaCheck(requested, Issue(code="FF01", rule="xml", text=exc.msg,
                                            line=exc.position[0] or None,
                                            column=exc.position[1] or None))
    header = next((e for e in root.iter("{*}AppHdr")
                   if _head_id(etree.QName(e).namespace) is not None), None)
    if header is None:
        if requested is None:
            return None
        raise UnsupportedMessageError(f"no {requested} AppHdr element found",
                                      file=_name_of(source), path="/AppHdr")
    mid = requested or _head_id(etree.QName(header).namespace)
    assert mid is not None
    return SchemaCheck(mid, _validate_element(header, load_schema(mid)))


def _head_id(namespace: str | None) -> MessageId | None:
    mid = MessageId.from_namespace(namespace or "")
    return mid if mid is not None and mid.area == "head" else None


def _read_again(source: Source) -> bytes | None:
    """The whole input from its start (at most one chunk past the envelope bound)."""
    try:
        chunks = _chunks(source)
    except OSError:
        return None
    if chunks is None:
        return None
    data = bytearray()
    try:
        for chunk in chunks:
            data += chunk
            if len(data) > ENVELOPE_MAX_BYTES:
                break
    except OSError:
        return None
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return bytes(data)


def _name_of(source: Source) -> str | None:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else None


def _app_header_schema(namespace: str | None) -> etree.XMLSchema | None:
    """The head.001 schema of an AppHdr, or None when it is not installed."""
    mid = MessageId.from_namespace(namespace or "")
    if mid is None:
        return None
    try:
        return load_schema(mid)
    except SchemaError:
        return None


def _element_path(validated: Any, libxml2_path: str | None) -> str:
    """The local-name path of the element libxml2 names.

    libxml2 names it from the validated element as if that were a document's
    root (``/*/*/*[1]/*[1]``, with the document's own prefixes).
    """
    found: Any = validated
    steps = (libxml2_path or "").strip("/").split("/")[1:]
    if steps:
        namespaces = {k: v for k, v in validated.nsmap.items() if k}
        try:
            hits = validated.xpath("/".join(steps), namespaces=namespaces)
        except etree.XPathError:
            hits = []
        found = hits[0] if isinstance(hits, list) and hits else validated
    parts = []
    for element in (*reversed(list(found.iterancestors())), found):
        local = etree.QName(element).localname
        if local in _RECORD_TAGS:  # indexed as the streaming check indexes them
            parent = element.getparent()
            siblings = [] if parent is None else [
                e for e in parent if isinstance(e.tag, str) and etree.QName(e).localname == local]
            local = f"{local}[{siblings.index(element) + 1 if siblings else 1}]"
        parts.append(local)
    return "/" + "/".join(parts)


def _line_of(element: Any) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None
