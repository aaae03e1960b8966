"""Element writers shared by the pacs.008 builders: records -> a small element tree -> bytes.

Contract: every ``Writer`` method appends children to a :class:`Node` in the
order the official XSD of the target version requires, and writes nothing for
an absent value (``None`` or empty).  This is a careful escaping writer, not
string concatenation of user text: every text and attribute value is checked
for characters XML 1.0 cannot carry (``ValueError``, which the callers turn into
:class:`~iso20022.errors.OutboundBuildError`) and escaped (``& < >``, and in
attributes ``"`` and whitespace as character references) when the node is
created; element names are literals of this package.  It is about five times
faster than building an lxml tree, and the tests validate its output against
the official XSDs and parse it back.

Two versions are supported: ``pacs.008.001.08`` (ISO 2019: ``BICFI``,
``AnyBIC``, ``LEI``, PostalAddress24) and ``pacs.008.001.02`` (ISO 2009:
``BIC``, ``BICOrBEI``, PostalAddress6); fields a version cannot carry are left
out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..records import Account, Agent, GenericId, Money, Party, PostalAddress, Transfer

__all__ = ["ACCOUNT_TYPES_02", "NS_PREFIX", "Node", "Writer", "amount_text", "serialize"]

NS_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"

ACCOUNT_TYPES_02 = frozenset({
    "CASH", "CHAR", "COMM", "TAXE", "CISH", "TRAS", "SACC", "CACC", "SVGS", "ONDP", "MGLD",
    "NREX", "MOMA", "LOAN", "SLRY", "ODFT",
})
"""CashAccountType4Code: the closed list of account type codes pacs.008.001.02 accepts."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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


class Node:
    """One element: a literal tag, escaped text or children, escaped attributes."""

    __slots__ = ("attrs", "children", "tag", "text")

    def __init__(self, tag: str, text: str | None = None, attrs: str = "") -> None:
        self.tag = tag
        self.text = None if text is None else _escape(text)
        self.attrs = attrs  # already serialized: ' name="escaped value"...'
        self.children: list[Node] = []

    def add(self, tag: str, text: str | None = None, attrs: str = "") -> Node:
        """Append and return a child element."""
        child = Node(tag, text, attrs)
        self.children.append(child)
        return child


def attribute(name: str, value: str) -> str:
    """`` name="value"`` with the value escaped, for :class:`Node`'s ``attrs``."""
    return f' {name}="{_escape_attr(value)}"'


