"""Verdicts: what validation concluded, per message, payment and transaction.

A verdict is exactly what a status report (pain.002 / pacs.002) says:
every :class:`Issue` found (reason code, rule, element path, line, text) at
the level it belongs to, and a status per level derived from them:

- a transaction with an issue is ``RJCT``; otherwise it is accepted;
- a payment information block is ``RJCT`` when it has an issue of its own or
  every one of its transactions is rejected, ``PART`` when some are;
- a message (the group status) is ``RJCT`` when it has an issue of its own
  (schema, group NbOfTxs / CtrlSum, duplicate MsgId, unreadable) or every
  transaction is rejected, ``PART`` when some are, and otherwise ``ACCP``
  when business rules ran or ``ACTC`` when only technical checks did.

Only rejected transactions are kept (with their ids and issues); accepted
ones are counted.  That keeps a verdict small on a file of a million
transactions, and it is what a PART report lists.

Example:
    >>> Issue(code="AM05", rule="end-to-end-id.unique", text="duplicate").code
    'AM05'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ..records import Money

__all__ = [
    "Issue",
    "MessageVerdict",
    "PaymentVerdict",
    "Status",
    "TransactionVerdict",
]


class Status(StrEnum):
    """ExternalPaymentGroupStatus1Code / ExternalPaymentTransactionStatus1Code values used."""

    ACCP = "ACCP"  # AcceptedCustomerProfile: technical and business checks passed
    ACTC = "ACTC"  # AcceptedTechnicalValidation: syntax and schema passed
    PART = "PART"  # PartiallyAccepted: some transactions rejected
    RJCT = "RJCT"  # Rejected


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """One finding: ISO reason code, the rule's name, where, and what."""

    code: str  # ExternalStatusReason1Code, see iso20022.reasons
    rule: str  # the rule's name in the rule table, e.g. "iban.checksum"
    text: str  # one line for a human
    path: str | None = None  # /Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[3]/CdtrAcct/Id/IBAN
    line: int | None = None
    column: int | None = None  # 1-based, in bytes, where known (schema and syntax errors)

    def as_dict(self) -> dict[str, Any]:
        """The issue as plain JSON-able values, absent ones omitted."""
        out: dict[str, Any] = {"code": self.code, "rule": self.rule, "text": self.text}
        for name in ("path", "line", "column"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionVerdict:
    """A rejected transaction: its original ids, amount and every issue found."""

    index: int  # 0-based position of the transaction in the message
    payment_index: int | None  # 1-based PmtInf it belongs to (pain), else None
    key: str  # iso20022.keys.transfer_key
    end_to_end_id: str
    instruction_id: str | None = None
    transaction_id: str | None = None
    uetr: str | None = None
    amount: Money | None = None
    line: int | None = None
    issues: tuple[Issue, ...] = ()

    @property
    def status(self) -> Status:
        return Status.RJCT if self.issues else Status.ACCP

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": str(self.status)}
        for name in ("payment_index", "end_to_end_id", "instruction_id", "transaction_id",
                     "uetr", "line"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out["key"] = self.key
        if self.amount is not None:
            out["amount"] = {"amount": str(self.amount.amount), "currency": self.amount.currency}
        out["issues"] = [issue.as_dict() for issue in self.issues]
        return out


def accepted_status_for(rules: str) -> Status:
    """How an accepted message is reported: ACTC after schema checks only, else ACCP."""
    return Status.ACTC if rules == "none" else Status.ACCP


def _derive(own_issues: bool, seen: int, rejected: int, accepted: Status) -> Status:
    if own_issues or rejected >= seen:
        return Status.RJCT
    if rejected:
        return Status.PART
    return accepted


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentVerdict:
    """One PmtInf block (pain.001): its own issues and its rejected transactions."""

    payment_information_id: str
    index: int  # 1-based position in the message
    number_of_transactions: int | None = None  # as declared (NbOfTxs)
    control_sum: Decimal | None = None  # as declared (CtrlSum)
    transactions_seen: int = 0
    issues: tuple[Issue, ...] = ()  # PmtInf-level (AM18, AM10, DU02, ...)
    rejected: tuple[TransactionVerdict, ...] = ()
    accepted_status: Status = Status.ACCP

    @property
    def status(self) -> Status:
        return _derive(bool(self.issues), self.transactions_seen, len(self.rejected),
                       self.accepted_status)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "payment_information_id": self.payment_information_id,
            "index": self.index,
            "status": str(self.status),
            "transactions_seen": self.transactions_seen,
        }
        if self.number_of_transactions is not None:
            out["number_of_transactions"] = self.number_of_transactions
        if self.control_sum is not None:
            out["control_sum"] = str(self.control_sum)
        out["issues"] = [issue.as_dict() for issue in self.issues]
        out["rejected"] = [tx.index for tx in self.rejected]
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageVerdict:
    """Everything validation concluded about one message (one file).

    ``message_type`` and ``message_id`` are ``None`` only when the input could
    not be read far enough to know them (then ``issues`` says why, FF01).
    """

    file: str | None = None
    rules: str = "generic"  # the rule set applied ("none" for schema only)
    message_type: str | None = None  # e.g. pain.001.001.09
    message_id: str | None = None  # GrpHdr/MsgId
    creation_date_time: datetime | None = None  # GrpHdr/CreDtTm
    sender: str = ""  # iso20022.keys.sender_of
    business_message_id: str | None = None  # AppHdr/BizMsgIdr, when enveloped
    number_of_transactions: int | None = None  # as declared (GrpHdr/NbOfTxs)
    control_sum: Decimal | None = None  # as declared (GrpHdr/CtrlSum)
    transactions_seen: int = 0
    # transactions rejected at any level (their own issues, or their PmtInf's);
    # at least len(rejected)
    transactions_rejected: int = 0
    issues: tuple[Issue, ...] = ()  # message-level (FF01, AM18, AM10, DU01, ...)
    payments: tuple[PaymentVerdict, ...] = ()  # pain.001 only
    rejected: tuple[TransactionVerdict, ...] = ()  # every rejected transaction, in order
    accepted_amounts: tuple[Money, ...] = ()  # sum of accepted transactions per currency

    @property
    def accepted_status(self) -> Status:
        return accepted_status_for(self.rules)

    @property
    def status(self) -> Status:
        """The group status: ACCP / ACTC / PART / RJCT."""
        return _derive(bool(self.issues), self.transactions_seen,
                       max(len(self.rejected), self.transactions_rejected), self.accepted_status)

    @property
    def accepted(self) -> bool:
        """True when at least one transaction may go on (ACCP, ACTC or PART)."""
        return self.status is not Status.RJCT

    def all_issues(self) -> list[Issue]:
        """Every issue at every level, message first, in document order."""
        found = list(self.issues)
        for payment in self.payments:
            found.extend(payment.issues)
        for tx in self.rejected:
            found.extend(tx.issues)
        return found

    def as_dict(self) -> dict[str, Any]:
        """The verdict as plain JSON-able values (amounts as strings)."""
        out: dict[str, Any] = {"file": self.file, "rules": self.rules, "status": str(self.status)}
        for name in ("message_type", "message_id", "business_message_id",
                     "number_of_transactions"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.creation_date_time is not None:
            out["creation_date_time"] = self.creation_date_time.isoformat()
        if self.control_sum is not None:
            out["control_sum"] = str(self.control_sum)
        out["sender"] = self.sender
        out["transactions_seen"] = self.transactions_seen
        out["transactions_rejected"] = max(len(self.rejected), self.transactions_rejected)
        out["accepted_amounts"] = [
            {"amount": str(m.amount), "currency": m.currency} for m in self.accepted_amounts
        ]
        out["issues"] = [issue.as_dict() for issue in self.issues]
        out["payments"] = [p.as_dict() for p in self.payments]
        out["transactions"] = [tx.as_dict() for tx in self.rejected]
        return out
