"""ISO 20022 external status reason codes (ExternalStatusReason1Code).

One table, so that a code used anywhere in the package is a known code with a
name and a description, and so that status reports and error messages say the
same thing.  Codes from the ISO 20022 external code sets.

Example:
    >>> REASONS["AM10"].name
    'InvalidControlSum'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["REASONS", "Reason", "reason"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One ExternalStatusReason1Code entry."""

    code: str
    name: str
    description: str


_TABLE: Final = (
    ("AC01", "IncorrectAccountNumber", "Account number is invalid or missing."),
    ("AC03", "InvalidCreditorAccountNumber", "Wrong IBAN in SCT."),
    ("AC04", "ClosedAccountNumber", "Account number specified has been closed on the books."),
    ("AC06", "BlockedAccount", "Account specified is blocked, prohibiting posting."),
    ("AG01", "TransactionForbidden", "Transaction forbidden on this type of account."),
    ("AM01", "ZeroAmount", "Specified message amount is equal to zero."),
    ("AM02", "NotAllowedAmount", "Specified amount exceeds the maximum authorised amount."),
    ("AM03", "NotAllowedCurrency", "Specified message amount is in a non processable currency."),
    ("AM04", "InsufficientFunds", "Amount of funds available to cover the amount is insufficient."),
    ("AM05", "Duplication", "Duplication."),
    ("AM09", "WrongAmount", "Amount received is not the amount agreed or expected."),
    ("AM10", "InvalidControlSum", "Sum of instructed amounts does not equal the control sum."),
    ("AM12", "InvalidAmount", "Amount is invalid or missing."),
    (
        "AM18",
        "InvalidNumberOfTransactions",
        "Number of transactions is invalid or missing.",
    ),
    ("BE01", "InconsistentWithEndCustomer", "Identification of end customer is not consistent."),
    ("CH16", "ElementContentFormallyIncorrect", "Content is incorrect."),
    ("CH17", "ElementNotAdmitted", "Element is not admitted."),
    ("CH21", "RequiredCompulsoryElementMissing", "Mandatory element is missing."),
    ("DT01", "InvalidDate", "Invalid date (eg, wrong or missing settlement date)."),
    ("DU01", "DuplicateMessageID", "Message identification is not unique."),
    ("DU02", "DuplicatePaymentInformationID", "Payment information block is not unique."),
    ("DU05", "DuplicateInstructionID", "Instruction identification is not unique."),
    ("FF01", "InvalidFileFormat", "File format incomplete or invalid."),
    ("MS03", "NotSpecifiedReasonAgentGenerated", "Reason has not been specified by agent."),
    ("NARR", "Narrative", "Reason is provided as narrative information."),
    ("RC01", "BankIdentifierIncorrect", "Bank identifier code specified is invalid."),
    ("RF01", "NotUniqueTransactionReference", "Transaction reference is not unique."),
    (
        "TM01",
        "InvalidCutOffTime",
        "Associated message was received after agreed processing cut-off.",
    ),
)

REASONS: Final[dict[str, Reason]] = {code: Reason(code, n, d) for code, n, d in _TABLE}


def reason(code: str) -> Reason:
    """Return the table entry for ``code``; an unknown code is a programming error."""
    try:
        return REASONS[code]
    except KeyError:
        raise KeyError(f"unknown ExternalStatusReason1Code {code!r}") from None
