"""Element writers shared by the pacs.008 builders: records -> indented XML text -> bytes.

Contract: a :class:`Writer` writes one message as text, in document order: every
method appends its elements in the order the official XSD of the target
version requires, and writes nothing for an absent value (``None`` or empty).
Containers are :meth:`Writer.open` / :meth:`Writer.close` pairs; a container
that got no children is written ``<Tag/>``, as a leaf without text is.  The
output is UTF-8 with a declaration, indented by two spaces.

This is a careful escaping writer, not string concatenation of user text:
every text and attribute value is checked for characters XML 1.0 cannot carry
(``ValueError``, which the callers turn into
:class:`~iso20022.errors.OutboundBuildError`) and escaped (``& < >``, and in
attributes ``"`` and whitespace as character references) as it is written;
element names are literals of this package.  Writing text straight away, with
no element objects, is what keeps a 10,000-transaction bulk message cheap: the
element tree this replaced (some 440,000 nodes for such a message) made the
pipeline's route stage seven times slower, most of it in the cyclic garbage
collector walking everything else alive.  The tests validate the output against
the official XSDs and parse it back.

This module is the pure-Python twin (the reference) of the compiled
``iso20022._speedups.pacs_xml`` (``ext/pacs_xml.pyx``): both have the same
:class:`Writer`, :func:`transaction`, which writes one ``CdtTrfTxInf``, and
:func:`id_tail`, the digest part of its ids, and give the same bytes; the
builders take them from :mod:`iso20022._impl`.

Two versions are supported: ``pacs.008.001.08`` (ISO 2019: ``BICFI``,
``AnyBIC``, ``LEI``, PostalAddress24) and ``pacs.008.001.02`` (ISO 2009:
``BIC``, ``BICOrBEI``, PostalAddress6); fields a version cannot carry are left
out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

from ..records import Account, Agent, GenericId, Money, Party, PostalAddress, Transfer

__all__ = [
    "ACCOUNT_TYPES_02", "NS_PREFIX", "Writer", "amount_text", "attribute", "id_tail", "transaction",
]

NS_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"

ACCOUNT_TYPES_02 = frozenset({
    "CASH", "CHAR", "COMM", "TAXE", "CISH", "TRAS", "SACC", "CACC", "SVGS", "ONDP", "MGLD",
    "NREX", "MOMA", "LOAN", "SLRY", "ODFT",
})
"""CashAccountType4Code: the closed list of account type codes pacs.008.001.02 accepts."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Indentation by depth; the builders nest at most about a dozen levels.
_PADS = tuple("  " * depth for depth in range(32))

_R = TypeVar("_R")


def _escape(text: str) -> str:
    """``text`` as element content; ``ValueError`` for characters XML cannot carry."""
    if not (text.isascii() and text.isprintable()):  # the common case needs no regex
        bad = _NOT_XML.search(text)
        if bad is not None:
            raise ValueError(f"character {bad.group()!r} is not allowed in XML")
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:  # a literal CR would be read back as LF
        text = text.replace("\r", "&#13;")
    return text


def _escape_attr(text: str) -> str:
    return (_escape(text).replace('"', "&quot;").replace("\t", "&#9;")
            .replace("\n", "&#10;"))


def attribute(name: str, value: str) -> str:
    """`` name="value"`` with the value escaped, for :meth:`Writer.open` and :meth:`Writer.el`."""
    return f' {name}="{_escape_attr(value)}"'


@lru_cache(maxsize=256)
def _currency(code: str) -> str:
    """The ``Ccy`` attribute: a handful of codes per file, so written once each."""
    return attribute("Ccy", code)


_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648, as base64.b32encode writes it
_BASE32_PAIRS = tuple(a + b for a in _BASE32 for b in _BASE32)  # 10 bits -> 2 characters