def serialize(root: Node) -> bytes:
    """The tree as UTF-8 XML with a declaration, indented by two spaces."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(root, "", out)
    return "".join(out).encode("utf-8")


def _write(node: Node, pad: str, out: list[str]) -> None:
    if node.children:
        out.append(f"{pad}<{node.tag}{node.attrs}>\n")
        inner = pad + "  "
        for child in node.children:
            _write(child, inner, out)
        out.append(f"{pad}</{node.tag}>\n")
    elif node.text is not None:
        out.append(f"{pad}<{node.tag}{node.attrs}>{node.text}</{node.tag}>\n")
    else:
        out.append(f"{pad}<{node.tag}{node.attrs}/>\n")


def amount_text(value: Decimal) -> str:
    """A decimal as the XSD wants it: plain notation, never an exponent."""
    return format(value, "f")


@dataclass(frozen=True, slots=True)
class Writer:
    """Writes elements of one message version into its namespace."""

    message_id: str  # e.g. pacs.008.001.08

    @property
    def new(self) -> bool:
        """True for the ISO 2019 generation (pacs.008.001.08)."""
        return not self.message_id.endswith(".02")

    @property
    def ns(self) -> str:
        """The namespace of this version."""
        return NS_PREFIX + self.message_id

    def root(self, tag: str = "Document") -> Node:
        """A new root element (``Document`` or ``AppHdr``) declaring this namespace."""
        return Node(tag, attrs=attribute("xmlns", self.ns))

    def el(self, parent: Node, tag: str, text: str | None = None) -> Node:
        """Append ``<tag>`` (with ``text`` when given) to ``parent``."""
        child = Node(tag, text)
        parent.children.append(child)
        return child

    def opt(self, parent: Node, tag: str, text: str | None) -> None:
        """Append ``<tag>text</tag>`` only when ``text`` is not None or empty."""
        if text:
            parent.children.append(Node(tag, text))

    def money(self, parent: Node, tag: str, money: Money) -> None:
        """``<tag Ccy="...">amount</tag>``."""
        parent.add(tag, amount_text(money.amount), attribute("Ccy", money.currency))

    def code_or_prtry(self, parent: Node, tag: str, code: str | None,
                      prtry: str | None) -> None:
        """``<tag><Cd/></tag>`` or ``<tag><Prtry/></tag>`` (code first), or nothing."""
        if code or prtry:
            box = self.el(parent, tag)
            if code:
                self.el(box, "Cd", code)
            else:
                self.el(box, "Prtry", prtry)

    # -- parties --------------------------------------------------------------------------

    def address(self, parent: Node, a: PostalAddress | None) -> None:
        """``PstlAdr`` (PostalAddress24 or PostalAddress6)."""
        if a is None:
            return
        box = self.el(parent, "PstlAdr")
        if a.address_type:
            if self.new:
                self.el(self.el(box, "AdrTp"), "Cd", a.address_type)
            else:
                self.el(box, "AdrTp", a.address_type)
        self.opt(box, "Dept", a.department)
        self.opt(box, "SubDept", a.sub_department)
        self.opt(box, "StrtNm", a.street_name)
        self.opt(box, "BldgNb", a.building_number)
        if self.new:
            self.opt(box, "BldgNm", a.building_name)
            self.opt(box, "Flr", a.floor)
            self.opt(box, "PstBx", a.post_box)
            self.opt(box, "Room", a.room)
        self.opt(box, "PstCd", a.post_code)
        self.opt(box, "TwnNm", a.town_name)
        if self.new:
            self.opt(box, "TwnLctnNm", a.town_location_name)
            self.opt(box, "DstrctNm", a.district_name)
        self.opt(box, "CtrySubDvsn", a.country_sub_division)
        self.opt(box, "Ctry", a.country)
        for line in a.address_lines[:7]:
            self.el(box, "AdrLine", line)

    def generic(self, parent: Node, g: GenericId) -> None:
        """``Othr``: Id, SchmeNm (Cd or Prtry), Issr."""
        box = self.el(parent, "Othr")
        self.el(box, "Id", g.id)
        self.code_or_prtry(box, "SchmeNm", g.scheme_code, g.scheme_proprietary)
        self.opt(box, "Issr", g.issuer)

    def party(self, parent: Node, tag: str, p: Party | None) -> None:
        """A party (PartyIdentification135 or 32): Nm, PstlAdr, Id, CtryOfRes."""
        if p is None:
            return
        box = self.el(parent, tag)
        self.opt(box, "Nm", p.name)
        self.address(box, p.postal_address)
        lei = p.organisation_lei if self.new else None
        if p.organisation_bic or lei or p.organisation_ids:
            org = self.el(self.el(box, "Id"), "OrgId")
            self.opt(org, "AnyBIC" if self.new else "BICOrBEI", p.organisation_bic)
            self.opt(org, "LEI", lei)
            for g in p.organisation_ids:
                self.generic(org, g)
        else:
            birth = p.birth_date and p.birth_city and p.birth_country
            if birth or p.private_ids:
                prvt = self.el(self.el(box, "Id"), "PrvtId")
                if birth:
                    dob = self.el(prvt, "DtAndPlcOfBirth")
                    self.el(dob, "BirthDt", p.birth_date.isoformat() if p.birth_date else None)
                    self.el(dob, "CityOfBirth", p.birth_city)
                    self.el(dob, "CtryOfBirth", p.birth_country)
                for g in p.private_ids:
                    self.generic(prvt, g)
        self.opt(box, "CtryOfRes", p.country_of_residence)

    def account(self, parent: Node, tag: str, a: Account | None) -> None:
        """A cash account (CashAccount38 or 16); nothing without an IBAN or other id."""
        if a is None or not (a.iban or a.other_id):
            return
        box = self.el(parent, tag)
        ident = self.el(box, "Id")
        if a.iban:
            self.el(ident, "IBAN", a.iban)
        elif a.other_id is not None:
            self.generic(ident, a.other_id)
        if self.new or a.type_code in ACCOUNT_TYPES_02:
            self.code_or_prtry(box, "Tp", a.type_code, None)
        else:  # an ExternalCashAccountType1Code pacs.008.001.02's closed list lacks
            self.code_or_prtry(box, "Tp", None, a.type_code)
        self.opt(box, "Ccy", a.currency)
        self.opt(box, "Nm", a.name)
        if self.new and a.proxy:
            self.el(self.el(box, "Prxy"), "Id", a.proxy)

    def agent(self, parent: Node, tag: str, a: Agent | None) -> None:
        """A financial institution (BranchAndFinancialInstitutionIdentification6 or 4)."""
        if a is None:
            return
        box = self.el(parent, tag)
        fin = self.el(box, "FinInstnId")
        self.opt(fin, "BICFI" if self.new else "BIC", a.bic)
        if a.member_id:
            mmb = self.el(fin, "ClrSysMmbId")
            self.code_or_prtry(mmb, "ClrSysId", a.clearing_system_code,
                               a.clearing_system_proprietary)
            self.el(mmb, "MmbId", a.member_id)
        if self.new:
            self.opt(fin, "LEI", a.lei)
        self.opt(fin, "Nm", a.name)
        self.address(fin, a.postal_address)
        if a.other_id:
            self.el(self.el(fin, "Othr"), "Id", a.other_id)
        if a.branch_id:
            self.el(self.el(box, "BrnchId"), "Id", a.branch_id)

    def bic_agent(self, parent: Node, tag: str, bic: str) -> None:
        """An agent identified by its BIC only."""
        self.agent(parent, tag, Agent(bic=bic))

    # -- transaction parts ----------------------------------------------------------------

    def payment_type(self, parent: Node, t: Transfer) -> None:
        """``PmtTpInf``: InstrPrty, SvcLvl, LclInstrm, CtgyPurp (nothing when all absent)."""
        if not (t.instruction_priority or t.service_level or t.service_level_proprietary
                or t.local_instrument or t.local_instrument_proprietary
                or t.category_purpose or t.category_purpose_proprietary):
            return
        box = self.el(parent, "PmtTpInf")
        self.opt(box, "InstrPrty", t.instruction_priority)
        self.code_or_prtry(box, "SvcLvl", t.service_level, t.service_level_proprietary)
        self.code_or_prtry(box, "LclInstrm", t.local_instrument, t.local_instrument_proprietary)
        self.code_or_prtry(box, "CtgyPurp", t.category_purpose, t.category_purpose_proprietary)

    def intermediaries(self, parent: Node, agents: Sequence[Agent]) -> None:
        """``IntrmyAgt1`` .. ``IntrmyAgt3``."""
        for number, agent in enumerate(agents[:3], start=1):
            self.agent(parent, f"IntrmyAgt{number}", agent)

    def tail(self, parent: Node, t: Transfer) -> None:
        """What follows the creditor: UltmtCdtr, Purp, RgltryRptg, RmtInf."""
        self.party(parent, "UltmtCdtr", t.ultimate_creditor)
        self.code_or_prtry(parent, "Purp", t.purpose, t.purpose_proprietary)
        for report in t.regulatory_reporting[:10]:
            box = self.el(parent, "RgltryRptg")
            self.opt(box, "DbtCdtRptgInd", report.indicator)
            if report.authority_name or report.authority_country:
                authority = self.el(box, "Authrty")
                self.opt(authority, "Nm", report.authority_name)
                self.opt(authority, "Ctry", report.authority_country)
            if report.code or report.country or report.information:
                details = self.el(box, "Dtls")
                self.opt(details, "Ctry", report.country)
                self.opt(details, "Cd", report.code)
                for info in report.information:
                    self.el(details, "Inf", info)
        if t.remittance_unstructured or t.creditor_reference:
            box = self.el(parent, "RmtInf")
            for line in t.remittance_unstructured:
                self.el(box, "Ustrd", line)
            if t.creditor_reference:
                ref = self.el(self.el(box, "Strd"), "CdtrRefInf")
                if t.creditor_reference_type:
                    self.el(self.el(self.el(ref, "Tp"), "CdOrPrtry"), "Cd",
                            t.creditor_reference_type)
                self.el(ref, "Ref", t.creditor_reference)
