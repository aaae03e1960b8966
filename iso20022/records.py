"""The canonical normalized records: one :class:`Transfer` per transaction.

A ``Transfer`` carries what a settlement system or a ledger needs without going
back to the XML: the message header (shared by every transfer of a message),
the payment information block (pain only), ids, money, parties, accounts,
agents, purpose, regulatory reporting, remittance and the source location.

Two vocabularies are kept apart: ISO tags live in the parser tables
(:mod:`iso20022.parse.tables`); records speak plain snake_case English, and
each field's comment names the ISO element it comes from (paths relative to
the transaction, ``CdtTrfTxInf`` / its ``PmtInf`` / ``GrpHdr``).

Records are immutable and slotted.  Money is ``Decimal`` plus an ISO 4217 code,
never a float.  A value that is absent in the message is ``None`` (or an empty
tuple for repeated elements).

The JSON form (see :mod:`iso20022.jsonio`) is documented by
``iso20022/transfer.schema.json``, generated from these definitions.

Example:
    >>> Money(Decimal("10.50"), "EUR").amount
    Decimal('10.50')
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "Account",
    "Agent",
    "AppHeader",
    "Charge",
    "GenericId",
    "MessageHeader",
    "Money",
    "Party",
    "PaymentInformation",
    "PostalAddress",
    "RegulatoryReport",
    "Source",
    "Transfer",
]

_RECORD = {"frozen": True, "slots": True, "kw_only": True}


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in an ISO 4217 currency (``...Amt`` with its ``Ccy`` attribute)."""

    amount: Decimal
    currency: str


@dataclass(**_RECORD)
class PostalAddress:
    """``PstlAdr``: structured fields and/or up to seven unstructured ``AdrLine``."""

    address_type: str | None = None  # AdrTp/Cd
    department: str | None = None  # Dept
    sub_department: str | None = None  # SubDept
    street_name: str | None = None  # StrtNm
    building_number: str | None = None  # BldgNb
    building_name: str | None = None  # BldgNm
    floor: str | None = None  # Flr
    post_box: str | None = None  # PstBx
    room: str | None = None  # Room
    post_code: str | None = None  # PstCd
    town_name: str | None = None  # TwnNm
    town_location_name: str | None = None  # TwnLctnNm
    district_name: str | None = None  # DstrctNm
    country_sub_division: str | None = None  # CtrySubDvsn
    country: str | None = None  # Ctry
    address_lines: tuple[str, ...] = ()  # AdrLine


@dataclass(**_RECORD)
class GenericId:
    """``Othr``: an identification with its scheme (code or proprietary) and issuer."""

    id: str  # Id
    scheme_code: str | None = None  # SchmeNm/Cd
    scheme_proprietary: str | None = None  # SchmeNm/Prtry
    issuer: str | None = None  # Issr


@dataclass(**_RECORD)
class Party:
    """A party (``Dbtr``, ``Cdtr``, ``UltmtDbtr``, ``UltmtCdtr``, ``InitgPty``)."""

    name: str | None = None  # Nm
    postal_address: PostalAddress | None = None  # PstlAdr
    organisation_bic: str | None = None  # Id/OrgId/AnyBIC (BICOrBEI before 2013)
    organisation_lei: str | None = None  # Id/OrgId/LEI
    organisation_ids: tuple[GenericId, ...] = ()  # Id/OrgId/Othr
    birth_date: date | None = None  # Id/PrvtId/DtAndPlcOfBirth/BirthDt
    birth_city: str | None = None  # Id/PrvtId/DtAndPlcOfBirth/CityOfBirth
    birth_country: str | None = None  # Id/PrvtId/DtAndPlcOfBirth/CtryOfBirth
    private_ids: tuple[GenericId, ...] = ()  # Id/PrvtId/Othr
    country_of_residence: str | None = None  # CtryOfRes


@dataclass(**_RECORD)
class Account:
    """A cash account (``DbtrAcct``, ``CdtrAcct``): IBAN or another id with its scheme."""

    iban: str | None = None  # Id/IBAN
    other_id: GenericId | None = None  # Id/Othr
    type_code: str | None = None  # Tp/Cd
    currency: str | None = None  # Ccy
    name: str | None = None  # Nm
    proxy: str | None = None  # Prxy/Id