def id_tail(*parts: str) -> str:
    """The unique part of an outbound id (``pacs008.outbound_id``; a bulk TxId).

    ``base64.b32encode(digest)[:20]``, the top 100 bits of the 16-byte BLAKE2b
    digest of ``parts`` joined by U+001F, without encoding all of it: this runs
    once per transaction of a bulk message.
    """
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()
    bits = int.from_bytes(digest, "big") >> 28
    return "".join([_BASE32_PAIRS[(bits >> shift) & 1023] for shift in range(90, -1, -10)])


def amount_text(value: Decimal) -> str:
    """A decimal as the XSD wants it: plain notation, never an exponent."""
    return format(value, "f")


class Writer:
    """Writes the elements of one message of one version, in document order, as text.

    One writer per message: :meth:`open` the root with :meth:`root`, write,
    :meth:`close` every container, then take :meth:`getvalue`.
    """

    __slots__ = ("_ends", "_marks", "_memo", "_out", "_pad", "message_id", "new", "ns")

    def __init__(self, message_id: str) -> None:
        self.message_id = message_id  # e.g. pacs.008.001.08
        self.new = not message_id.endswith(".02")  # the ISO 2019 generation
        self.ns = NS_PREFIX + message_id
        self._out = [_DECLARATION]
        self._marks: list[int] = []  # where each open container's start tag is
        self._ends: list[str] = []  # and its end tag, indented
        self._pad = ""
        # (tag, id(record), depth) -> (record, its text): see shared()
        self._memo: dict[tuple[str, int, int], tuple[object, str]] = {}

    def getvalue(self) -> bytes:
        """The message as UTF-8 bytes; every container must be closed."""
        if self._marks:
            raise RuntimeError(f"{len(self._marks)} elements left open")
        return "".join(self._out).encode("utf-8")

    # -- elements -------------------------------------------------------------------------

    def root(self, tag: str = "Document", message_id: str | None = None) -> None:
        """Open a root element (``Document`` or ``AppHdr``) declaring a namespace.

        The namespace is this writer's version's, or that of ``message_id``.
        """
        ns = self.ns if message_id is None else NS_PREFIX + message_id
        self.open(tag, attribute("xmlns", ns))

    def open(self, tag: str, attrs: str = "") -> None:
        """Start ``<tag>``; what follows goes inside it until :meth:`close`."""
        out = self._out
        marks = self._marks
        marks.append(len(out))
        self._ends.append(f"{self._pad}</{tag}>\n")
        out.append(f"{self._pad}<{tag}{attrs}")  # finished by close: ">" or "/>"
        self._pad = _PADS[len(marks)]

    def close(self) -> None:
        """End the innermost open element (``<tag/>`` when nothing was written in it)."""
        out = self._out
        marks = self._marks
        mark = marks.pop()
        end = self._ends.pop()
        if len(out) > mark + 1:
            out[mark] += ">\n"
            out.append(end)
        else:
            out[mark] += "/>\n"
        self._pad = _PADS[len(marks)]

    def el(self, tag: str, text: str | None = None, attrs: str = "") -> None:
        """Write ``<tag>text</tag>`` (``<tag/>`` when ``text`` is None)."""
        if text is None:
            self._out.append(f"{self._pad}<{tag}{attrs}/>\n")
        else:
            self._out.append(f"{self._pad}<{tag}{attrs}>{_escape(text)}</{tag}>\n")

    def opt(self, tag: str, text: str | None) -> None:
        """Write ``<tag>text</tag>`` only when ``text`` is not None or empty."""
        if text:
            self._out.append(f"{self._pad}<{tag}>{_escape(text)}</{tag}>\n")

    def shared(self, write: Callable[[str, _R], None], tag: str, record: _R | None) -> None:
        """``write(tag, record)``, or the text it wrote for this very record before.

        For records the parser shares between the transactions of a message (a
        PmtInf's debtor, its account and agent, the message's initiating party):
        a bulk message writes each once and copies the text after.  Keyed by
        identity and depth; the memo keeps the record, so no other object can
        take its id while the writer lives.
        """
        if record is None:
            return
        key = (tag, id(record), len(self._marks))
        hit = self._memo.get(key)
        if hit is not None:
            self._out.append(hit[1])
            return
        out = self._out
        mark = len(out)
        write(tag, record)
        self._memo[key] = (record, "".join(out[mark:]))

    def money(self, tag: str, money: Money) -> None:
        """``<tag Ccy="...">amount</tag>``."""
        self.el(tag, amount_text(money.amount), _currency(money.currency))

    def code_or_prtry(self, tag: str, code: str | None, prtry: str | None) -> None:
        """``<tag><Cd/></tag>`` or ``<tag><Prtry/></tag>`` (code first), or nothing."""
        if code:
            inner, text = "Cd", code
        elif prtry:
            inner, text = "Prtry", prtry
        else:
            return
        depth = len(self._marks)
        pad = _PADS[depth]
        self._out.append(f"{pad}<{tag}>\n{_PADS[depth + 1]}<{inner}>{_escape(text)}</{inner}>\n"
                         f"{pad}</{tag}>\n")

    # -- parties --------------------------------------------------------------------------

    def address(self, a: PostalAddress | None) -> None:
        """``PstlAdr`` (PostalAddress24 or PostalAddress6)."""
        if a is None:
            return
        opt = self.opt
        new = self.new
        self.open("PstlAdr")
        if a.address_type:
            if new:
                self.code_or_prtry("AdrTp", a.address_type, None)
            else:
                self.el("AdrTp", a.address_type)
        opt("Dept", a.department)
        opt("SubDept", a.sub_department)
        opt("StrtNm", a.street_name)
        opt("BldgNb", a.building_number)
        if new:
            opt("BldgNm", a.building_name)
            opt("Flr", a.floor)
            opt("PstBx", a.post_box)
            opt("Room", a.room)
        opt("PstCd", a.post_code)
        opt("TwnNm", a.town_name)
        if new:
            opt("TwnLctnNm", a.town_location_name)
            opt("DstrctNm", a.district_name)
        opt("CtrySubDvsn", a.country_sub_division)
        opt("Ctry", a.country)
        for line in a.address_lines[:7]:
            self.el("AdrLine", line)
        self.close()

    def generic(self, g: GenericId) -> None:
        """``Othr``: Id, SchmeNm (Cd or Prtry), Issr."""
        self.open("Othr")
        self.el("Id", g.id)
        self.code_or_prtry("SchmeNm", g.scheme_code, g.scheme_proprietary)
        self.opt("Issr", g.issuer)
        self.close()

    def party(self, tag: str, p: Party | None) -> None:
        """A party (PartyIdentification135 or 32): Nm, PstlAdr, Id, CtryOfRes."""
        if p is None:
            return
        self.open(tag)
        self.opt("Nm", p.name)
        self.address(p.postal_address)
        lei = p.organisation_lei if self.new else None
        if p.organisation_bic or lei or p.organisation_ids:
            self.open("Id")
            self.open("OrgId")
            self.opt("AnyBIC" if self.new else "BICOrBEI", p.organisation_bic)
            self.opt("LEI", lei)
            for g in p.organisation_ids:
                self.generic(g)
            self.close()
            self.close()
        else:
            birth = p.birth_date and p.birth_city and p.birth_country
            if birth or p.private_ids:
                self.open("Id")
                self.open("PrvtId")
                if birth:
                    self.open("DtAndPlcOfBirth")
                    self.el("BirthDt", p.birth_date.isoformat() if p.birth_date else None)
                    self.el("CityOfBirth", p.birth_city)
                    self.el("CtryOfBirth", p.birth_country)
                    self.close()
                for g in p.private_ids:
                    self.generic(g)
                self.close()
                self.close()
        self.opt("CtryOfRes", p.country_of_residence)
        self.close()

    def account(self, tag: str, a: Account | None) -> None:
        """A cash account (CashAccount38 or 16); nothing without an IBAN or other id."""
        if a is None or not (a.iban or a.other_id):
            return
        if a.iban and not (a.type_code or a.currency or a.name or (self.new and a.proxy)):
            depth = len(self._marks)  # the common case, an IBAN only, in one piece
            pad, pad1 = _PADS[depth], _PADS[depth + 1]
            self._out.append(f"{pad}<{tag}>\n{pad1}<Id>\n{_PADS[depth + 2]}<IBAN>"
                             f"{_escape(a.iban)}</IBAN>\n{pad1}</Id>\n{pad}</{tag}>\n")
            return
        self.open(tag)
        self.open("Id")
        if a.iban:
            self.el("IBAN", a.iban)
        elif a.other_id is not None:
            self.generic(a.other_id)
        self.close()
        if self.new or a.type_code in ACCOUNT_TYPES_02:
            self.code_or_prtry("Tp", a.type_code, None)
        else:  # an ExternalCashAccountType1Code pacs.008.001.02's closed list lacks
            self.code_or_prtry("Tp", None, a.type_code)
        self.opt("Ccy", a.currency)
        self.opt("Nm", a.name)
        if self.new and a.proxy:
            self.open("Prxy")
            self.el("Id", a.proxy)
            self.close()
        self.close()

    def agent(self, tag: str, a: Agent | None) -> None:
        """A financial institution (BranchAndFinancialInstitutionIdentification6 or 4)."""
        if a is None:
            return
        if a.bic and not (a.member_id or (self.new and a.lei) or a.name
                          or a.postal_address is not None or a.other_id or a.branch_id):
            depth = len(self._marks)  # the common case, a BIC only, in one piece
            pad, pad1 = _PADS[depth], _PADS[depth + 1]
            name = "BICFI" if self.new else "BIC"
            self._out.append(f"{pad}<{tag}>\n{pad1}<FinInstnId>\n{_PADS[depth + 2]}<{name}>"
                             f"{_escape(a.bic)}</{name}>\n{pad1}</FinInstnId>\n{pad}</{tag}>\n")
            return
        self.open(tag)
        self.open("FinInstnId")
        self.opt("BICFI" if self.new else "BIC", a.bic)
        if a.member_id:
            self.open("ClrSysMmbId")
            self.code_or_prtry("ClrSysId", a.clearing_system_code,
                               a.clearing_system_proprietary)
            self.el("MmbId", a.member_id)
            self.close()
        if self.new:
            self.opt("LEI", a.lei)
        self.opt("Nm", a.name)
        self.address(a.postal_address)
        if a.other_id:
            self.open("Othr")
            self.el("Id", a.other_id)
            self.close()
        self.close()
        if a.branch_id:
            self.open("BrnchId")
            self.el("Id", a.branch_id)
            self.close()
        self.close()

    def bic_agent(self, tag: str, bic: str) -> None:
        """An agent identified by its BIC only."""
        self.agent(tag, Agent(bic=bic))

    # -- transaction parts ----------------------------------------------------------------

    def payment_ids(self, instruction_id: str, end_to_end_id: str, transaction_id: str,
                    uetr: str | None) -> None:
        """``PmtId``: InstrId, EndToEndId, TxId and, when given, UETR."""
        depth = len(self._marks)
        pad, pad1 = _PADS[depth], _PADS[depth + 1]
        uetr_el = "" if uetr is None else f"{pad1}<UETR>{_escape(uetr)}</UETR>\n"
        self._out.append(f"{pad}<PmtId>\n{pad1}<InstrId>{_escape(instruction_id)}</InstrId>\n"
                         f"{pad1}<EndToEndId>{_escape(end_to_end_id)}</EndToEndId>\n"
                         f"{pad1}<TxId>{_escape(transaction_id)}</TxId>\n{uetr_el}"
                         f"{pad}</PmtId>\n")

    def payment_type(self, t: Transfer) -> None:
        """``PmtTpInf``: InstrPrty, SvcLvl, LclInstrm, CtgyPurp (nothing when all absent)."""
        if not (t.instruction_priority or t.service_level or t.service_level_proprietary
                or t.local_instrument or t.local_instrument_proprietary
                or t.category_purpose or t.category_purpose_proprietary):
            return
        self.open("PmtTpInf")
        self.opt("InstrPrty", t.instruction_priority)
        self.code_or_prtry("SvcLvl", t.service_level, t.service_level_proprietary)
        self.code_or_prtry("LclInstrm", t.local_instrument, t.local_instrument_proprietary)
        self.code_or_prtry("CtgyPurp", t.category_purpose, t.category_purpose_proprietary)
        self.close()

    def intermediaries(self, agents: Sequence[Agent]) -> None:
        """``IntrmyAgt1`` .. ``IntrmyAgt3``."""
        for number, agent in enumerate(agents[:3], start=1):
            self.agent(f"IntrmyAgt{number}", agent)

    def tail(self, t: Transfer) -> None:
        """What follows the creditor: UltmtCdtr, Purp, RgltryRptg, RmtInf."""
        self.party("UltmtCdtr", t.ultimate_creditor)
        self.code_or_prtry("Purp", t.purpose, t.purpose_proprietary)
        for report in t.regulatory_reporting[:10]:
            self.open("RgltryRptg")
            self.opt("DbtCdtRptgInd", report.indicator)
            if report.authority_name or report.authority_country:
                self.open("Authrty")
                self.opt("Nm", report.authority_name)
                self.opt("Ctry", report.authority_country)
                self.close()
            if report.code or report.country or report.information:
                self.open("Dtls")
                self.opt("Ctry", report.country)
                self.opt("Cd", report.code)
                for info in report.information:
                    self.el("Inf", info)
                self.close()
            self.close()
        if t.remittance_unstructured or t.creditor_reference:
            self.open("RmtInf")
            for line in t.remittance_unstructured:
                self.el("Ustrd", line)
            if t.creditor_reference:
                self.open("Strd")
                self.open("CdtrRefInf")
                if t.creditor_reference_type:
                    self.open("Tp")
                    self.code_or_prtry("CdOrPrtry", t.creditor_reference_type, None)
                    self.close()
                self.el("Ref", t.creditor_reference)
                self.close()
                self.close()
            self.close()


