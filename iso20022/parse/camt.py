"""Statement parser: camt.053 / camt.054 bytes -> :mod:`iso20022.statements` records.

Pure Python on lxml, streaming, built like the credit-transfer reference parser
(:mod:`iso20022.parse._scan_py`): the same field-table machinery
(:func:`~iso20022.parse.tables.compile_table`), the same record builder
(:mod:`iso20022.parse._build`), the same safe pull parser (no DTD, no network,
DOCTYPE refused by the sniffer before a byte reaches lxml) and the same typed
errors.

Two implementations, one surface: this module's walk on lxml
(:func:`scan_statements`) is the reference; the compiled byte scanner of the
credit-transfer parser (``ext/scan.pyx``, ``iso20022._speedups.scan``) walks
the same tries with a statement walker (``ext/_statements.pxi``) and builds the
records with this module's builders (:func:`build_header`,
:func:`build_statement`, :func:`build_entry`).  :func:`parse_entries` and
:func:`parse_statements` run the compiled one unless ``ISO20022_NO_EXTENSIONS=1``
(``iso20022.IMPLEMENTATION`` says which runs); both give equal records, or the
same error class and element path.

Contract: given a camt.053 (``BkToCstmrStmt/Stmt``) or camt.054
(``BkToCstmrDbtCdtNtfctn/Ntfctn``) document of a supported version,
:func:`parse_entries` yields one :class:`~iso20022.statements.StatementEntry` per
``Ntry`` as each one closes, in document order, in constant memory (every
element is dropped from the tree once read); :func:`parse_statements` yields one
:class:`~iso20022.statements.Statement` per ``Stmt`` / ``Ntfctn`` as each one
closes (also those with no entry, for balance checks).  The ``Statement`` an
entry carries is the very object ``parse_statements`` would yield: it is built
when the first ``Ntry`` opens, the schema placing account, balances and
transaction summary before the entries.

Errors: ``ParseError`` (not well-formed, missing required element),
``InvalidValueError`` (amount, date, number, indicator of the wrong form),
``LimitExceededError`` (depth, text length, size), ``UnsupportedMessageError``
(not a supported camt.053 / camt.054 version), each with the file, the line and
the element path such as ``/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt``.

Example:
    >>> for entry in parse_entries("statement.xml"):  # doctest: +SKIP
    ...     print(entry.signed_amount, [d.end_to_end_id for d in entry.details])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final, cast

from lxml import etree

from .. import _impl
from .._source import Input, Source, open_input, read_head
from ..catalog import message_id_of
from ..errors import InvalidValueError, LimitExceededError, ParseError, UnsupportedMessageError
from ..limits import DEFAULT_LIMITS, Limits
from ..msgid import ISO_NAMESPACE_PREFIX, MessageId
from ..records import AppHeader
from ..records import Source as RecordSource
from ..statements import Statement, StatementEntry, StatementHeader
from ._build import MissingFieldError, build, build_app_header, convert, put, start_group
from ._scan_py import (
    _EXACT_LINES,
    _app_header_trie,
    _code,
    _events_before_error,
    _new_parser,
    _root_cause,
)
from .tables import Entry, Gen, Group, Node, Sub, Table, compile_table
from .tables import _account as account_table
from .tables import _agent as agent_table

__all__ = ["CAMT_SPECS", "CamtSpec", "parse_entries", "parse_statements"]

_HEAD_PREFIX = ISO_NAMESPACE_PREFIX + "head.001."


# -- field tables -------------------------------------------------------------------------


@dataclass(frozen=True)
class CamtGen:
    """Schema generation facts of camt.053 / camt.054 that decide element names."""

    agent: Gen  # BIC / BICFI, LEI, address generation of agents and accounts
    tx_amount: bool  # TxDtls/Amt and TxDtls/CdtDbtInd (2013+)
    status_choice: bool  # Sts/Cd or Sts/Prtry (2019+) instead of plain Sts
    party_choice: bool  # RltdPties/Dbtr/Pty (2019+) instead of RltdPties/Dbtr
    uetr: bool  # Refs/UETR


def _money(target: str) -> Sub:
    return Sub(target, {"": "amount", "@Ccy": "currency"})


def _group_table() -> Table:
    return {"MsgId": "message_id", "CreDtTm": "creation_date_time"}


def _statement_table(gen: CamtGen) -> Table:
    balance: dict[str, Entry] = {
        "Tp/CdOrPrtry/Cd": "type_code",
        "Tp/CdOrPrtry/Prtry": "type_proprietary",
        "Amt": _money("amount"),
        "CdtDbtInd": "credit_debit",
        "Dt/Dt": "date",
        "Dt/DtTm": "date_time",
    }
    return {
        "Id": "statement_id",
        "ElctrncSeqNb": "electronic_sequence_number",
        "LglSeqNb": "legal_sequence_number",
        "CreDtTm": "creation_date_time",
        "FrToDt/FrDtTm": "from_date_time",
        "FrToDt/ToDtTm": "to_date_time",
        "Acct": Sub("account", account_table(gen.agent)),
        "Acct/Ownr/Nm": "account_owner_name",
        "Acct/Svcr": Sub("account_servicer", agent_table(gen.agent)),
        "Bal": Group("balances", balance),
        "TxsSummry/TtlNtries/NbOfNtries": "number_of_entries",
    }


def _charge_table(gen: CamtGen) -> Table:
    """One charge: ``Chrgs`` (2009, repeated; its TtlChrgsAndTaxAmt goes to the entry's
    ``charges_total``, see :func:`_charges_of`) or ``Chrgs/Rcrd`` (2019+)."""
    table: dict[str, Entry] = {"Amt": _money("amount"), "CdtDbtInd": "credit_debit",
                               "Tp/Cd": "type_code"}
    if not gen.tx_amount:
        table["TtlChrgsAndTaxAmt"] = _money("total")
    return table


def _charges_entries(gen: CamtGen) -> dict[str, Entry]:
    if gen.tx_amount:  # 2019+: Chrgs (once) holds the total and the records
        return {"Chrgs/TtlChrgsAndTaxAmt": _money("charges_total"),
                "Chrgs/Rcrd": Group("charges", _charge_table(gen))}
    return {"Chrgs": Group("charges", _charge_table(gen))}


def _details_table(gen: CamtGen) -> Table:
    party = "/Pty" if gen.party_choice else ""
    table: dict[str, Entry] = {
        "Refs/MsgId": "message_id",
        "Refs/AcctSvcrRef": "account_servicer_reference",
        "Refs/PmtInfId": "payment_information_id",
        "Refs/InstrId": "instruction_id",
        "Refs/EndToEndId": "end_to_end_id",
        "Refs/TxId": "transaction_id",
        "AmtDtls/InstdAmt/Amt": _money("instructed_amount"),
        "RtrInf/Rsn/Cd": "return_reason",
        f"RltdPties/Dbtr{party}/Nm": "debtor_name",
        "RltdPties/DbtrAcct/Id/IBAN": "debtor_iban",
        f"RltdPties/Cdtr{party}/Nm": "creditor_name",
        "RltdPties/CdtrAcct/Id/IBAN": "creditor_iban",
        "RmtInf/Ustrd": "remittance_unstructured[]",
    }
    if gen.tx_amount:  # (a transaction's charge records would be a group in a group)
        table |= {
            "Amt": _money("amount"),
            "CdtDbtInd": "credit_debit",
            "Chrgs/TtlChrgsAndTaxAmt": _money("charges_total"),
        }
    else:
        table["AmtDtls/TxAmt/Amt"] = _money("amount")
    if gen.uetr:
        table["Refs/UETR"] = "uetr"
    return table


def _entry_table(gen: CamtGen) -> Table:
    table: dict[str, Entry] = {
        "NtryRef": "entry_reference",
        "Amt": _money("amount"),
        "CdtDbtInd": "credit_debit",
        "RvslInd": "reversal",
        "BookgDt/Dt": "booking_date",
        "BookgDt/DtTm": "booking_date_time",
        "ValDt/Dt": "value_date",
        "ValDt/DtTm": "value_date_time",
        "AcctSvcrRef": "account_servicer_reference",
        "BkTxCd/Domn/Cd": "bank_transaction_domain",
        "BkTxCd/Domn/Fmly/Cd": "bank_transaction_family",
        "BkTxCd/Domn/Fmly/SubFmlyCd": "bank_transaction_sub_family",
        "BkTxCd/Prtry/Cd": "bank_transaction_proprietary",
        **_charges_entries(gen),
        "NtryDtls/Btch/MsgId": "batch_message_id",
        "NtryDtls/Btch/PmtInfId": "batch_payment_information_id",
        "NtryDtls/Btch/NbOfTxs": "batch_number_of_transactions",
        "NtryDtls/Btch/TtlAmt": _money("batch_total_amount"),
        "NtryDtls/TxDtls": Group("details", _details_table(gen)),
        "AddtlNtryInf": "additional_info",
    }
    if gen.status_choice:
        table["Sts/Cd"] = "status"
        table["Sts/Prtry"] = "status"
    else:
        table["Sts"] = "status"
    return table


# Target leaf -> kind: the camt vocabulary (tables._KINDS is the pain / pacs one).
_KINDS: Final = {
    "amount": "decimal",
    "electronic_sequence_number": "number",
    "legal_sequence_number": "number",
    "number_of_entries": "int",
    "batch_number_of_transactions": "int",
    "reversal": "bool",
    "date": "date",
    "booking_date": "date",
    "value_date": "date",
    "creation_date_time": "datetime",
    "from_date_time": "datetime",
    "to_date_time": "datetime",
    "date_time": "datetime",
    "booking_date_time": "datetime",
    "value_date_time": "datetime",
}


def _number(text: str) -> int:
    """ISO ``Number`` (xs:decimal, no fraction digits): ``1000`` and ``1000.00`` alike."""
    value = convert("decimal", text)
    if value != value.to_integral_value():
        raise ValueError(f"not a whole number: {text!r}")
    return int(value)


def _convert(kind: str, text: str) -> Any:
    return _number(text) if kind == "number" else convert(kind, text)


def _kind(target: str) -> str:
    return _KINDS.get(target.rsplit(".", 1)[-1], "text")


def _compile(table: Table) -> Node:
    """compile_table, with the kinds of the camt vocabulary."""
    root = compile_table(table)
    stack = [root]
    while stack:
        node = stack.pop()
        if node.target is not None:
            node.kind = _kind(node.target)
        node.attrs = {name: (target, _kind(target)) for name, (target, _) in node.attrs.items()}
        stack.extend(node.children.values())
    return root


@dataclass(frozen=True)
class CamtSpec:
    """How to read one camt.053 / camt.054 version: its scopes and their tries."""

    message_id: MessageId
    root: str  # BkToCstmrStmt or BkToCstmrDbtCdtNtfctn
    scope: str  # Stmt or Ntfctn
    kind: str  # Statement.kind: "statement" or "notification"
    group_trie: Node = field(repr=False)
    statement_trie: Node = field(repr=False)
    entry_trie: Node = field(repr=False)


_G2009: Final = CamtGen(
    Gen("BIC", "BICOrBEI", lei=False, address24=False, proxy=False, uetr=False,
        date_choice=False, charges_agent="Pty"),
    tx_amount=False, status_choice=False, party_choice=False, uetr=False,
)
_G2019: Final = CamtGen(
    Gen("BICFI", "AnyBIC", lei=True, address24=True, proxy=True, uetr=True,
        date_choice=True, charges_agent="Agt"),
    tx_amount=True, status_choice=True, party_choice=True, uetr=True,
)

_ROOTS: Final = {
    53: ("BkToCstmrStmt", "Stmt", "statement"),
    54: ("BkToCstmrDbtCdtNtfctn", "Ntfctn", "notification"),
}


def _spec(functionality: int, version: int, gen: CamtGen) -> CamtSpec:
    root, scope, kind = _ROOTS[functionality]
    return CamtSpec(
        MessageId("camt", functionality, 1, version), root, scope, kind,
        _compile(_group_table()), _compile(_statement_table(gen)), _compile(_entry_table(gen)),
    )


CAMT_SPECS: Final[dict[MessageId, CamtSpec]] = {
    spec.message_id: spec
    for spec in (
        _spec(53, 2, _G2009),
        _spec(53, 8, _G2019),
        _spec(54, 2, _G2009),
        _spec(54, 8, _G2019),
    )
}
"""Every camt.053 / camt.054 version the statement parser reads."""


# -- public API ---------------------------------------------------------------------------


def parse_entries(
    source: Source,
    /,
    *,
    message: MessageId | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[StatementEntry]:
    """Stream the entries (``Ntry``) of one camt.053 / camt.054 message.

    Takes bytes (the document), a path or a binary file object; ``message``
    (``"camt.053.001.08"``) requires that message; ``limits`` bounds size, depth
    and text length.  Returns an iterator of
    :class:`~iso20022.statements.StatementEntry` in document order, each carrying
    its statement and message header.

    Raises (while iterating) ``ParseError`` and its subclasses
    ``UnsupportedMessageError``, ``UnsafeXMLError``, ``LimitExceededError``,
    ``InvalidValueError``; each names the file, line and element path.

    Example: ``sum(e.signed_amount for e in parse_entries("camt053.xml"))``
    """
    expected = MessageId.parse(message) if isinstance(message, str) else message
    for record in _parse(source, expected, limits):
        if isinstance(record, StatementEntry):
            yield record


def parse_statements(
    source: Source,
    /,
    *,
    message: MessageId | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Statement]:
    """Stream the statements (``Stmt``) or notifications (``Ntfctn``) of one message.

    Same arguments and errors as :func:`parse_entries`; yields one
    :class:`~iso20022.statements.Statement` (account, balances, summary) as each
    closes, also for those with no entry.

    Example: ``[s.balance("CLBD") for s in parse_statements("camt053.xml")]``
    """
    expected = MessageId.parse(message) if isinstance(message, str) else message
    for record in _parse(source, expected, limits):
        if isinstance(record, Statement):
            yield record


def _supported_summary() -> str:
    return ", ".join(str(mid) for mid in sorted(CAMT_SPECS))


def _parse(source: Source, expected: MessageId | None,
           limits: Limits) -> Iterator[StatementEntry | Statement]:
    with open_input(source, limits) as stream:
        head, sniffed = read_head(stream, limits)
        message_id = message_id_of(sniffed, stream.name)
        if expected is not None and message_id != expected:
            raise UnsupportedMessageError(
                f"expected {expected}, found {message_id}", file=stream.name,
                line=sniffed.line, path="/Document",
            )
        spec = CAMT_SPECS.get(message_id)
        if spec is None:
            raise UnsupportedMessageError(
                f"{message_id} is not a supported statement (supported: "
                f"{_supported_summary()})", file=stream.name, line=sniffed.line,
                path="/Document",
            )
        try:
            # The compiled scanner's scan_statements, or (its twin) this module's.
            yield from _impl.scan.scan_statements(stream, head, spec, limits)
        except ParseError as exc:
            raise exc.with_file(stream.name) from None


# -- records: the builders both implementations call --------------------------------------


def build_header(spec: CamtSpec, group: dict[str, Any],
                 app_header: AppHeader | None) -> StatementHeader:
    """The message header from the values collected under ``GrpHdr``.

    Raises ``MissingFieldError`` (see :func:`missing_text`).
    """
    data = dict(group)
    data["message_type"] = str(spec.message_id)
    if app_header is not None:
        data["app_header"] = app_header
    return cast(StatementHeader, build(StatementHeader, data))


def build_statement(spec: CamtSpec, values: dict[str, Any], index: int) -> Statement:
    """Statement ``index`` (1-based) from the values collected under ``Stmt`` / ``Ntfctn``."""
    data = dict(values)
    for balance in data.get("balances", ()):
        balance.setdefault("type_code", None)
        balance.setdefault("date", None)
    data["kind"] = spec.kind
    data["index"] = index
    return cast(Statement, build(Statement, data))


def build_entry(message: StatementHeader, statement: Statement, values: dict[str, Any],
                file: str | None, index: int, line: int | None) -> StatementEntry:
    """Entry ``index`` (0-based, across the message) from the values collected under ``Ntry``."""
    data = _charges_of(dict(values))
    data["message"] = message
    data["statement"] = statement
    data["source"] = RecordSource(file=file, index=index, line=line)
    return cast(StatementEntry, build(StatementEntry, data))


def _charges_of(data: dict[str, Any]) -> dict[str, Any]:
    """2009 repeats ``Chrgs``, each with an optional total: the first total given is the
    entry's ``charges_total``, as the 2019+ single ``Chrgs`` gives it."""
    charges = data.get("charges")
    if charges:
        items = [dict(c) for c in charges]
        totals = [c.pop("total") for c in items if "total" in c]
        data["charges"] = items
        if totals and "charges_total" not in data:
            data["charges_total"] = totals[0]
    return data