@dataclass(**_RECORD)
class Agent:
    """A financial institution (``DbtrAgt``, ``CdtrAgt``, ``IntrmyAgt1``, ``InstgAgt``...)."""

    bic: str | None = None  # FinInstnId/BICFI (BIC before 2013)
    clearing_system_code: str | None = None  # FinInstnId/ClrSysMmbId/ClrSysId/Cd
    clearing_system_proprietary: str | None = None  # FinInstnId/ClrSysMmbId/ClrSysId/Prtry
    member_id: str | None = None  # FinInstnId/ClrSysMmbId/MmbId
    lei: str | None = None  # FinInstnId/LEI
    name: str | None = None  # FinInstnId/Nm
    postal_address: PostalAddress | None = None  # FinInstnId/PstlAdr
    other_id: str | None = None  # FinInstnId/Othr/Id
    branch_id: str | None = None  # BrnchId/Id


@dataclass(**_RECORD)
class AppHeader:
    """The head.001 Business Application Header (``AppHdr``) around the Document."""

    header_type: str  # the head.001 version of the AppHdr namespace, e.g. head.001.001.02
    from_bic: str | None = None  # Fr/FIId/FinInstnId/BICFI
    from_member_id: str | None = None  # Fr/FIId/FinInstnId/ClrSysMmbId/MmbId
    to_bic: str | None = None  # To/FIId/FinInstnId/BICFI
    to_member_id: str | None = None  # To/FIId/FinInstnId/ClrSysMmbId/MmbId
    business_message_id: str | None = None  # BizMsgIdr
    message_definition_id: str | None = None  # MsgDefIdr
    business_service: str | None = None  # BizSvc
    creation_date: datetime | None = None  # CreDt
    priority: str | None = None  # Prty


@dataclass(**_RECORD)
class MessageHeader:
    """Message-level data (``GrpHdr`` and AppHdr), shared by all transfers of one message."""

    message_type: str  # the Document namespace's message id, e.g. pacs.008.001.08
    message_id: str  # GrpHdr/MsgId
    creation_date_time: datetime  # GrpHdr/CreDtTm
    number_of_transactions: int  # GrpHdr/NbOfTxs
    control_sum: Decimal | None = None  # GrpHdr/CtrlSum
    batch_booking: bool | None = None  # GrpHdr/BtchBookg (pacs)
    total_interbank_settlement_amount: Money | None = None  # GrpHdr/TtlIntrBkSttlmAmt
    interbank_settlement_date: date | None = None  # GrpHdr/IntrBkSttlmDt
    settlement_method: str | None = None  # GrpHdr/SttlmInf/SttlmMtd (INDA, INGA, COVE, CLRG)
    clearing_system_code: str | None = None  # GrpHdr/SttlmInf/ClrSys/Cd
    clearing_system_proprietary: str | None = None  # GrpHdr/SttlmInf/ClrSys/Prtry
    settlement_account: Account | None = None  # GrpHdr/SttlmInf/SttlmAcct
    initiating_party: Party | None = None  # GrpHdr/InitgPty (pain)
    instructing_agent: Agent | None = None  # GrpHdr/InstgAgt (pacs)
    instructed_agent: Agent | None = None  # GrpHdr/InstdAgt (pacs)
    app_header: AppHeader | None = None  # AppHdr, when the message was enveloped


@dataclass(**_RECORD)
class PaymentInformation:
    """A pain payment information block (``PmtInf``) as a whole."""

    payment_information_id: str  # PmtInfId
    payment_method: str  # PmtMtd (TRF, CHK, TRA)
    batch_booking: bool | None = None  # BtchBookg
    number_of_transactions: int | None = None  # NbOfTxs
    control_sum: Decimal | None = None  # CtrlSum
    requested_execution_date: date | None = None  # ReqdExctnDt (or ReqdExctnDt/Dt)
    requested_execution_date_time: datetime | None = None  # ReqdExctnDt/DtTm
    index: int = 0  # 1-based position of this PmtInf in the message


@dataclass(**_RECORD)
class Charge:
    """``ChrgsInf``: a charge amount and the agent that took it."""

    amount: Money  # Amt
    agent: Agent | None = None  # Agt


@dataclass(**_RECORD)
class RegulatoryReport:
    """``RgltryRptg``: debit/credit indicator, authority country and details."""

    indicator: str | None = None  # DbtCdtRptgInd
    authority_country: str | None = None  # Authrty/Ctry
    authority_name: str | None = None  # Authrty/Nm
    code: str | None = None  # Dtls/Cd
    country: str | None = None  # Dtls/Ctry
    information: tuple[str, ...] = ()  # Dtls/Inf


