"""Hypothesis strategy: random schema-valid pacs.008.001.08 / pain.001.001.09 documents.

``documents()`` draws the content of a message (ids, amounts, names with
multi-byte UTF-8 and characters that need escaping, optional elements present
or absent, 1-5 transactions in 1-3 ``PmtInf``) and renders it with random
surface variation that must not change any value: default namespace or
prefixes (switched per subtree), whitespace and line ends (``\\n``, ``\\r\\n``,
``\\r``), entity and character references, CDATA sections, comments and
processing instructions between elements and inside text, attribute quoting
and order, unused namespace declarations, an optional XML declaration, BOM
and head.001 AppHdr envelope.  It returns the bytes with the values a parser
must read from them (:class:`Expected`); :func:`observe` gives the same view
of parsed records, so a test asserts ``observe(records) == doc.expected``.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from iso20022.records import Transfer

__all__ = ["Doc", "Expected", "ExpectedTx", "documents", "observe"]

ISO = "urn:iso:std:iso:20022:tech:xsd:"
ENVELOPE_NS = "urn:swift:xsd:envelope"
HEAD = "head.001.001.02"
MESSAGES = ("pacs.008.001.08", "pain.001.001.09")

# Minor units per currency: amounts carry exactly this many decimals.
CURRENCIES = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "JPY": 0, "KWD": 3, "BHD": 3, "CLF": 4}


# -- the view compared ----------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedTx:
    """What one transaction must decode to."""

    end_to_end_id: str
    instruction_id: str | None
    transaction_id: str | None
    uetr: str | None
    amount: Decimal
    amount_text: str  # str(Decimal): the scale is kept
    currency: str
    charge_bearer: str | None
    debtor_name: str | None
    debtor_address: tuple[object, ...] | None  # (street, town, country, lines)
    debtor_iban: str | None
    debtor_agent_bic: str | None
    creditor_agent_bic: str | None
    creditor_name: str | None
    creditor_iban: str | None
    remittance: tuple[str, ...]
    payment_id: str | None  # PmtInfId (pain)
    payment_index: int | None
    requested_execution_date: date | None
    batch_booking: bool | None
    index: int


@dataclass(frozen=True)
class Expected:
    """What the whole document must decode to."""

    message_type: str
    message_id: str
    creation_date_time: datetime
    number_of_transactions: int
    control_sum: Decimal | None
    settlement_method: str | None
    clearing_system_code: str | None
    initiating_party_name: str | None
    app_header: tuple[object, ...] | None  # (type, from, to, biz id, msg def, svc, created)
    transactions: tuple[ExpectedTx, ...]


def _address_view(address: object) -> tuple[object, ...] | None:
    if address is None:
        return None
    return (address.street_name, address.town_name, address.country,  # type: ignore[attr-defined]
            address.address_lines)  # type: ignore[attr-defined]


def observe(records: list[Transfer]) -> Expected:
    """The :class:`Expected` view of parsed transfers (all of one message)."""
    assert records, "no transfers"
    m = records[0].message
    hdr = m.app_header
    app = None if hdr is None else (
        hdr.header_type, hdr.from_bic, hdr.to_bic, hdr.business_message_id,
        hdr.message_definition_id, hdr.business_service, hdr.creation_date)
    txs = []
    for t in records:
        assert t.message == m
        d, c = t.debtor, t.creditor
        txs.append(ExpectedTx(
            end_to_end_id=t.end_to_end_id,
            instruction_id=t.instruction_id,
            transaction_id=t.transaction_id,
            uetr=t.uetr,
            amount=t.amount.amount,
            amount_text=str(t.amount.amount),
            currency=t.amount.currency,
            charge_bearer=t.charge_bearer,
            debtor_name=d.name if d else None,
            debtor_address=_address_view(d.postal_address) if d else None,
            debtor_iban=t.debtor_account.iban if t.debtor_account else None,
            debtor_agent_bic=t.debtor_agent.bic if t.debtor_agent else None,
            creditor_agent_bic=t.creditor_agent.bic if t.creditor_agent else None,
            creditor_name=c.name if c else None,
            creditor_iban=t.creditor_account.iban if t.creditor_account else None,
            remittance=t.remittance_unstructured,
            payment_id=t.payment.payment_information_id if t.payment else None,
            payment_index=t.payment.index if t.payment else None,
            requested_execution_date=t.payment.requested_execution_date if t.payment else None,
            batch_booking=t.payment.batch_booking if t.payment else None,
            index=t.source.index,
        ))
    return Expected(
        message_type=m.message_type,
        message_id=m.message_id,
        creation_date_time=m.creation_date_time,
        number_of_transactions=m.number_of_transactions,
        control_sum=m.control_sum,
        settlement_method=m.settlement_method,
        clearing_system_code=m.clearing_system_code,
        initiating_party_name=m.initiating_party.name if m.initiating_party else None,
        app_header=app,
        transactions=tuple(txs),
    )


@dataclass(frozen=True)
class Doc:
    """A generated document and what it must decode to."""

    data: bytes
    expected: Expected
    message: str
    notes: tuple[str, ...] = field(default=())  # surface choices, for failure reports


# -- logical tree ---------------------------------------------------------------------------


@dataclass
class El:
    """An element: children, or text (the logical value); ``collapse``: xs whitespace collapse."""

    name: str
    content: list[El] | str
    attrs: list[tuple[str, str]] = field(default_factory=list)
    collapse: bool = False


def _opt(el: El | None) -> list[El]:
    return [] if el is None else [el]


# -- value strategies -----------------------------------------------------------------------

_MULTI = "éüßøłŻçñΩжЖ€£¥日本語한국어😀🏦\u00a0\u2028ﬁ"
_CHARS = st.one_of(
    st.sampled_from(string.ascii_letters + string.digits),
    st.sampled_from(string.ascii_letters + string.digits + " -/.,"),
    st.sampled_from("&<>\"']]"),
    st.sampled_from(_MULTI),
    st.sampled_from("\t\n\r"),
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")),
)


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_CHARS, min_size=1, max_size=max_size)


_UPPER_ALNUM = string.ascii_uppercase + string.digits
_BIC = st.builds(
    lambda a, b, c, d: a + b + c + d,
    st.text(_UPPER_ALNUM, min_size=4, max_size=4),
    st.text(string.ascii_uppercase, min_size=2, max_size=2),
    st.text(_UPPER_ALNUM, min_size=2, max_size=2),
    st.sampled_from(["", "XXX", "B01"]),
)
_IBAN = st.builds(
    lambda cc, ck, rest: cc + ck + rest,
    st.text(string.ascii_uppercase, min_size=2, max_size=2),
    st.text(string.digits, min_size=2, max_size=2),
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=30),
)
_UETR = st.uuids(version=4).map(str)
_COUNTRY = st.text(string.ascii_uppercase, min_size=2, max_size=2)


@st.composite
def _amount(draw: st.DrawFn) -> tuple[str, Decimal]:
    ccy = draw(st.sampled_from(sorted(CURRENCIES)))
    units = CURRENCIES[ccy]
    whole = draw(st.integers(0, 10**11))
    frac = draw(st.integers(0, 10**units - 1)) if units else 0
    text = f"{whole}.{frac:0{units}d}" if units else str(whole)
    return ccy, Decimal(text)


def _amount_surface(rng: random.Random, value: Decimal) -> str:
    """xs:decimal lexical variants of ``value`` with the same value and scale."""
    text = str(value)
    if rng.random() < 0.2:
        text = "0" * rng.randint(1, 3) + text
    if rng.random() < 0.15:
        text = "+" + text
    return text


_DATETIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))


@st.composite
def _datetime(draw: st.DrawFn) -> datetime:
    dt = draw(_DATETIMES).replace(microsecond=draw(st.sampled_from([0, 0, 123000, 500000])))
    tz = draw(st.sampled_from([None, UTC, timezone(timedelta(hours=1)),
                               timezone(timedelta(hours=-5, minutes=-30))]))
    return dt.replace(tzinfo=tz)


def _datetime_text(rng: random.Random, dt: datetime, zulu: bool = False) -> str:
    text = dt.isoformat(timespec="seconds" if not dt.microsecond else "milliseconds")
    if dt.tzinfo is UTC and (zulu or rng.random() < 0.5):
        text = text[: -len("+00:00")] + "Z"
    return text


# -- content --------------------------------------------------------------------------------


@dataclass
class _Party:
    name: str | None
    street: str | None
    town: str | None
    country: str | None
    lines: tuple[str, ...]
    with_address: bool

    def el(self, tag: str) -> El:
        children: list[El] = []
        if self.name is not None:
            children.append(El("Nm", self.name))
        if self.with_address:
            addr: list[El] = []
            if self.street is not None:
                addr.append(El("StrtNm", self.street))
            if self.town is not None:
                addr.append(El("TwnNm", self.town))
            if self.country is not None:
                addr.append(El("Ctry", self.country))
            addr += [El("AdrLine", line) for line in self.lines]
            children.append(El("PstlAdr", addr))
        return El(tag, children)

    def address_view(self) -> tuple[object, ...] | None:
        if not self.with_address or (
            self.street is None and self.town is None and self.country is None and not self.lines
        ):
            return None
        return (self.street, self.town, self.country, self.lines)

    def has_values(self) -> bool:
        return self.name is not None or self.address_view() is not None


@st.composite
def _party(draw: st.DrawFn, name_required: bool = False) -> _Party:
    opt = st.none() | _text(35)
    return _Party(
        name=draw(_text(140) if name_required else st.none() | _text(140)),
        street=draw(st.none() | _text(70)),
        town=draw(opt),
        country=draw(st.none() | _COUNTRY),
        lines=tuple(draw(st.lists(_text(70), max_size=2))),
        with_address=draw(st.booleans()),
    )


def _agent(tag: str, bic: str) -> El:
    return El(tag, [El("FinInstnId", [El("BICFI", bic)])])


def _account(tag: str, iban: str) -> El:
    return El(tag, [El("Id", [El("IBAN", iban)])])


@dataclass
class _Tx:
    e2e: str
    instr: str | None
    txid: str | None
    uetr: str | None
    ccy: str
    amount: Decimal
    charge_bearer: str | None
    debtor: _Party
    debtor_iban: str | None
    debtor_agent: str
    creditor_agent: str | None
    creditor: _Party | None
    creditor_iban: str | None
    remittance: tuple[str, ...] | None  # None: no RmtInf


@st.composite
def _tx(draw: st.DrawFn, pacs: bool) -> _Tx:
    ccy, amount = draw(_amount())
    return _Tx(
        e2e=draw(_text(35)),
        instr=draw(st.none() | _text(35)),
        txid=draw(st.none() | _text(35)) if pacs else None,
        uetr=draw(st.none() | _UETR),
        ccy=ccy,
        amount=amount,
        charge_bearer=draw(st.sampled_from(["DEBT", "CRED", "SHAR", "SLEV"]) if pacs
                           else st.none() | st.sampled_from(["DEBT", "CRED", "SHAR", "SLEV"])),
        debtor=draw(_party()),
        debtor_iban=draw(st.none() | _IBAN),
        debtor_agent=draw(_BIC),
        creditor_agent=draw(_BIC if pacs else st.none() | _BIC),
        creditor=draw(_party() if pacs else st.none() | _party()),
        creditor_iban=draw(st.none() | _IBAN),
        remittance=draw(st.none() | st.lists(_text(140), max_size=3).map(tuple)),
    )


def _pmt_id(tx: _Tx) -> El:
    ids = [*_opt(tx.instr and El("InstrId", tx.instr)), El("EndToEndId", tx.e2e)]
    ids += _opt(tx.txid and El("TxId", tx.txid))
    ids += _opt(tx.uetr and El("UETR", tx.uetr))
    return El("PmtId", ids)


def _tail(tx: _Tx) -> list[El]:
    """CdtrAgt? Cdtr? CdtrAcct? RmtInf? (the order both schemas share)."""
    out = _opt(tx.creditor_agent and _agent("CdtrAgt", tx.creditor_agent))
    out += _opt(tx.creditor and tx.creditor.el("Cdtr"))
    out += _opt(tx.creditor_iban and _account("CdtrAcct", tx.creditor_iban))
    if tx.remittance is not None:
        out.append(El("RmtInf", [El("Ustrd", line) for line in tx.remittance]))
    return out


def _money(tag: str, ccy: str, text: str) -> El:
    return El(tag, text, attrs=[("Ccy", ccy)], collapse=True)


def _pacs_tx(rng: random.Random, tx: _Tx) -> El:
    children = [_pmt_id(tx), _money("IntrBkSttlmAmt", tx.ccy, _amount_surface(rng, tx.amount)),
                El("ChrgBr", tx.charge_bearer or "SLEV"), tx.debtor.el("Dbtr")]
    children += _opt(tx.debtor_iban and _account("DbtrAcct", tx.debtor_iban))
    children.append(_agent("DbtrAgt", tx.debtor_agent))
    return El("CdtTrfTxInf", children + _tail(tx))


def _pain_tx(rng: random.Random, tx: _Tx) -> El:
    children = [_pmt_id(tx),
                El("Amt", [_money("InstdAmt", tx.ccy, _amount_surface(rng, tx.amount))])]
    children += _opt(tx.charge_bearer and El("ChrgBr", tx.charge_bearer))
    return El("CdtTrfTxInf", children + _tail(tx))


def _expected_tx(tx: _Tx, index: int, *, debtor: _Party, debtor_iban: str | None,
                 debtor_agent: str, charge_bearer: str | None,
                 payment: tuple[str, int, date, bool | None] | None) -> ExpectedTx:
    creditor = tx.creditor if tx.creditor is not None and tx.creditor.has_values() else None
    return ExpectedTx(
        end_to_end_id=tx.e2e,
        instruction_id=tx.instr,
        transaction_id=tx.txid,
        uetr=tx.uetr,
        amount=tx.amount,
        amount_text=str(tx.amount),
        currency=tx.ccy,
        charge_bearer=charge_bearer,
        debtor_name=debtor.name if debtor.has_values() else None,
        debtor_address=debtor.address_view(),
        debtor_iban=debtor_iban,
        debtor_agent_bic=debtor_agent,
        creditor_agent_bic=tx.creditor_agent,
        creditor_name=creditor.name if creditor else None,
        creditor_iban=tx.creditor_iban,
        remittance=tx.remittance or (),
        payment_id=payment[0] if payment else None,
        payment_index=payment[1] if payment else None,
        requested_execution_date=payment[2] if payment else None,
        batch_booking=payment[3] if payment else None,
        index=index,
    )


@st.composite
def _message(draw: st.DrawFn, rng: random.Random,
             message: str) -> tuple[El, list[ExpectedTx], dict[str, object]]:
    """The ``Document`` child element, the expected transactions and header values."""
    pacs = message.startswith("pacs")
    msg_id = draw(_text(35))
    created = draw(_datetime())
    head: dict[str, object] = {"message_id": msg_id, "created": created}
    expected: list[ExpectedTx] = []
    if pacs:
        txs = draw(st.lists(_tx(pacs=True), min_size=1, max_size=5))
        blocks = [txs]
    else:
        n_pmt = draw(st.integers(1, 3))
        sizes = draw(st.lists(st.integers(1, 2), min_size=n_pmt, max_size=n_pmt))
        blocks = [draw(st.lists(_tx(pacs=False), min_size=n, max_size=n)) for n in sizes]
        txs = [tx for block in blocks for tx in block]
    total = sum((tx.amount for tx in txs), Decimal(0))
    ctrl = total if draw(st.booleans()) else None
    head["control_sum"] = ctrl
    head["count"] = len(txs)
    grp = [El("MsgId", msg_id), El("CreDtTm", _datetime_text(rng, created)),
           El("NbOfTxs", str(len(txs)))]
    if ctrl is not None:
        grp.append(El("CtrlSum", _amount_surface(rng, total), collapse=True))
    if pacs:
        method = draw(st.sampled_from(["CLRG", "INDA", "INGA", "COVE"]))
        clr = draw(st.none() | st.sampled_from(["TGT", "EBA", "ABE"]))
        sttlm = [El("SttlmMtd", method), *_opt(clr and El("ClrSys", [El("Cd", clr)]))]
        grp.append(El("SttlmInf", sttlm))
        head |= {"method": method, "clearing": clr, "initiator": None}
        body = [_pacs_tx(rng, tx) for tx in txs]
        for i, tx in enumerate(txs):
            expected.append(_expected_tx(tx, i, debtor=tx.debtor, debtor_iban=tx.debtor_iban,
                                         debtor_agent=tx.debtor_agent,
                                         charge_bearer=tx.charge_bearer, payment=None))
        return El("FIToFICstmrCdtTrf", [El("GrpHdr", grp), *body]), expected, head
    initiator = draw(st.none() | _text(140))
    grp.append(El("InitgPty", _opt(initiator and El("Nm", initiator))))
    head |= {"method": None, "clearing": None, "initiator": initiator}
    pmts: list[El] = []
    index = 0
    for number, block in enumerate(blocks, 1):
        pmt_id = draw(_text(35))
        batch = draw(st.none() | st.booleans())
        day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
        debtor = draw(_party())
        debtor_iban = draw(_IBAN)
        debtor_agent = draw(_BIC)
        bearer = draw(st.none() | st.sampled_from(["DEBT", "CRED", "SHAR", "SLEV"]))
        children = [El("PmtInfId", pmt_id), El("PmtMtd", "TRF")]
        if batch is not None:
            children.append(El("BtchBookg", rng.choice(["true", "1"] if batch else ["false", "0"]),
                               collapse=True))
        if draw(st.booleans()):
            children.append(El("NbOfTxs", str(len(block))))
        children += [El("ReqdExctnDt", [El("Dt", day.isoformat())]),
                     debtor.el("Dbtr"), _account("DbtrAcct", debtor_iban),
                     _agent("DbtrAgt", debtor_agent)]
        children += _opt(bearer and El("ChrgBr", bearer))
        children += [_pain_tx(rng, tx) for tx in block]
        pmts.append(El("PmtInf", children))
        for tx in block:
            expected.append(_expected_tx(
                tx, index, debtor=debtor, debtor_iban=debtor_iban, debtor_agent=debtor_agent,
                charge_bearer=tx.charge_bearer or bearer,
                payment=(pmt_id, number, day, batch)))
            index += 1
    return El("CstmrCdtTrfInitn", [El("GrpHdr", grp), *pmts]), expected, head


# -- surface --------------------------------------------------------------------------------

_PREFIXES = ["p", "ns", "iso", "doc", "a1", "pacs", "ü", "Ω_x", "x-y.z"]
_LINE_ENDS = ["\n", "\r\n", "\r"]
_TRICKY = ["<Document>", "</Nm>", "<EndToEndId>X</EndToEndId>", "&amp;", "&foo;", "]]>",
           "<![CDATA[", "\"'", "é日😀", "Ccy=\"XXX\"", "-", " - ", "?", "> <"]


class _Renderer:
    """Serializes an :class:`El` tree with random surface choices (``rng``)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.out: list[str] = []
        self.line_end = rng.choice(_LINE_ENDS)
        self.indent = rng.choice(["", " ", "  ", "\t", "    "])
        self.p_pretty = rng.choice([0.0, 0.5, 1.0])
        self.p_ref = rng.choice([0.0, 0.1, 0.4])  # a plain character as a char reference
        self.p_cdata = rng.choice([0.0, 0.2, 0.5])
        self.p_misc = rng.choice([0.0, 0.05, 0.2])  # comments and PIs
        self.p_tag_ws = rng.choice([0.0, 0.2])
        self.p_extra_ns = rng.choice([0.0, 0.05])
        self.p_switch = rng.choice([0.0, 0.05])  # a subtree changes its prefix
        self.quote = rng.choice(['"', "'", None])  # None: per attribute

    # small pieces
    def nl(self) -> str:
        return self.line_end if self.rng.random() < 0.8 else self.rng.choice(_LINE_ENDS)

    def ws(self, depth: int) -> str:
        if self.rng.random() < self.p_pretty:
            return self.nl() + self.indent * depth
        return self.rng.choice(["", "", " ", "\t", self.nl()])

    def tag_ws(self) -> str:
        if self.rng.random() < self.p_tag_ws:
            return self.rng.choice([" ", "  ", "\t", self.nl(), " " + self.nl() + "  "])
        return ""

    def free_text(self, forbidden: str) -> str:
        """Comment or PI content: tricky but never containing ``forbidden``."""
        text = ""
        for _ in range(self.rng.randint(0, 3)):
            text += self.rng.choice([" ", " ", self.nl()]) + self.rng.choice(_TRICKY)
        while forbidden in text:
            text = text.replace(forbidden, forbidden[0] + " " + forbidden[1:])
        return text

    def comment(self) -> str:
        text = self.free_text("--")
        if text.endswith("-"):
            text += " "
        return f"<!--{text}-->"

    def pi(self) -> str:
        target = self.rng.choice(["pi", "foo", "x-y", "app.v2", "é", "xsl-stylesheet2"])
        data = self.free_text("?>")
        return f"<?{target}{' ' + data if data or self.rng.random() < 0.3 else ''}?>"

    def misc(self) -> str:
        return self.comment() if self.rng.random() < 0.6 else self.pi()

    def between(self, depth: int) -> str:
        out = self.ws(depth)
        while self.rng.random() < self.p_misc:
            out += self.misc() + self.ws(depth)
        return out

    def char_ref(self, c: str) -> str:
        n = ord(c)
        return self.rng.choice([f"&#{n};", f"&#x{n:X};", f"&#x{n:x};", f"&#0{n};",
                                f"&#x00{n:x};"])

    def attr_value(self, value: str, quote: str) -> str:
        out = []
        for c in value:
            if c in "&<" or c == quote:
                out.append(self.char_ref(c) if self.rng.random() < 0.5 else
                           {"&": "&amp;", "<": "&lt;", '"': "&quot;", "'": "&apos;"}[c])
            elif self.rng.random() < self.p_ref:
                out.append(self.char_ref(c))
            else:
                out.append(c)
        return "".join(out)

    def text(self, value: str, collapse: bool) -> str:
        """Element content that a parser must read back as exactly ``value``."""
        out: list[str] = []
        if collapse and self.rng.random() < 0.3:
            out.append(self.rng.choice([" ", "\t", self.nl(), "  " + self.nl()]))
        if self.rng.random() < self.p_misc:
            out.append(self.misc())
        i = 0
        while i < len(value):
            j = self.rng.randint(i + 1, len(value))
            segment = value[i:j]
            if self.rng.random() < self.p_cdata and "\r" not in segment and "]]>" not in segment:
                cdata = "".join(
                    self.line(no_cr=segment[k + 1 : k + 2] == "\n") if c == "\n" else c
                    for k, c in enumerate(segment))
                out.append(f"<![CDATA[{cdata}]]>")
            else:
                for k in range(i, j):
                    out.append(self.char(value, k, out))
            if self.rng.random() < self.p_misc:
                out.append(self.misc())
            i = j
        if collapse and self.rng.random() < 0.3:
            out.append(self.rng.choice([" ", self.nl(), self.nl() + "   "]))
        return "".join(out)

    def line(self, no_cr: bool = False) -> str:
        ends = ["\n", "\r\n"] if no_cr else _LINE_ENDS
        return self.line_end if self.line_end in ends and self.rng.random() < 0.7 \
            else self.rng.choice(ends)

    def char(self, value: str, k: int, out: list[str]) -> str:
        c = value[k]
        r = self.rng.random()
        if c == "&":
            return "&amp;" if r < 0.7 else self.char_ref(c)
        if c == "<":
            return "&lt;" if r < 0.7 else self.char_ref(c)
        if c == ">":
            tail = "".join(out[-2:])[-2:]
            if r < 0.4 and tail != "]]":
                return ">"
            return "&gt;" if r < 0.7 else self.char_ref(c)
        if c == '"':
            return '"' if r < 0.5 else "&quot;" if r < 0.8 else self.char_ref(c)
        if c == "'":
            return "'" if r < 0.5 else "&apos;" if r < 0.8 else self.char_ref(c)
        if c == "\r":
            return self.char_ref(c)  # a raw CR would become a line feed
        if c == "\n":
            if r < self.p_ref:
                return self.char_ref(c)
            # A raw CR directly before a raw LF would merge the two into one line feed.
            return self.line(no_cr=k + 1 < len(value) and value[k + 1] == "\n")
        if r < self.p_ref:
            return self.char_ref(c)
        return c

    # elements
    def element(self, el: El, depth: int, prefix: str | None, ns: str,
                extra: list[tuple[str, str]] | None = None) -> None:
        attrs = list(extra or [])
        if self.rng.random() < self.p_switch:
            new = None if prefix is not None and self.rng.random() < 0.5 \
                else self.rng.choice(_PREFIXES)
            key = "xmlns" if new is None else f"xmlns:{new}"
            if all(k != key for k, _ in attrs):
                prefix = new
                attrs.append((key, ns))
        if self.rng.random() < self.p_extra_ns:
            attrs.append((f"xmlns:u{self.rng.randint(0, 9)}", "urn:example:unused"))
        attrs += el.attrs
        self.rng.shuffle(attrs)
        qname = el.name if prefix is None else f"{prefix}:{el.name}"
        parts = [f"<{qname}"]
        for key, value in attrs:
            quote = self.quote or self.rng.choice(['"', "'"])
            escaped = value if key.startswith("xmlns") else self.attr_value(value, quote)
            parts.append(self.rng.choice([" ", " ", "\t", self.nl(), "  "]) + key + self.tag_ws()
                         + "=" + self.tag_ws() + quote + escaped + quote)
        parts.append(self.tag_ws() + ">")
        self.out.append("".join(parts))
        if isinstance(el.content, str):
            self.out.append(self.text(el.content, el.collapse))
        else:
            for child in el.content:
                self.out.append(self.between(depth + 1))
                self.element(child, depth + 1, prefix, ns)
            self.out.append(self.between(depth))
        self.out.append(f"</{qname}{self.tag_ws()}>")