def missing_text(exc: MissingFieldError, trie: Node) -> str:
    """The message of the ``ParseError`` for a required field the scope ``trie`` lacks."""
    where = _paths_of(trie, exc.field)
    what = f"element {where}" if where else f"{exc.record}.{exc.field}"
    return f"missing required {what}"


def _paths_of(trie: Node, target: str) -> str:
    """Every ISO path (relative to the scope) filling ``target``: ``Sts/Cd or Sts/Prtry``."""
    paths: list[str] = []
    stack = [trie]
    while stack:
        node = stack.pop()
        if node.target == target:
            paths.append(node.path)
        elif node.target is not None and node.target.startswith(f"{target}."):
            paths.append(node.path.split("/", 1)[0])  # a record: the element holding it
        stack.extend(node.children.values())
    return " or ".join(sorted(set(paths)))


# -- the walk -----------------------------------------------------------------------------

# Frame modes.
_OUT, _DOC, _ROOT, _APPHDR, _GRP, _STMT, _NTRY, _FIELD, _SKIP = range(9)
_TRIE_MODES = frozenset((_APPHDR, _GRP, _STMT, _NTRY, _FIELD))


class _Walker:
    """Turns start/end events into entries and statements; one per document."""

    def __init__(self, spec: CamtSpec, file: str | None, limits: Limits) -> None:
        self.spec = spec
        self.file = file
        self.limits = limits
        # Parallel stacks, one entry per open element.
        self.modes: list[int] = []
        self.nodes: list[Node | None] = []
        self.containers: list[dict[str, Any] | None] = []
        self.names: list[str] = []
        self.lines: list[int] = []
        self.app_values: dict[str, Any] = {}
        self.app_header_type: str | None = None
        self.app_header: AppHeader | None = None
        self.group_values: dict[str, Any] = {}
        self.message: StatementHeader | None = None
        self.statement_values: dict[str, Any] = {}
        self.statement: Statement | None = None
        self.statement_count = 0
        self.statement_line = 0
        self.entry_values: dict[str, Any] = {}
        self.entry_in_statement = 0
        self.entry_index = 0
        self.entry_line = 0
        self.seen_document = False

    # -- errors -------------------------------------------------------------------------

    def path(self) -> str:
        return "/" + "/".join(self.names)

    def error(self, cls: type[ParseError], message: str, line: int | None,
              code: str | None = None) -> ParseError:
        return cls(message, file=self.file, line=line, path=self.path(), code=code)

    def missing(self, exc: MissingFieldError, trie: Node, line: int | None) -> ParseError:
        return self.error(ParseError, missing_text(exc, trie), line)

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
            if ":" in tag:
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
            if parent == _STMT and local == "Ntry":
                mode, node, name = self._start_entry(line)
                container = self.entry_values
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
                mode, node = _GRP, self.spec.group_trie
                container = self.group_values = {}
            elif local == self.spec.scope:
                if self.message is None:
                    self.names.append(local)
                    raise self.error(ParseError, f"{local} before a complete GrpHdr", line)
                self.statement_count += 1
                self.entry_in_statement = 0
                self.statement = None
                self.statement_line = line
                mode, node = _STMT, self.spec.statement_trie
                name = f"{local}[{self.statement_count}]"
                container = self.statement_values = {}
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

    def _start_entry(self, line: int) -> tuple[int, Node, str]:
        if self.statement is None:
            self.statement = self._build_statement()
        self.entry_in_statement += 1
        self.entry_values = {}
        self.entry_line = line
        return _NTRY, self.spec.entry_trie, f"Ntry[{self.entry_in_statement}]"

    def _attributes(self, node: Node, elem: Any, container: dict[str, Any],
                    line: int) -> None:
        for key, value in elem.attrib.items():
            local = key.rpartition("}")[2]
            spec = node.attrs.get(local)
            if spec is None:
                continue
            target, kind = spec
            try:
                put(container, target, _convert(kind, value), False)
            except ValueError as exc:
                self.names[-1] += f"@{local}"
                raise self.error(InvalidValueError, str(exc), line, code=_code(target)) from None

    def end(self, elem: Any) -> Iterator[StatementEntry | Statement]:
        if not isinstance(elem.tag, str):
            return
        line = self.lines[-1]
        mode = self.modes[-1]
        node = self.nodes[-1]
        text = elem.text
        if text is not None and len(text) * 4 > self.limits.max_text_bytes \
                and len(text.encode("utf-8")) > self.limits.max_text_bytes:
            raise self.error(LimitExceededError,
                             f"text longer than {self.limits.max_text_bytes} bytes", line)
        if mode == _FIELD and node is not None and node.target is not None:
            try:
                value = _convert(node.kind, text or "")
            except ValueError as exc:
                raise self.error(InvalidValueError, str(exc), line,
                                 code=_code(node.target)) from None
            container = self.containers[-1]
            assert container is not None
            put(container, node.target, value, node.repeat)
        elif mode == _NTRY:
            yield self._finish_entry()
        elif mode == _STMT:
            if self.statement is None:
                self.statement = self._build_statement()
            yield self.statement
        elif mode == _GRP:
            self._finish_group(line)
        elif mode == _APPHDR:
            assert self.app_header_type is not None
            self.app_header = build_app_header(self.app_header_type, self.app_values)
        self.modes.pop()
        self.nodes.pop()
        self.containers.pop()
        self.names.pop()
        self.lines.pop()

    def _finish_group(self, line: int) -> None:
        try:
            self.message = build_header(self.spec, self.group_values, self.app_header)
        except MissingFieldError as exc:
            raise self.missing(exc, self.spec.group_trie, line) from None

    def _build_statement(self) -> Statement:
        try:
            return build_statement(self.spec, self.statement_values, self.statement_count)
        except MissingFieldError as exc:
            raise self.missing(exc, self.spec.statement_trie, self.statement_line) from None

    def _finish_entry(self) -> StatementEntry:
        assert self.message is not None and self.statement is not None
        try:
            entry = build_entry(self.message, self.statement, self.entry_values, self.file,
                                self.entry_index, self.entry_line)
        except MissingFieldError as exc:
            raise self.missing(exc, self.spec.entry_trie, self.entry_line) from None
        self.entry_index += 1
        return entry

    def replay(self, events: Any, line: int | None) -> None:
        """Follow the events parsed before a syntax error (see ``_scan_py``)."""
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


