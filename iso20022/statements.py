"""Statement records: one :class:`StatementEntry` per booked entry of a camt.053 / camt.054.

A bank to customer statement (camt.053, ``Stmt``) or debit / credit
notification (camt.054, ``Ntfctn``) reports the entries (``Ntry``) booked on an
account.  The parsers stream one ``StatementEntry`` as each ``Ntry`` closes; it
carries the statement it belongs to (shared by every entry of that statement,
with the account and the balances, which the schema places before the entries)
and the message header (shared by every statement of the message).  An entry
booked for a batch carries one :class:`EntryDetails` per ``TxDtls``: the
references there (MsgId, PmtInfId, InstrId, EndToEndId, UETR, TxId) are what the
reconciliation matches against the ledger.

As in :mod:`iso20022.records`: records are immutable and slotted, money is
``Decimal`` plus an ISO 4217 code, absent values are ``None`` or ``()``, and each
field's comment names the ISO element (paths relative to ``Ntry``, ``TxDtls``,
``Stmt`` / ``Ntfctn`` or ``GrpHdr``).

Example:
    >>> Balance(type_code="CLBD", amount=Money(Decimal("5.00"), "EUR"),
    ...         credit_debit="DBIT", date=None).signed_amount
    Decimal('-5.00')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .records import Account, Agent, AppHeader, Money, Source

__all__ = [
    "Balance",
    "EntryCharge",
    "EntryDetails",
    "Statement",
    "StatementEntry",
    "StatementHeader",
]

_RECORD = {"frozen": True, "slots": True, "kw_only": True}


def _signed(amount: Decimal, credit_debit: str) -> Decimal:
    return amount if credit_debit == "CRDT" else -amount


@dataclass(**_RECORD)
class StatementHeader:
    """The message header of a camt.053 / camt.054 (``GrpHdr``)."""

    message_type: str  # the Document namespace's message id, e.g. camt.053.001.08
    message_id: str  # GrpHdr/MsgId
    creation_date_time: datetime  # GrpHdr/CreDtTm
    app_header: AppHeader | None = None  # AppHdr, when the message was enveloped


@dataclass(**_RECORD)
class Balance:
    """One balance of a statement (``Bal``)."""

    type_code: str | None  # Tp/CdOrPrtry/Cd: OPBD, CLBD, PRCD, ITBD, CLAV, ...
    amount: Money  # Amt (always positive; the sign is ``credit_debit``)
    credit_debit: str  # CdtDbtInd: CRDT or DBIT
    date: date | None  # Dt/Dt
    date_time: datetime | None = None  # Dt/DtTm
    type_proprietary: str | None = None  # Tp/CdOrPrtry/Prtry

    @property
    def signed_amount(self) -> Decimal:
        """The amount with its sign: negative for DBIT."""
        return _signed(self.amount.amount, self.credit_debit)


@dataclass(**_RECORD)
class Statement:
    """A statement (``Stmt``, camt.053) or notification (``Ntfctn``, camt.054)."""

    kind: str  # "statement" (Stmt) or "notification" (Ntfctn)
    statement_id: str  # Id
    account: Account  # Acct (Id/IBAN or Id/Othr, Ccy, Nm)
    creation_date_time: datetime | None = None  # CreDtTm
    electronic_sequence_number: int | None = None  # ElctrncSeqNb
    legal_sequence_number: int | None = None  # LglSeqNb
    from_date_time: datetime | None = None  # FrToDt/FrDtTm
    to_date_time: datetime | None = None  # FrToDt/ToDtTm
    account_owner_name: str | None = None  # Acct/Ownr/Nm
    account_servicer: Agent | None = None  # Acct/Svcr (FinInstnId/BIC or BICFI, ...)
    balances: tuple[Balance, ...] = ()  # Bal
    number_of_entries: int | None = None  # TxsSummry/TtlNtries/NbOfNtries
    index: int = 0  # 1-based position of this statement in the message

    def balance(self, type_code: str) -> Balance | None:
        """The first balance of ``type_code`` (``"OPBD"``, ``"CLBD"``), or None."""
        for balance in self.balances:
            if balance.type_code == type_code:
                return balance
        return None


@dataclass(**_RECORD)
class EntryCharge:
    """One charge of an entry: ``Ntry/Chrgs`` (2009, repeated) or ``Ntry/Chrgs/Rcrd``
    (2019+)."""

    amount: Money  # Amt
    credit_debit: str | None = None  # CdtDbtInd (DBIT: taken from the account)
    type_code: str | None = None  # Tp/Cd


@dataclass(**_RECORD)
class EntryDetails:
    """One transaction of an entry (``NtryDtls/TxDtls``) and its references."""

    message_id: str | None = None  # Refs/MsgId
    account_servicer_reference: str | None = None  # Refs/AcctSvcrRef
    payment_information_id: str | None = None  # Refs/PmtInfId
    instruction_id: str | None = None  # Refs/InstrId
    end_to_end_id: str | None = None  # Refs/EndToEndId
    uetr: str | None = None  # Refs/UETR
    transaction_id: str | None = None  # Refs/TxId
    amount: Money | None = None  # Amt (2013+) or AmtDtls/TxAmt/Amt
    instructed_amount: Money | None = None  # AmtDtls/InstdAmt/Amt
    credit_debit: str | None = None  # CdtDbtInd (2013+)
    charges_total: Money | None = None  # Chrgs/TtlChrgsAndTaxAmt (2013+)
    return_reason: str | None = None  # RtrInf/Rsn/Cd
    debtor_name: str | None = None  # RltdPties/Dbtr/Nm (or Dbtr/Pty/Nm, 2019+)
    debtor_iban: str | None = None  # RltdPties/DbtrAcct/Id/IBAN
    creditor_name: str | None = None  # RltdPties/Cdtr/Nm (or Cdtr/Pty/Nm, 2019+)
    creditor_iban: str | None = None  # RltdPties/CdtrAcct/Id/IBAN
    remittance_unstructured: tuple[str, ...] = ()  # RmtInf/Ustrd


@dataclass(**_RECORD)
class StatementEntry:
    """One entry (``Ntry``) of a statement, with the statement and header it belongs to."""

    message: StatementHeader
    statement: Statement
    amount: Money  # Amt (always positive; the sign is ``credit_debit``)
    credit_debit: str  # CdtDbtInd: CRDT or DBIT
    status: str  # Sts (2009) or Sts/Cd (2019+): BOOK, PDNG, INFO
    entry_reference: str | None = None  # NtryRef
    reversal: bool = False  # RvslInd
    booking_date: date | None = None  # BookgDt/Dt
    booking_date_time: datetime | None = None  # BookgDt/DtTm
    value_date: date | None = None  # ValDt/Dt
    value_date_time: datetime | None = None  # ValDt/DtTm
    account_servicer_reference: str | None = None  # AcctSvcrRef
    bank_transaction_domain: str | None = None  # BkTxCd/Domn/Cd, e.g. PMNT
    bank_transaction_family: str | None = None  # BkTxCd/Domn/Fmly/Cd, e.g. ICDT
    bank_transaction_sub_family: str | None = None  # BkTxCd/Domn/Fmly/SubFmlyCd, e.g. ESCT
    bank_transaction_proprietary: str | None = None  # BkTxCd/Prtry/Cd
    charges_total: Money | None = None  # Chrgs/TtlChrgsAndTaxAmt (2009: of the first Chrgs)
    charges: tuple[EntryCharge, ...] = ()  # Chrgs (2009) or Chrgs/Rcrd (2019+)
    batch_message_id: str | None = None  # NtryDtls/Btch/MsgId
    batch_payment_information_id: str | None = None  # NtryDtls/Btch/PmtInfId
    batch_number_of_transactions: int | None = None  # NtryDtls/Btch/NbOfTxs
    batch_total_amount: Money | None = None  # NtryDtls/Btch/TtlAmt
    details: tuple[EntryDetails, ...] = ()  # NtryDtls/TxDtls
    additional_info: str | None = None  # AddtlNtryInf
    source: Source = field(default_factory=Source)

    @property
    def signed_amount(self) -> Decimal:
        """The amount as it moves the balance: negative for DBIT.

        A reversal (``RvslInd`` true) is reported with the indicator of the
        entry it reverses flipped, so the indicator alone gives the sign.
        """
        return _signed(self.amount.amount, self.credit_debit)
