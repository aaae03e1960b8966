"""Reference parser: pure Python on lxml, streaming, the twin of the compiled scanner.

Contract (what the compiled scanner must match): given an opened input whose
head has been sniffed (DOCTYPE already refused, the Document's message known),
``scan`` yields one :class:`~iso20022.records.Transfer` per ``CdtTrfTxInf`` as
each one closes, in document order, in constant memory (every element is
dropped from the tree once it has been read).  Only element local names count
inside the Document; the field tables of :mod:`iso20022.parse.tables` decide
what is read; records are built by :mod:`iso20022.parse._build`.

Errors: ``ParseError`` for anything not well-formed (with lxml's line and
column), ``InvalidValueError`` for a value of the wrong form (amount, date,
number), ``LimitExceededError`` for nesting deeper than ``max_depth`` or a
text node over ``max_text_bytes``; each names the file, the line and the
element path such as ``/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]/IntrBkSttlmAmt``
(scope elements ``PmtInf`` and ``CdtTrfTxInf`` carry their 1-based position).

``scan_statements`` is the statement (camt.053 / camt.054) walk, defined in
:mod:`iso20022.parse.camt` next to its tables: this module has the same surface
as the compiled one (``scan`` and ``scan_statements``), so the selector
(:mod:`iso20022._impl`) switches both parsers at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from lxml import etree

from .._source import Input, Spent
from ..errors import InvalidValueError, LimitExceededError, ParseError
from ..limits import Limits
from ..msgid import ISO_NAMESPACE_PREFIX, MessageId
from ..records import AppHeader, MessageHeader, PaymentInformation, Source, Transfer
from ._build import (
    MissingFieldError,
    build_app_header,
    build_message,
    build_payment,
    build_transfer,
    convert,
    put,
    start_group,
    transfer_defaults,
)
from .tables import APP_HEADER_TABLE, MessageSpec, Node, compile_table, iso_path_of

if TYPE_CHECKING:
    from ..statements import Statement, StatementEntry
    from .camt import CamtSpec

__all__ = ["IN_PLACE", "scan", "scan_statements"]

IN_PLACE = False
"""Whether ``scan`` takes a document given whole as bytes in place, however large.