@dataclass(**_RECORD)
class Source:
    """Where a transfer came from, for error reports and audit."""

    file: str | None = None  # the file name, when parsed from a path
    index: int = 0  # 0-based position of the transaction in the message
    line: int | None = None  # line of the transaction's start tag


@dataclass(**_RECORD)
class Transfer:
    """One transaction (``CdtTrfTxInf``) with everything needed to settle it.

    ``amount`` is the amount to move: ``IntrBkSttlmAmt`` for pacs, ``Amt/InstdAmt``
    (or ``Amt/EqvtAmt/Amt``) for pain.  Values given at the ``PmtInf`` or
    ``GrpHdr`` level and not overridden by the transaction (debtor, payment type,
    charge bearer, settlement date, agents) are resolved onto the transfer.
    """

    message: MessageHeader
    amount: Money
    end_to_end_id: str  # PmtId/EndToEndId
    payment: PaymentInformation | None = None  # the enclosing PmtInf (pain)
    instruction_id: str | None = None  # PmtId/InstrId
    transaction_id: str | None = None  # PmtId/TxId
    uetr: str | None = None  # PmtId/UETR
    clearing_system_reference: str | None = None  # PmtId/ClrSysRef
    instructed_amount: Money | None = None  # InstdAmt (pacs) / Amt/InstdAmt (pain)
    equivalent_amount: Money | None = None  # Amt/EqvtAmt/Amt (pain)
    currency_of_transfer: str | None = None  # Amt/EqvtAmt/CcyOfTrf (pain)
    interbank_settlement_amount: Money | None = None  # IntrBkSttlmAmt (pacs)
    interbank_settlement_date: date | None = None  # IntrBkSttlmDt (or GrpHdr/IntrBkSttlmDt)
    exchange_rate: Decimal | None = None  # XchgRate (or XchgRateInf/XchgRate in pain)
    charge_bearer: str | None = None  # ChrgBr (DEBT, CRED, SHAR, SLEV)
    charges: tuple[Charge, ...] = ()  # ChrgsInf
    instruction_priority: str | None = None  # PmtTpInf/InstrPrty
    service_level: str | None = None  # PmtTpInf/SvcLvl/Cd
    service_level_proprietary: str | None = None  # PmtTpInf/SvcLvl/Prtry
    local_instrument: str | None = None  # PmtTpInf/LclInstrm/Cd
    local_instrument_proprietary: str | None = None  # PmtTpInf/LclInstrm/Prtry
    category_purpose: str | None = None  # PmtTpInf/CtgyPurp/Cd
    category_purpose_proprietary: str | None = None  # PmtTpInf/CtgyPurp/Prtry
    clearing_channel: str | None = None  # PmtTpInf/ClrChanl (pacs)
    debtor: Party | None = None  # Dbtr
    debtor_account: Account | None = None  # DbtrAcct
    debtor_agent: Agent | None = None  # DbtrAgt
    creditor: Party | None = None  # Cdtr
    creditor_account: Account | None = None  # CdtrAcct
    creditor_agent: Agent | None = None  # CdtrAgt
    ultimate_debtor: Party | None = None  # UltmtDbtr
    ultimate_creditor: Party | None = None  # UltmtCdtr
    instructing_agent: Agent | None = None  # InstgAgt (or GrpHdr/InstgAgt)
    instructed_agent: Agent | None = None  # InstdAgt (or GrpHdr/InstdAgt)
    intermediary_agents: tuple[Agent, ...] = ()  # IntrmyAgt1, IntrmyAgt2, IntrmyAgt3
    purpose: str | None = None  # Purp/Cd
    purpose_proprietary: str | None = None  # Purp/Prtry
    regulatory_reporting: tuple[RegulatoryReport, ...] = ()  # RgltryRptg/...
    remittance_unstructured: tuple[str, ...] = ()  # RmtInf/Ustrd
    creditor_reference: str | None = None  # RmtInf/Strd/CdtrRefInf/Ref
    creditor_reference_type: str | None = None  # RmtInf/Strd/CdtrRefInf/Tp/CdOrPrtry/Cd
    source: Source = field(default_factory=Source)

    def to_json(self) -> bytes:
        """This transfer as JSON bytes (the documented contract). Example: ``t.to_json()``."""
        from .jsonio import to_json

        return to_json(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> Transfer:
        """A transfer from :meth:`to_json` output; raises ``RecordDecodeError``."""
        from .jsonio import from_json

        return from_json(data, cls)


def required_fields(cls: type) -> tuple[str, ...]:
    """The fields of record class ``cls`` that have no default, in definition order."""
    return tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