def transaction(w: Writer, t: Transfer, *, tx_id: str, uetr: str | None, day: date | None,
                bearer: str, instructing: str | None, instructed: str | None) -> None:
    """One ``CdtTrfTxInf`` of transfer ``t`` in the order of ``w``'s version's XSD.

    ``tx_id`` is written as InstrId and TxId, ``uetr`` (when given) as UETR,
    ``day`` (when given) as IntrBkSttlmDt, ``bearer`` as ChrgBr, and
    ``instructing`` / ``instructed`` (when given) as BIC-only InstgAgt / InstdAgt.
    Raises ``ValueError`` for a value XML cannot carry.
    """
    w.open("CdtTrfTxInf")
    w.payment_ids(tx_id, t.end_to_end_id, tx_id, uetr)
    w.payment_type(t)
    w.money("IntrBkSttlmAmt", t.amount)
    if day is not None:
        w.el("IntrBkSttlmDt", day.isoformat())
    if t.instructed_amount is not None:
        w.money("InstdAmt", t.instructed_amount)
    w.el("ChrgBr", bearer)
    if instructing is not None:
        w.bic_agent("InstgAgt", instructing)
    if instructed is not None:
        w.bic_agent("InstdAgt", instructed)
    w.intermediaries(t.intermediary_agents)
    # The debtor side is the PmtInf's (and the message's), shared by its transactions.
    w.shared(w.party, "UltmtDbtr", t.ultimate_debtor)
    if w.new:
        w.shared(w.party, "InitgPty", t.message.initiating_party)
    w.shared(w.party, "Dbtr", t.debtor)
    w.shared(w.account, "DbtrAcct", t.debtor_account)
    w.shared(w.agent, "DbtrAgt", t.debtor_agent)
    w.agent("CdtrAgt", t.creditor_agent)
    w.party("Cdtr", t.creditor)
    w.account("CdtrAcct", t.creditor_account)
    w.tail(t)
    w.close()