Not this twin: lxml would build the tree of a document fed whole before its elements
could be cleared, so past ``_source.WHOLE`` bytes the document comes through a stream
(:func:`iso20022.parse.parse` asks).  The compiled scanner says True.
"""

_HEAD_PREFIX = ISO_NAMESPACE_PREFIX + "head.001."

# Frame modes.
_OUT, _DOC, _ROOT, _APPHDR, _GRP, _PMT, _TX, _FIELD, _SKIP = range(9)
_TRIE_MODES = frozenset((_APPHDR, _GRP, _PMT, _TX, _FIELD))


_TRIES: dict[MessageId, tuple[Node, Node, Node]] = {}


def _tries(spec: MessageSpec) -> tuple[Node, Node, Node]:
    tries = _TRIES.get(spec.message_id)
    if tries is None:
        tries = _TRIES[spec.message_id] = _compile(spec)
    return tries


def _compile(spec: MessageSpec) -> tuple[Node, Node, Node]:
    return (
        compile_table(spec.group_table),
        compile_table(spec.payment_table),
        compile_table(spec.transaction_table),
    )


@cache
def _app_header_trie() -> Node:
    return compile_table(APP_HEADER_TABLE)


# libxml2 keeps an element's line in 16 bits: from line 65535 on, ``sourceline`` is a
# guess that depends on the element's content.  Up to this line it is exact; past
# it, scan() feeds the parser line by line and supplies the line itself.
_EXACT_LINES = 65534


def _new_parser() -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("start", "end"),
        # DOCTYPE is refused before this parser sees a byte (see _sniff_py), so no
        # entity can be declared; resolve_entities=False is not set because it
        # makes libxml2 errors surface as lxml's uninformative "no element found".
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


class _Walker:
    """Turns start/end events into transfers; one per document."""

    def __init__(self, spec: MessageSpec, file: str | None, limits: Limits) -> None:
        self.spec = spec
        self.file = file
        self.limits = limits
        self.group_trie, self.payment_trie, self.tx_trie = _tries(spec)
        # Parallel stacks, one entry per open element.
        self.modes: list[int] = []
        self.nodes: list[Node | None] = []
        self.containers: list[dict[str, Any] | None] = []
        self.names: list[str] = []
        self.lines: list[int] = []  # line of each open element's start tag
        self.app_values: dict[str, Any] | None = None
        self.app_header_type: str | None = None
        self.app_header: AppHeader | None = None
        self.group_values: dict[str, Any] | None = None
        self.message: MessageHeader | None = None
        self.group_defaults: dict[str, Any] = {}
        self.payment_values: dict[str, Any] = {}
        self.payment: PaymentInformation | None = None
        self.defaults: dict[str, Any] = {}
        self.payment_count = 0
        self.tx_in_parent = 0
        self.tx_index = 0
        self.tx_values: dict[str, Any] = {}
        self.tx_line: int | None = None
        self.seen_document = False

    # -- errors -------------------------------------------------------------------------

    def path(self) -> str:
        return "/" + "/".join(self.names)

    def error(self, cls: type[ParseError], message: str, line: int | None,
              column: int | None = None, code: str | None = None) -> ParseError:
        return cls(message, file=self.file, line=line, column=column, path=self.path(),
                   code=code)

    def missing(self, exc: MissingFieldError, trie: Node, line: int | None) -> ParseError:
        where = iso_path_of(trie, exc.field)
        what = f"element {where}" if where else f"{exc.record}.{exc.field}"
        return self.error(ParseError, f"missing required {what}", line)

    # -- events -------------------------------------------------------------------------

    def start(self, elem: Any, line: int) -> None:
        tag = elem.tag
        if not isinstance(tag, str):
            return
        if len(self.modes) >= self.limits.max_depth:
            self.names.append(etree.QName(tag).localname)
            raise self.error(LimitExceededError,
                             f"elements nested deeper than {self.limits.max_depth}", line)
        if tag[0] == "{":
            namespace, _, local = tag[1:].partition("}")
        else:
            namespace, local = "", tag
            if ":" in tag:  # libxml2 reports this only when the parse ends: fail here
                self.names.append(tag)
                raise self.error(ParseError, f"namespace prefix {tag.partition(':')[0]!r} "
                                 "is not declared", line)
        for key in elem.attrib:
            if key[0] != "{" and ":" in key:
                self.names.append(local)
                raise self.error(ParseError, f"namespace prefix {key.partition(':')[0]!r} "
                                 f"of attribute {key!r} is not declared", line)
        parent = self.modes[-1] if self.modes else _OUT
        mode = _SKIP
        node: Node | None = None
        container: dict[str, Any] | None = None
        name = local
        if parent in _TRIE_MODES:
            if parent == _PMT and local == "CdtTrfTxInf":
                mode, node, name = self._start_tx(line)
                container = self.tx_values
            else:
                parent_node = self.nodes[-1]
                assert parent_node is not None
                node = parent_node.children.get(local)
                if node is not None:
                    mode = _FIELD
                    container = self.containers[-1]
                    assert container is not None
                    if node.group is not None:
                        container = start_group(container, node.group)
                    if node.attrs:
                        self.names.append(name)
                        self._attributes(node, elem, container, line)
                        self.names.pop()
        elif parent == _ROOT:
            if local == "GrpHdr":
                mode, node = _GRP, self.group_trie
                container = self.group_values = {}
            elif self.spec.payment_scope is not None and local == self.spec.payment_scope:
                self.payment_count += 1
                self.tx_in_parent = 0
                self.payment = None
                mode, node, name = _PMT, self.payment_trie, f"{local}[{self.payment_count}]"
                container = self.payment_values = {}
            elif self.spec.payment_scope is None and local == "CdtTrfTxInf":
                mode, node, name = self._start_tx(line)
                container = self.tx_values
        elif parent == _DOC:
            if local != self.spec.root:
                self.names.append(local)
                raise self.error(ParseError, f"expected {self.spec.root} in the "
                                 f"{self.spec.message_id} Document, found {local}", line)
            mode = _ROOT
        elif parent == _OUT:
            if local == "Document" and namespace.startswith(ISO_NAMESPACE_PREFIX):
                mode = _DOC
                self.seen_document = True
            elif local == "AppHdr" and namespace.startswith(_HEAD_PREFIX) \
                    and not self.seen_document:
                mode, node = _APPHDR, _app_header_trie()
                container = self.app_values = {}
                self.app_header_type = namespace[len(ISO_NAMESPACE_PREFIX):]
            else:
                mode = _OUT
        self.modes.append(mode)
        self.nodes.append(node)
        self.containers.append(container)
        self.names.append(name)
        self.lines.append(line)

    def _start_tx(self, line: int | None) -> tuple[int, Node, str]:
        if self.message is None:
            self.names.append("CdtTrfTxInf")
            raise self.error(ParseError, "CdtTrfTxInf before a complete GrpHdr", line)
        if self.spec.payment_scope is not None and self.payment is None:
            try:
                self.payment = build_payment(self.payment_values, self.payment_count)
            except MissingFieldError as exc:
                raise self.missing(exc, self.payment_trie, line) from None
            self.defaults = transfer_defaults(self.group_values or {}, self.payment_values)
        self.tx_in_parent += 1
        self.tx_values = {}
        self.tx_line = line
        return _TX, self.tx_trie, f"CdtTrfTxInf[{self.tx_in_parent}]"

    def _attributes(self, node: Node, elem: Any, container: dict[str, Any],
                    line: int | None) -> None:
        for key, value in elem.attrib.items():
            local = key.rpartition("}")[2]
            spec = node.attrs.get(local)
            if spec is None:
                continue
            target, kind = spec
            try:
                put(container, target, convert(kind, value), False)
            except ValueError as exc:
                self.names[-1] += f"@{local}"
                raise self.error(InvalidValueError, str(exc), line, code=_code(target)) from None

    def end(self, elem: Any) -> Iterator[Transfer]:
        if not isinstance(elem.tag, str):
            return
        line = self.lines[-1]
        mode = self.modes[-1]
        node = self.nodes[-1]
        text = elem.text
        if text is not None and len(text) * 4 > self.limits.max_text_bytes \
                and len(text.encode("utf-8")) > self.limits.max_text_bytes:
            raise self.error(LimitExceededError,
                             f"text longer than {self.limits.max_text_bytes} bytes",
                             line)
        if node is not None and node.target is not None and mode == _FIELD:
            try:
                value = convert(node.kind, text or "")
            except ValueError as exc:
                raise self.error(InvalidValueError, str(exc), line,
                                 code=_code(node.target)) from None
            container = self.containers[-1]
            assert container is not None
            put(container, node.target, value, node.repeat)
        elif mode == _TX:
            yield self._finish_tx(elem)
        elif mode == _GRP:
            self._finish_group(line)
        elif mode == _APPHDR:
            assert self.app_header_type is not None
            try:
                self.app_header = build_app_header(self.app_header_type, self.app_values or {})
            except MissingFieldError as exc:  # pragma: no cover - AppHeader has no required
                raise self.missing(exc, _app_header_trie(), line) from None
        self.modes.pop()
        self.nodes.pop()
        self.containers.pop()
        self.names.pop()
        self.lines.pop()

    def _finish_group(self, line: int) -> None:
        group = self.group_values or {}
        try:
            self.message = build_message(str(self.spec.message_id), group, self.app_header)
        except MissingFieldError as exc:
            raise self.missing(exc, self.group_trie, line) from None
        self.group_defaults = transfer_defaults(group)
        if self.spec.payment_scope is None:
            self.defaults = self.group_defaults

    def _finish_tx(self, elem: Any) -> Transfer:
        assert self.message is not None
        source = Source(file=self.file, index=self.tx_index, line=self.tx_line)
        try:
            transfer = build_transfer(self.message, self.payment, self.defaults,
                                      self.tx_values, source)
        except MissingFieldError as exc:
            raise self.missing(exc, self.tx_trie, self.tx_line) from None
        self.tx_index += 1
        return transfer

    def replay(self, events: Any, line: int | None) -> None:
        """Follow the events parsed before a syntax error.

        An error the walk raises here (a bad value, a limit) comes earlier in the
        document than the syntax error, so it propagates and wins; otherwise the
        walk only brings the element path up to the syntax error.
        """
        for event, elem in events:
            if event == "start":
                self.start(elem, line or elem.sourceline)
            else:
                for _ in self.end(elem):
                    pass

    def finish(self) -> None:
        if self.message is None:
            raise ParseError(f"no GrpHdr in the {self.spec.message_id} Document",
                             file=self.file, path=f"/Document/{self.spec.root}")


def _code(target: str) -> str:
    leaf = target.rsplit(".", 1)[-1]
    if leaf in ("amount", "currency", "control_sum"):
        return "AM12" if leaf != "control_sum" else "AM10"
    if leaf in ("number_of_transactions",):
        return "AM18"
    if "date" in leaf:
        return "DT01"
    return "FF01"


def _events_before_error(parser: etree.XMLPullParser, closing: bool) -> list[tuple[str, Any]]:
    """The events a syntax error left unread, those ``_Walker.replay`` must follow.

    When ``close()`` finds the document cut short, libxml2 (2.14 on) hands out an
    ``end`` event for every element still open, as if it had been closed: the
    input never closed them (their text may be cut, their required children
    missing), so only what was really parsed counts, and ``feed()`` has already
    parsed every complete tag before the end of the input.
    """
    events: list[tuple[str, Any]] = list(parser.read_events())
    return [pair for pair in events if pair[0] != "end"] if closing else events


_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")


def _root_cause(exc: etree.XMLSyntaxError) -> tuple[str, int | None, int | None]:
    """libxml2's message and position, without lxml's repeated ``, line N, column M``."""
    line, column = exc.position if exc.position else (0, 0)
    message = _POSITION_SUFFIX.sub("", exc.msg or "")
    entries: list[Any] = list(cast(Iterable[Any], exc.error_log))
    if not line and entries:
        # lxml's feed-parser log is shared; its newest entry is this error.
        entry = entries[-1]
        message, line, column = entry.message, entry.line, entry.column
    return message, line or None, column or None


def scan(stream: Input | Spent, head: bytes, spec: MessageSpec,
         limits: Limits) -> Iterator[Transfer]:
    """Yield the transfers of the document whose first bytes ``head`` were sniffed."""
    walker = _Walker(spec, stream.name, limits)
    parser = _new_parser()
    lines_fed = 0  # newlines fed to the parser so far
    closing = False  # the input has ended: close() raises for a document cut short
    line: int | None = None  # the line being fed, once sourceline is no longer exact

    def walk() -> Iterator[Transfer]:
        events: Iterator[tuple[str, Any]] = parser.read_events()
        for event, elem in events:
            if event == "start":
                walker.start(elem, line or elem.sourceline)
            else:
                yield from walker.end(elem)
                # Constant memory: nothing of a closed element is needed any more.  It
                # stays in the tree (emptied) until its next sibling closes, so the
                # whitespace after it becomes its tail and leaves with it: removed at
                # once, that whitespace would pile up in the parent's text (past the
                # text limit on a big enough file).
                elem.clear()
                parent = elem.getparent()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]

    data = head
    try:
        while data:
            newlines = data.count(b"\n")
            if lines_fed + newlines < _EXACT_LINES:
                parser.feed(data)
                lines_fed += newlines
                yield from walk()
            else:
                start = 0
                while start < len(data):
                    stop = data.find(b"\n", start)
                    stop = len(data) if stop < 0 else stop + 1
                    line = lines_fed + 1
                    parser.feed(data[start:stop])
                    yield from walk()
                    lines_fed += data.count(b"\n", start, stop)
                    start = stop
            data = stream.read()
        line = lines_fed + 1 if line is not None else None
        closing = True
        parser.close()
        yield from walk()
    except etree.XMLSyntaxError as exc:
        # feed() raises before the events of its chunk were read: replay them so
        # the error names the element path where it happened.
        walker.replay(_events_before_error(parser, closing), line)
        message, err_line, column = _root_cause(exc)
        raise ParseError(f"not well-formed: {message}", file=stream.name, line=err_line,
                         column=column, path=walker.path() if walker.names else None) from None
    walker.finish()


def scan_statements(stream: Input, head: bytes, spec: CamtSpec,
                    limits: Limits) -> Iterator[StatementEntry | Statement]:
    """Yield the entries and statements of a camt.053 / camt.054 (see ``camt.scan_statements``)."""
    from .camt import scan_statements as walk  # camt imports this module: not at the top

    return walk(stream, head, spec, limits)
