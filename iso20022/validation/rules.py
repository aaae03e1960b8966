"""Business rules: one table of named rules, each with its ISO reason code.

A rule is data (name, ExternalStatusReason1Code, level, one-line
description) plus a check.  Transaction rules look at one
:class:`~iso20022.records.Transfer` and yield ``(path, text)`` findings, the
path relative to the transaction element (``CdtrAcct/Id/IBAN``).  Message and
payment rules (counts, control sums, duplicates) need the whole message and
live in the engine (:mod:`iso20022.validation.engine`), which still names them
here so that every code the package reports is in this one table.

Rule sets (:data:`RULE_SETS`) are lists of rule names: ``generic``,
``sepa`` (EPC SEPA Credit Transfer) and ``cbpr`` (SWIFT CBPR+).

Example:
    >>> RULES["iban"].code
    'AC01'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from .. import _impl
from ..records import Account, Agent, Party, PostalAddress, Transfer
from .identifiers import (
    UUID4,
    bic_problem,
    currency_exponent,
    currency_exponents,
    iban_problem,
    is_currency,
)

__all__ = ["RULES", "RULE_SETS", "Rule", "RuleOptions", "Screen", "screen"]

Finding = tuple[str, str]  # (path relative to the transaction element, text)
Check = Callable[[Transfer, "RuleOptions"], Iterator[Finding]]


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleOptions:
    """The configurable parts of the rules.

    ``today``: the processing date for the date rules (default: the
    message's creation date, so a file's verdict does not change with the day
    it is re-validated).  ``max_days_back`` / ``max_days_ahead``: how far
    before / after that date an execution or settlement date may be.
    ``max_amounts``: the largest accepted amount per currency;
    ``max_amount``: for currencies not listed (None: no limit).
    """

    today: date | None = None
    max_days_back: int = 0
    max_days_ahead: int = 365
    max_amounts: Mapping[str, Decimal] = field(default_factory=dict)
    max_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One named business rule."""

    name: str
    code: str  # ExternalStatusReason1Code
    level: Literal["message", "payment", "transaction"]
    description: str
    check: Check | None = None  # transaction rules only


# -- transaction checks ----------------------------------------------------------------

_ACCOUNTS = (("debtor_account", "DbtrAcct"), ("creditor_account", "CdtrAcct"))
_AGENTS = (("debtor_agent", "DbtrAgt"), ("creditor_agent", "CdtrAgt"),
           ("instructing_agent", "InstgAgt"), ("instructed_agent", "InstdAgt"))
_PARTIES = (("debtor", "Dbtr"), ("creditor", "Cdtr"), ("ultimate_debtor", "UltmtDbtr"),
            ("ultimate_creditor", "UltmtCdtr"))
_AMOUNT_PATH = {"pain": "Amt/InstdAmt", "pacs": "IntrBkSttlmAmt"}
# EPC SEPA character set (EPC217-08): Latin letters, digits and / - ? : ( ) . , ' + space.
_LATIN = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")


def _amount_path(t: Transfer) -> str:
    return _AMOUNT_PATH.get(t.message.message_type[:4], "Amt")