@st.composite
def documents(draw: st.DrawFn, messages: tuple[str, ...] = MESSAGES) -> Doc:
    """A random schema-valid document with random surface, and what it must decode to."""
    message = draw(st.sampled_from(messages))
    rng = random.Random(draw(st.integers(0, 2**64 - 1)))  # the surface: cheap to draw
    root, txs, head = draw(_message(rng, message))
    envelope = draw(st.booleans())
    app = None
    if envelope:
        app_values = (HEAD, draw(_BIC), draw(_BIC), draw(_text(35)), message,
                      draw(st.none() | st.sampled_from(["swift.cbprplus.02", "x&y"])),
                      draw(_DATETIMES).replace(microsecond=0, tzinfo=UTC))
        app = app_values
    expected = Expected(
        message_type=message,
        message_id=str(head["message_id"]),
        creation_date_time=head["created"],  # type: ignore[arg-type]
        number_of_transactions=int(head["count"]),  # type: ignore[call-overload]
        control_sum=head["control_sum"],  # type: ignore[arg-type]
        settlement_method=head["method"],  # type: ignore[arg-type]
        clearing_system_code=head["clearing"],  # type: ignore[arg-type]
        initiating_party_name=head["initiator"],  # type: ignore[arg-type]
        app_header=app,
        transactions=tuple(txs),
    )

    r = _Renderer(rng)
    ns = ISO + message
    prefix = rng.choice([None, None, *_PREFIXES])
    doc_attrs = [("xmlns" if prefix is None else f"xmlns:{prefix}", ns)]
    if rng.random() < 0.3:
        doc_attrs.append(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"))
        doc_attrs.append(("xsi:schemaLocation", f"{ns} {message}.xsd"))
    if prefix is not None and rng.random() < 0.3:
        doc_attrs.append(("xmlns", "urn:example:other-default"))
    document = El("Document", [root])

    bom = rng.random() < 0.2
    decl = rng.choice([None, '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>',
                       "<?xml version='1.0' encoding='utf-8' standalone='yes'?>",
                       '<?xml version="1.0"  encoding="UTF-8" ?>'])
    r.out.append("\ufeff" if bom else "")
    if decl is not None:
        r.out.append(decl + r.nl())
    for _ in range(rng.choice([0, 0, 1, 3])):
        r.out.append(r.misc() + r.ws(0))
    if app is None:
        r.element(document, 0, prefix, ns, doc_attrs)
    else:
        env_attrs = [("xmlns", ENVELOPE_NS)]
        if rng.random() < 0.3:
            env_attrs += [("version", "1.0"), ("xmlns:sw", "urn:swift:other")]
        rng.shuffle(env_attrs)
        r.out.append("<Envelope" + "".join(f' {k}="{v}"' for k, v in env_attrs) + ">")
        _, fr, to, biz, msg_def, svc, cre = app
        hdr_children = [El("Fr", [El("FIId", [El("FinInstnId", [El("BICFI", fr)])])]),
                        El("To", [El("FIId", [El("FinInstnId", [El("BICFI", to)])])]),
                        El("BizMsgIdr", biz), El("MsgDefIdr", msg_def)]
        hdr_children += _opt(svc and El("BizSvc", svc))
        hdr_children.append(El("CreDt", _datetime_text(rng, cre, zulu=True)))
        hdr_prefix = rng.choice([None, None, "h", "head"])
        r.out.append(r.between(1))
        r.element(El("AppHdr", hdr_children), 1, hdr_prefix, ISO + HEAD,
                  [("xmlns" if hdr_prefix is None else f"xmlns:{hdr_prefix}", ISO + HEAD)])
        r.out.append(r.between(1))
        r.element(document, 1, prefix, ns, doc_attrs)
        r.out.append(r.between(0) + "</Envelope>")
    for _ in range(rng.choice([0, 0, 1, 2])):
        r.out.append(r.ws(0) + r.misc())
    r.out.append(rng.choice(["", r.nl(), r.nl() + r.nl()]))
    data = "".join(r.out).encode("utf-8")
    notes = (f"prefix={prefix!r} envelope={envelope} bom={bom} decl={decl!r}",)
    return Doc(data=data, expected=expected, message=message, notes=notes)