def scan_statements(stream: Input, head: bytes, spec: CamtSpec,
                    limits: Limits) -> Iterator[StatementEntry | Statement]:
    """Yield entries and statements of the document whose first bytes are ``head``.

    The pure-Python twin (``iso20022.parse._scan_py.scan_statements`` is this
    function); ``iso20022._speedups.scan.scan_statements`` is the compiled one.
    Entries and statements come in the order they close.
    """
    walker = _Walker(spec, stream.name, limits)
    parser = _new_parser()
    lines_fed = 0
    closing = False  # the input has ended (see _scan_py._events_before_error)
    line: int | None = None  # the line being fed, once sourceline is no longer exact

    def walk() -> Iterator[StatementEntry | Statement]:
        events: Iterator[tuple[str, Any]] = parser.read_events()
        for event, elem in events:
            if event == "start":
                walker.start(elem, line or elem.sourceline)
            else:
                yield from walker.end(elem)
                # Constant memory: nothing of a closed element is needed any more.  It
                # stays in the tree (emptied) until its next sibling closes, so the
                # whitespace after it becomes its tail and leaves with it: removed at
                # once, that whitespace would pile up in the parent's text (a
                # statement's text growing with every entry).
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
        walker.replay(_events_before_error(parser, closing), line)
        message, err_line, column = _root_cause(exc)
        raise ParseError(f"not well-formed: {message}", file=stream.name, line=err_line,
                         column=column, path=walker.path() if walker.names else None) from None
    walker.finish()
