"""Field tables: which ISO element path fills which record field, per message version.

This is data.  Both parser implementations (the lxml reference and the compiled
scanner) walk the same compiled trie (:func:`compile_table`), so adding a
version of a supported message means adding one :class:`MessageSpec` line to
:data:`SPECS` with its schema generation, and nothing else.

A table maps a path of element local names, relative to a scope element
(``GrpHdr``, ``PmtInf`` or ``CdtTrfTxInf``), to a *target*: a dotted record
field path such as ``debtor.postal_address.street_name``.  A path ending in
``@Attr`` reads an attribute.  A target ending in ``[]`` collects every
occurrence into a tuple.  A :class:`Group` entry marks a repeated complex
element (``ChrgsInf``, ``RgltryRptg``, ``Othr``) whose own sub-table fills
one record per occurrence.  Targets in scope ``GrpHdr`` starting with
``message.`` fill the :class:`~iso20022.records.MessageHeader`, targets in
``PmtInf`` starting with ``payment.`` the
:class:`~iso20022.records.PaymentInformation`; every other target is a
transfer field, and values given at an outer scope are defaults for the
transactions inside it.

Kinds say how text becomes a value: ``text`` (kept exactly), ``decimal``,
``date``, ``datetime``, ``int``, ``bool``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final, Union

from ..msgid import MessageId

__all__ = [
    "APP_HEADER_TABLE",
    "SPECS",
    "Group",
    "MessageSpec",
    "Node",
    "compile_table",
    "iso_path_of",
    "spec_for",
]

# A table: path -> target string, or a nested table applied under a prefix, or a Group.
Entry = Union[str, "Sub", "Group"]
Table = Mapping[str, Entry]


@dataclass(frozen=True)
class Sub:
    """A shared sub-table (party, agent, ...) applied under ``prefix``."""

    prefix: str
    table: Table


@dataclass(frozen=True)
class Group:
    """A repeated complex element: each occurrence appends one item to ``target``."""

    target: str
    table: Table


_KINDS: Final = {
    # Target leaf names whose text is not plain text.
    "amount": "decimal",
    "control_sum": "decimal",
    "exchange_rate": "decimal",
    "number_of_transactions": "int",
    "batch_booking": "bool",
    "creation_date_time": "datetime",
    "requested_execution_date_time": "datetime",
    "creation_date": "datetime",
    "requested_execution_date": "date",
    "interbank_settlement_date": "date",
    "birth_date": "date",
}


def _kind(target: str) -> str:
    leaf = target.rstrip("[]").rsplit(".", 1)[-1]
    return _KINDS.get(leaf, "text")


# -- shared sub-tables, by schema generation -------------------------------------------


def _address(gen: Gen) -> Table:
    table: dict[str, Entry] = {
        "Dept": "department",
        "SubDept": "sub_department",
        "StrtNm": "street_name",
        "BldgNb": "building_number",
        "PstCd": "post_code",
        "TwnNm": "town_name",
        "CtrySubDvsn": "country_sub_division",
        "Ctry": "country",
        "AdrLine": "address_lines[]",
    }
    if gen.address24:
        table |= {
            "AdrTp/Cd": "address_type",
            "AdrTp/Prtry/Id": "address_type",
            "BldgNm": "building_name",
            "Flr": "floor",
            "PstBx": "post_box",
            "Room": "room",
            "TwnLctnNm": "town_location_name",
            "DstrctNm": "district_name",
        }
    else:
        table["AdrTp"] = "address_type"
    return table


_GENERIC_ID: Final[Table] = {
    "Id": "id",
    "SchmeNm/Cd": "scheme_code",
    "SchmeNm/Prtry": "scheme_proprietary",
    "Issr": "issuer",
}


def _party(gen: Gen) -> Table:
    table: dict[str, Entry] = {
        "Nm": "name",
        "PstlAdr": Sub("postal_address", _address(gen)),
        f"Id/OrgId/{gen.org_bic}": "organisation_bic",
        "Id/OrgId/Othr": Group("organisation_ids", _GENERIC_ID),
        "Id/PrvtId/DtAndPlcOfBirth/BirthDt": "birth_date",
        "Id/PrvtId/DtAndPlcOfBirth/CityOfBirth": "birth_city",
        "Id/PrvtId/DtAndPlcOfBirth/CtryOfBirth": "birth_country",
        "Id/PrvtId/Othr": Group("private_ids", _GENERIC_ID),
        "CtryOfRes": "country_of_residence",
    }
    if gen.lei:
        table["Id/OrgId/LEI"] = "organisation_lei"
    return table


def _agent(gen: Gen) -> Table:
    table: dict[str, Entry] = {
        f"FinInstnId/{gen.bic}": "bic",
        "FinInstnId/ClrSysMmbId/ClrSysId/Cd": "clearing_system_code",
        "FinInstnId/ClrSysMmbId/ClrSysId/Prtry": "clearing_system_proprietary",
        "FinInstnId/ClrSysMmbId/MmbId": "member_id",
        "FinInstnId/Nm": "name",
        "FinInstnId/PstlAdr": Sub("postal_address", _address(gen)),
        "FinInstnId/Othr/Id": "other_id",
        "BrnchId/Id": "branch_id",
    }
    if gen.lei:
        table["FinInstnId/LEI"] = "lei"
    return table


def _account(gen: Gen) -> Table:
    table: dict[str, Entry] = {
        "Id/IBAN": "iban",
        "Id/Othr": Sub("other_id", _GENERIC_ID),
        "Tp/Cd": "type_code",
        "Ccy": "currency",
        "Nm": "name",
    }
    if gen.proxy:
        table["Prxy/Id"] = "proxy"
    return table


def _money(target: str) -> dict[str, Entry]:
    return {"": f"{target}.amount", "@Ccy": f"{target}.currency"}


def _payment_type(*, interbank: bool) -> dict[str, Entry]:
    prefix = "PmtTpInf"
    table: dict[str, Entry] = {
        f"{prefix}/InstrPrty": "instruction_priority",
        f"{prefix}/SvcLvl/Cd": "service_level",
        f"{prefix}/SvcLvl/Prtry": "service_level_proprietary",
        f"{prefix}/LclInstrm/Cd": "local_instrument",
        f"{prefix}/LclInstrm/Prtry": "local_instrument_proprietary",
        f"{prefix}/CtgyPurp/Cd": "category_purpose",
        f"{prefix}/CtgyPurp/Prtry": "category_purpose_proprietary",
    }
    if interbank:
        table[f"{prefix}/ClrChanl"] = "clearing_channel"
    return table


_REGULATORY: Final[Table] = {
    "DbtCdtRptgInd": "indicator",
    "Authrty/Nm": "authority_name",
    "Authrty/Ctry": "authority_country",
    "Dtls/Cd": "code",
    "Dtls/Ctry": "country",
    "Dtls/Inf": "information[]",
}


def _transaction_common(gen: Gen, *, interbank: bool) -> dict[str, Entry]:
    party, agent, account = _party(gen), _agent(gen), _account(gen)
    table: dict[str, Entry] = {
        "PmtId/InstrId": "instruction_id",
        "PmtId/EndToEndId": "end_to_end_id",
        **_payment_type(interbank=interbank),
        "ChrgBr": "charge_bearer",
        "UltmtDbtr": Sub("ultimate_debtor", party),
        "IntrmyAgt1": Group("intermediary_agents", agent),
        "IntrmyAgt2": Group("intermediary_agents", agent),
        "IntrmyAgt3": Group("intermediary_agents", agent),
        "CdtrAgt": Sub("creditor_agent", agent),
        "Cdtr": Sub("creditor", party),
        "CdtrAcct": Sub("creditor_account", account),
        "UltmtCdtr": Sub("ultimate_creditor", party),
        "Purp/Cd": "purpose",
        "Purp/Prtry": "purpose_proprietary",
        "RgltryRptg": Group("regulatory_reporting", _REGULATORY),
        "RmtInf/Ustrd": "remittance_unstructured[]",
        "RmtInf/Strd/CdtrRefInf/Ref": "creditor_reference",
        f"RmtInf/Strd/CdtrRefInf/Tp/{gen.cdtr_ref_type}/Cd": "creditor_reference_type",
    }
    if gen.uetr:
        table["PmtId/UETR"] = "uetr"
    return table


# -- generations and message specs --------------------------------------------------------


@dataclass(frozen=True)
class Gen:
    """Schema generation facts that decide element names across versions."""

    bic: str  # "BIC" (2009) or "BICFI" (2013+)
    org_bic: str  # "BICOrBEI" (2009) or "AnyBIC" (2013+)
    lei: bool  # LEI in OrgId / FinInstnId (2018+)
    address24: bool  # PostalAddress24 (2019+): AdrTp choice, BldgNm, Flr, ...
    proxy: bool  # account proxy (2019+)
    uetr: bool  # PmtId/UETR
    date_choice: bool  # ReqdExctnDt as Dt/DtTm choice (2018+)
    charges_agent: str  # ChrgsInf/<this>: "Pty" (2009) or "Agt" (2013+)
    cdtr_ref_type: str = "CdOrPrtry"  # RmtInf/Strd/CdtrRefInf/Tp/<this>/Cd


def _pain001(gen: Gen) -> tuple[Table, Table, Table]:
    party, agent, account = _party(gen), _agent(gen), _account(gen)
    group: dict[str, Entry] = {
        "MsgId": "message.message_id",
        "CreDtTm": "message.creation_date_time",
        "NbOfTxs": "message.number_of_transactions",
        "CtrlSum": "message.control_sum",
        "InitgPty": Sub("message.initiating_party", party),
    }
    payment: dict[str, Entry] = {
        "PmtInfId": "payment.payment_information_id",
        "PmtMtd": "payment.payment_method",
        "BtchBookg": "payment.batch_booking",
        "NbOfTxs": "payment.number_of_transactions",
        "CtrlSum": "payment.control_sum",
        **_payment_type(interbank=False),
        "Dbtr": Sub("debtor", party),
        "DbtrAcct": Sub("debtor_account", account),
        "DbtrAgt": Sub("debtor_agent", agent),
        "UltmtDbtr": Sub("ultimate_debtor", party),
        "ChrgBr": "charge_bearer",
    }
    if gen.date_choice:
        payment["ReqdExctnDt/Dt"] = "payment.requested_execution_date"
        payment["ReqdExctnDt/DtTm"] = "payment.requested_execution_date_time"
    else:
        payment["ReqdExctnDt"] = "payment.requested_execution_date"
    tx = _transaction_common(gen, interbank=False) | {
        "Amt/InstdAmt": Sub("instructed_amount", _money("")),
        "Amt/EqvtAmt/Amt": Sub("equivalent_amount", _money("")),
        "Amt/EqvtAmt/CcyOfTrf": "currency_of_transfer",
        "XchgRateInf/XchgRate": "exchange_rate",
    }
    return group, payment, tx


def _pacs008(gen: Gen) -> tuple[Table, Table, Table]:
    agent, account = _agent(gen), _account(gen)
    group: dict[str, Entry] = {
        "MsgId": "message.message_id",
        "CreDtTm": "message.creation_date_time",
        "BtchBookg": "message.batch_booking",
        "NbOfTxs": "message.number_of_transactions",
        "CtrlSum": "message.control_sum",
        "TtlIntrBkSttlmAmt": Sub("message.total_interbank_settlement_amount", _money("")),
        "IntrBkSttlmDt": "interbank_settlement_date",
        "SttlmInf/SttlmMtd": "message.settlement_method",
        "SttlmInf/SttlmAcct": Sub("message.settlement_account", account),
        "SttlmInf/ClrSys/Cd": "message.clearing_system_code",
        "SttlmInf/ClrSys/Prtry": "message.clearing_system_proprietary",
        **_payment_type(interbank=True),
        "InstgAgt": Sub("instructing_agent", agent),
        "InstdAgt": Sub("instructed_agent", agent),
    }
    tx = _transaction_common(gen, interbank=True) | {
        "PmtId/TxId": "transaction_id",
        "PmtId/ClrSysRef": "clearing_system_reference",
        "IntrBkSttlmAmt": Sub("interbank_settlement_amount", _money("")),
        "IntrBkSttlmDt": "interbank_settlement_date",
        "InstdAmt": Sub("instructed_amount", _money("")),
        "XchgRate": "exchange_rate",
        "ChrgsInf": Group(
            "charges",
            {"Amt": Sub("amount", _money("")), gen.charges_agent: Sub("agent", agent)},
        ),
        "InstgAgt": Sub("instructing_agent", agent),
        "InstdAgt": Sub("instructed_agent", agent),
        "Dbtr": Sub("debtor", _party(gen)),
        "DbtrAcct": Sub("debtor_account", account),
        "DbtrAgt": Sub("debtor_agent", agent),
    }
    return group, {}, tx


@dataclass(frozen=True)
class MessageSpec:
    """How to read one message version: its scopes and their tables."""

    message_id: MessageId
    root: str  # the Document's child, e.g. CstmrCdtTrfInitn
    payment_scope: str | None  # PmtInf for pain, None for pacs
    group_table: Table = field(repr=False)
    payment_table: Table = field(repr=False)
    transaction_table: Table = field(repr=False)
    kind: str = "credit_transfer"

    @property
    def family(self) -> str:
        return self.message_id.family


_G2009 = Gen("BIC", "BICOrBEI", lei=False, address24=False, proxy=False, uetr=False,
             date_choice=False, charges_agent="Pty")
_G2013 = Gen("BICFI", "AnyBIC", lei=False, address24=False, proxy=False, uetr=False,
             date_choice=False, charges_agent="Agt")
_G2018 = Gen("BICFI", "AnyBIC", lei=False, address24=False, proxy=False, uetr=False,
             date_choice=True, charges_agent="Agt")
_G2019 = Gen("BICFI", "AnyBIC", lei=True, address24=True, proxy=True, uetr=True,
             date_choice=True, charges_agent="Agt")


def _pain(version: int, gen: Gen) -> MessageSpec:
    g, p, t = _pain001(gen)
    return MessageSpec(MessageId("pain", 1, 1, version), "CstmrCdtTrfInitn", "PmtInf", g, p, t)


def _pacs(version: int, gen: Gen) -> MessageSpec:
    g, p, t = _pacs008(gen)
    return MessageSpec(MessageId("pacs", 8, 1, version), "FIToFICstmrCdtTrf", None, g, p, t)


SPECS: Final[dict[MessageId, MessageSpec]] = {
    spec.message_id: spec
    for spec in (
        _pain(3, _G2009),
        *(_pain(v, _G2013) for v in (4, 5, 6, 7)),
        _pain(8, _G2018),
        *(_pain(v, _G2019) for v in (9, 10, 11, 12)),
        _pacs(2, _G2009),
        *(_pacs(v, _G2013) for v in (3, 4, 5, 6, 7)),
        *(_pacs(v, _G2019) for v in (8, 9, 10, 11, 12)),
    )
}


def spec_for(message_id: MessageId) -> MessageSpec | None:
    """The spec of a supported message version, or None."""
    return SPECS.get(message_id)


# -- compiled trie -----------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    """One element of the trie both parsers walk.

    ``target``/``kind``: the element's text fills this record field (when set).
    ``attrs``: attribute local name -> (target, kind).
    ``group``: when set, each occurrence of this element starts a new item of the
    group list ``group``; targets below it are relative to the item.
    ``repeat``: the text target collects a tuple.
    """

    children: dict[str, Node] = field(default_factory=dict)
    target: str | None = None
    kind: str = "text"
    repeat: bool = False
    attrs: dict[str, tuple[str, str]] = field(default_factory=dict)
    group: str | None = None
    path: str = ""  # ISO path from the scope element, for messages


def _walk(table: Table, prefix: str) -> Iterator[tuple[str, str | Group]]:
    for path, entry in table.items():
        if isinstance(entry, Sub):
            for sub_path, sub_entry in _walk(entry.table, ""):
                joined_path = _join_path(path, sub_path)
                if isinstance(sub_entry, Group):
                    yield joined_path, Group(_join(prefix, entry.prefix, sub_entry.target),
                                             sub_entry.table)
                else:
                    yield joined_path, _join(prefix, entry.prefix, sub_entry)
        elif isinstance(entry, Group):
            yield path, Group(_join(prefix, entry.target), entry.table)
        else:
            yield path, _join(prefix, entry)


def _join(*parts: str) -> str:
    return ".".join(p.strip(".") for p in parts if p.strip("."))


def _join_path(a: str, b: str) -> str:
    if not b:
        return a
    if b.startswith("@"):
        return a + b
    return f"{a}/{b}" if a else b


def compile_table(table: Table) -> Node:
    """Compile a table into the trie both parser implementations walk."""
    root = Node()
    for path, entry in _walk(table, ""):
        _insert(root, path, entry)
    return root


def _insert(root: Node, path: str, entry: str | Group) -> None:
    element_path, _, attr = path.partition("@")
    node = root
    walked: list[str] = []
    for name in element_path.split("/") if element_path else []:
        walked.append(name)
        node = node.children.setdefault(name, Node(path="/".join(walked)))
    if isinstance(entry, Group):
        if node.group is not None and node.group != entry.target:
            raise ValueError(f"conflicting groups at {path}")
        node.group = entry.target
        for sub_path, sub_entry in _walk(entry.table, ""):
            _insert_relative(node, sub_path, sub_entry)
        return
    _set_leaf(node, path, attr, entry)


def _insert_relative(base: Node, path: str, entry: str | Group) -> None:
    if isinstance(entry, Group):
        raise ValueError("groups inside groups are not supported")
    element_path, _, attr = path.partition("@")
    node = base
    walked = [base.path]
    for name in element_path.split("/") if element_path else []:
        walked.append(name)
        node = node.children.setdefault(name, Node(path="/".join(walked)))
    _set_leaf(node, path, attr, entry)


def _set_leaf(node: Node, path: str, attr: str, target: str) -> None:
    repeat = target.endswith("[]")
    clean = target.removesuffix("[]")
    if attr:
        node.attrs[attr] = (clean, _kind(clean))
        return
    if node.target is not None and node.target != clean:
        raise ValueError(f"{path}: two targets {node.target!r} and {clean!r}")
    node.target = clean
    node.kind = _kind(clean)
    node.repeat = repeat


APP_HEADER_TABLE: Final[Table] = {
    "Fr/FIId/FinInstnId/BICFI": "from_bic",
    "Fr/FIId/FinInstnId/ClrSysMmbId/MmbId": "from_member_id",
    "To/FIId/FinInstnId/BICFI": "to_bic",
    "To/FIId/FinInstnId/ClrSysMmbId/MmbId": "to_member_id",
    "BizMsgIdr": "business_message_id",
    "MsgDefIdr": "message_definition_id",
    "BizSvc": "business_service",
    "CreDt": "creation_date",
    "Prty": "priority",
}
"""The head.001 AppHdr (every version): path below ``AppHdr`` -> AppHeader field."""


def iso_path_of(trie: Node, target: str) -> str | None:
    """The ISO path (relative to the scope) that fills ``target``, for error messages."""
    stack = [trie]
    while stack:
        node = stack.pop()
        if node.target == target:
            return node.path
        stack.extend(node.children.values())
    return None