def _iban(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    for attr, tag in _ACCOUNTS:
        account: Account | None = getattr(t, attr)
        if account is not None and account.iban is not None:
            problem = iban_problem(account.iban)
            if problem is not None:
                yield f"{tag}/Id/IBAN", f"IBAN {account.iban}: {problem}"


def _bic(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    for attr, tag in _AGENTS:
        agent: Agent | None = getattr(t, attr)
        if agent is not None and agent.bic is not None:
            problem = bic_problem(agent.bic)
            if problem is not None:
                yield f"{tag}/FinInstnId/BICFI", f"BIC {agent.bic}: {problem}"


def _bic_iban_country(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    pairs = (("debtor_account", "debtor_agent", "DbtrAgt"),
             ("creditor_account", "creditor_agent", "CdtrAgt"))
    for account_attr, agent_attr, tag in pairs:
        account: Account | None = getattr(t, account_attr)
        agent: Agent | None = getattr(t, agent_attr)
        if account is None or agent is None or not account.iban or not agent.bic:
            continue
        if bic_problem(agent.bic) is not None or iban_problem(account.iban) is not None:
            continue  # reported by the form rules
        iban_cc, bic_cc = account.iban[:2], agent.bic[4:6]
        if _sepa_country(iban_cc) != _sepa_country(bic_cc):
            yield (f"{tag}/FinInstnId/BICFI",
                   f"BIC {agent.bic} ({bic_cc}) does not match the IBAN country {iban_cc}")


# French overseas departments and Monaco use FR-registered BICs or their own
# codes interchangeably; EPC treats them as one SEPA country for this check.
_SAME_AS = {"GF": "FR", "GP": "FR", "MQ": "FR", "RE": "FR", "YT": "FR", "PM": "FR",
            "BL": "FR", "MF": "FR", "MC": "FR"}


def _sepa_country(cc: str) -> str:
    return _SAME_AS.get(cc, cc)


def _monies(t: Transfer) -> Iterator[tuple[str, Decimal, str]]:
    yield _amount_path(t), t.amount.amount, t.amount.currency
    for attr, path in (("instructed_amount", "InstdAmt"), ("equivalent_amount", "Amt/EqvtAmt/Amt"),
                       ("interbank_settlement_amount", "IntrBkSttlmAmt")):
        money = getattr(t, attr)
        if money is not None and money is not t.amount and path != _amount_path(t):
            yield path, money.amount, money.currency
    for k, charge in enumerate(t.charges, 1):
        yield f"ChrgsInf[{k}]/Amt", charge.amount.amount, charge.amount.currency


def _currency(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    for path, _, ccy in _monies(t):
        if not is_currency(ccy):
            yield f"{path}/@Ccy", f"{ccy} is not an ISO 4217 currency code"


def _decimals(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    for path, amount, ccy in _monies(t):
        allowed = currency_exponent(ccy)
        if allowed is None or not amount.is_finite():
            continue
        exponent = amount.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if places > allowed:
            yield path, f"{amount} {ccy} has {places} decimals; {ccy} allows {allowed}"


def _positive(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    if t.amount.amount <= 0:
        yield _amount_path(t), f"amount {t.amount.amount} {t.amount.currency} is not above zero"


def _amount_limit(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    limit = o.max_amounts.get(t.amount.currency, o.max_amount)
    if limit is not None and t.amount.amount > limit:
        yield (_amount_path(t),
               f"amount {t.amount.amount} {t.amount.currency} exceeds the limit of {limit}")


def _dates(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    today = o.today or t.message.creation_date_time.date()
    payment = t.payment
    candidates: list[tuple[str, date]] = []
    if payment is not None and payment.requested_execution_date is not None:
        candidates.append(("../ReqdExctnDt", payment.requested_execution_date))
    if payment is not None and payment.requested_execution_date_time is not None:
        candidates.append(("../ReqdExctnDt/DtTm", payment.requested_execution_date_time.date()))
    if t.interbank_settlement_date is not None:
        candidates.append(("IntrBkSttlmDt", t.interbank_settlement_date))
    for path, when in candidates:
        days = (when - today).days
        if days < -o.max_days_back:
            yield path, f"date {when} is {-days} days before {today}"
        elif days > o.max_days_ahead:
            yield path, f"date {when} is {days} days after {today} (over {o.max_days_ahead})"


def _uetr_form(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    if t.uetr is not None and not UUID4.fullmatch(t.uetr):
        yield "PmtId/UETR", f"UETR {t.uetr!r} is not a lower-case UUID version 4"


def _uetr_required(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    if t.uetr is None:
        yield "PmtId/UETR", "UETR is mandatory"


def _eur_only(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    if t.amount.currency != "EUR":
        yield _amount_path(t), f"SEPA credit transfers are in EUR, not {t.amount.currency}"


def _slev(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    if t.charge_bearer is not None and t.charge_bearer != "SLEV":
        yield "ChrgBr", f"charge bearer {t.charge_bearer}: SEPA requires SLEV"


def _iban_required(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    for attr, tag in _ACCOUNTS:
        account: Account | None = getattr(t, attr)
        if account is None or account.iban is None:
            yield f"{tag}/Id/IBAN", f"{tag}: SEPA requires an IBAN"


def _remittance(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    if len(t.remittance_unstructured) > 1:
        yield "RmtInf/Ustrd[2]", "SEPA allows one unstructured remittance line"
    for line in t.remittance_unstructured:
        if len(line) > 140:
            yield "RmtInf/Ustrd", f"unstructured remittance of {len(line)} characters (max 140)"


def _latin(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    texts: list[tuple[str, str | None]] = [("PmtId/EndToEndId", t.end_to_end_id)]
    for attr, tag in _PARTIES:
        party: Party | None = getattr(t, attr)
        if party is not None:
            texts.append((f"{tag}/Nm", party.name))
    texts.extend(("RmtInf/Ustrd", line) for line in t.remittance_unstructured)
    for path, text in texts:
        if text is not None and not _LATIN.fullmatch(text):
            bad = sorted({c for c in text if not _LATIN.fullmatch(c)})
            yield path, f"characters outside the SEPA Latin set: {''.join(bad)!r}"


def _structured_address(t: Transfer, o: RuleOptions) -> Iterator[Finding]:
    places: list[tuple[str, PostalAddress | None]] = []
    for attr, tag in _PARTIES:
        party: Party | None = getattr(t, attr)
        if party is not None:
            places.append((f"{tag}/PstlAdr", party.postal_address))
    for attr, tag in _AGENTS:
        agent: Agent | None = getattr(t, attr)
        if agent is not None:
            places.append((f"{tag}/FinInstnId/PstlAdr", agent.postal_address))
    for path, address in places:
        if address is None:
            continue
        if not address.town_name or not address.country:
            yield path, "CBPR+ needs a structured or hybrid address (TwnNm and Ctry)"
        elif len(address.address_lines) > 2:
            yield path, "a hybrid address has at most 2 AdrLine"


# -- screens ---------------------------------------------------------------------------
#
# A screen answers "does this transfer certainly pass these rules?" fast, so
# that the checks run only on the transfers it does not pass (see
# iso20022/validation/_screen_py.py, and ext/screen.pyx for the compiled twin).

Screen = Callable[[Transfer], bool]


_GENERIC_SCREENED = frozenset(("iban", "bic", "currency", "currency-decimals", "amount.positive",
                               "amount.limit", "dates", "uetr.form"))


def screen(names: Iterable[str], options: RuleOptions) -> tuple[Screen | None, frozenset[str]]:
    """A screen for the transaction rules ``names``, and the rules it stands for.

    ``(None, frozenset())`` when none of them is screened.  Built per run:
    it remembers the identifiers it found good.
    """
    if set(names) >= _GENERIC_SCREENED:
        passes = _impl.screen.generic_screen(options, currency_exponents(), iban_problem,
                                             bic_problem)
        return passes, _GENERIC_SCREENED
    return None, frozenset()


# -- the table -------------------------------------------------------------------------

_TABLE: tuple[Rule, ...] = (
    # message and payment level: checked by the engine
    Rule("xsd", "FF01", "message", "the message is valid against its official XSD"),
    Rule("xml", "FF01", "message", "the file is a readable, well-formed ISO 20022 message"),
    Rule("message-id.unique", "DU01", "message",
         "MsgId not received before from the same sender (persistent store)"),
    Rule("group.number-of-transactions", "AM18", "message",
         "GrpHdr/NbOfTxs equals the number of transactions"),
    Rule("group.control-sum", "AM10", "message",
         "GrpHdr/CtrlSum equals the sum of the transaction amounts"),
    Rule("payment.number-of-transactions", "AM18", "payment",
         "PmtInf/NbOfTxs equals the number of its transactions"),
    Rule("payment.control-sum", "AM10", "payment",
         "PmtInf/CtrlSum equals the sum of its transaction amounts"),
    Rule("end-to-end-id.unique", "AM05", "transaction",
         "EndToEndId appears once in the file"),
    Rule("app-header.present", "CH21", "message", "an AppHdr (head.001) envelopes the message"),
    Rule("app-header.coherent", "CH16", "message",
         "AppHdr BizMsgIdr, MsgDefIdr, From and To agree with the Document"),
    Rule("app-header.business-service", "CH21", "message", "AppHdr BizSvc is present"),
    Rule("single-transaction", "AM18", "message", "one transaction per message"),
    # transaction level
    Rule("iban", "AC01", "transaction",
         "IBAN structure, country length, BBAN format and mod-97 check digits", _iban),
    Rule("bic", "RC01", "transaction", "agent BICs have the ISO 9362 form and a real country",
         _bic),
    Rule("bic-iban-country", "RC01", "transaction",
         "the agent BIC's country is the account IBAN's country", _bic_iban_country),
    Rule("currency", "AM03", "transaction", "currencies are ISO 4217 codes", _currency),
    Rule("currency-decimals", "AM12", "transaction",
         "amounts have no more decimals than their currency allows (JPY 0, KWD 3)", _decimals),
    Rule("amount.positive", "AM01", "transaction", "the amount is above zero", _positive),
    Rule("amount.limit", "AM02", "transaction",
         "the amount is within the configured limit for its currency", _amount_limit),
    Rule("dates", "DT01", "transaction",
         "execution / settlement date not in the past nor too far ahead", _dates),
    Rule("uetr.form", "CH16", "transaction", "a UETR is a lower-case UUID version 4",
         _uetr_form),
    Rule("uetr.required", "CH21", "transaction", "the UETR is present", _uetr_required),
    Rule("sepa.eur", "AM03", "transaction", "the currency is EUR", _eur_only),
    Rule("sepa.charges", "CH16", "transaction", "the charge bearer is SLEV", _slev),
    Rule("sepa.iban", "AC01", "transaction", "debtor and creditor accounts are IBANs",
         _iban_required),
    Rule("sepa.remittance", "CH16", "transaction",
         "at most one unstructured remittance line of at most 140 characters", _remittance),
    Rule("sepa.charset", "CH16", "transaction",
         "names, EndToEndId and remittance use the SEPA Latin character set", _latin),
    Rule("cbpr.address", "CH16", "transaction",
         "postal addresses are structured or hybrid (TwnNm and Ctry)", _structured_address),
)

RULES: dict[str, Rule] = {rule.name: rule for rule in _TABLE}

_GENERIC = ("xml", "xsd", "message-id.unique", "group.number-of-transactions",
            "group.control-sum", "payment.number-of-transactions", "payment.control-sum",
            "end-to-end-id.unique", "iban", "bic", "currency", "currency-decimals",
            "amount.positive", "amount.limit", "dates", "uetr.form")

RULE_SETS: dict[str, tuple[str, ...]] = {
    "none": ("xml", "xsd"),
    "generic": _GENERIC,
    "sepa": (*_GENERIC, "bic-iban-country", "sepa.eur", "sepa.charges", "sepa.iban",
             "sepa.remittance", "sepa.charset"),
    "cbpr": (*_GENERIC, "uetr.required", "app-header.present", "app-header.coherent",
             "app-header.business-service", "single-transaction", "cbpr.address"),
}
