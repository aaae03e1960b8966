"""The generic rule screen (pure-Python twin of ``iso20022._speedups.screen``).

Most transactions break no rule, and running every check of a set on each of
them (a generator per rule, the paths and texts of findings that never come)
costs more than parsing the transaction.  A screen answers one question fast:
"does this transfer certainly pass these rules?".  It may say no when in
doubt (the checks then run and find whatever they find), never yes when a
check would report something; tests/test_validate_screen.py holds both
implementations to that, and to giving the same answers.

Contract (both implementations): ``generic_screen(options, currencies,
iban_problem, bic_problem)`` returns a callable ``passes(transfer) -> bool``
for the generic transaction rules (``iban``, ``bic``, ``currency``,
``currency-decimals``, ``amount.positive``, ``amount.limit``, ``dates``,
``uetr.form``).  ``currencies`` maps each ISO 4217 code to the decimals it
allows (None: not applicable); ``iban_problem`` / ``bic_problem`` are the
identifier checks (None when good).  Identifiers found good are remembered
(files repeat debtor accounts and agents), at most :data:`GOOD_MAX` of each;
the date window is worked out once per message and the execution date once
per PmtInf.  Built per run, never shared between runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ..records import Money, Transfer
from .identifiers import UUID4

if TYPE_CHECKING:
    from .rules import RuleOptions

__all__ = ["GOOD_MAX", "generic_screen"]

GOOD_MAX = 65536
"""Distinct identifiers (IBANs, BICs) remembered as good, per run."""

_ZERO = Decimal(0)
_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(10)}  # 0 -> 1, 2 -> 0.01


def generic_screen(options: RuleOptions, currencies: Mapping[str, int | None],
                   iban_problem: Callable[[str], str | None],
                   bic_problem: Callable[[str], str | None]) -> Callable[[Transfer], bool]:
    """``passes(transfer)``: True only when no generic transaction rule would report it."""
    o = options
    quantum = _QUANTUM
    # per currency, the quantum of an amount with exactly the decimals it allows
    quanta = {code: quantum[places] for code, places in currencies.items()
              if places is not None and places in quantum}
    good_ibans: set[str] = set()
    good_bics: set[str] = set()
    limits: Mapping[str, Decimal] = o.max_amounts
    default_limit: Decimal | None = o.max_amount
    no_limit = not limits and default_limit is None
    uuid4 = UUID4.fullmatch
    header: object = None  # the message the date window was worked out for
    earliest = latest = date.min
    payment_seen: object = None  # the PmtInf last screened, and whether its dates passed
    payment_dates_ok = False

    def remembered(good: set[str],
                   problem: Callable[[str], str | None]) -> Callable[[str], bool]:
        def ok(value: str) -> bool:
            if value in good:
                return True
            if problem(value) is not None:
                return False
            if len(good) >= GOOD_MAX:
                good.clear()
            good.add(value)
            return True
        return ok

    iban_ok = remembered(good_ibans, iban_problem)
    bic_ok = remembered(good_bics, bic_problem)

    def money_ok(money: Money) -> bool:
        allowed = currencies.get(money.currency, -1)
        if allowed is None:  # a currency without minor units (XAU, XXX): no decimals rule
            return True
        if allowed < 0:  # not an ISO 4217 code
            return False
        amount = money.amount
        exact = quantum.get(allowed)
        if exact is not None and amount.same_quantum(exact):
            return True
        if not amount.is_finite():
            return True
        exponent = amount.as_tuple().exponent
        return not (isinstance(exponent, int) and -exponent > allowed)

    def in_window(t: Transfer, when: date) -> bool:
        nonlocal header, earliest, latest
        if header is not t.message:
            header = t.message
            today = o.today or t.message.creation_date_time.date()
            try:
                earliest = today - timedelta(days=o.max_days_back)
                latest = today + timedelta(days=o.max_days_ahead)
            except OverflowError:  # a window past the calendar: let the rule decide
                earliest, latest = date.max, date.min
        return earliest <= when <= latest

    def passes(t: Transfer) -> bool:
        nonlocal payment_seen, payment_dates_ok
        # The common case inline (an identifier already found good, an amount with
        # exactly its currency's decimals); anything else goes to the helpers.
        for account in (t.debtor_account, t.creditor_account):
            if account is not None:
                iban = account.iban
                if iban is not None and iban not in good_ibans and not iban_ok(iban):
                    return False
        for agent in (t.debtor_agent, t.creditor_agent, t.instructing_agent,
                      t.instructed_agent):
            if agent is not None:
                bic = agent.bic
                if bic is not None and bic not in good_bics and not bic_ok(bic):
                    return False
        money = t.amount
        amount = money.amount
        exact = quanta.get(money.currency)
        if not (exact is not None and amount.same_quantum(exact)) and not money_ok(money):
            return False
        if not amount > _ZERO:
            return False
        if not no_limit:
            limit = limits.get(money.currency, default_limit)
            if limit is not None and amount > limit:
                return False
        other = t.instructed_amount
        if other is not None and other is not money and not money_ok(other):
            return False
        other = t.equivalent_amount
        if other is not None and other is not money and not money_ok(other):
            return False
        other = t.interbank_settlement_amount
        if other is not None and other is not money and not money_ok(other):
            return False
        for charge in t.charges:
            if not money_ok(charge.amount):
                return False
        payment = t.payment
        if payment is not None:
            if payment is not payment_seen:
                when = payment.requested_execution_date
                moment = payment.requested_execution_date_time
                payment_dates_ok = (when is None or in_window(t, when)) and (
                    moment is None or in_window(t, moment.date()))
                payment_seen = payment
            if not payment_dates_ok:
                return False
        settlement = t.interbank_settlement_date
        if settlement is not None and not in_window(t, settlement):
            return False
        uetr = t.uetr
        return uetr is None or uuid4(uetr) is not None

    return passes
