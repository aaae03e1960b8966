# cython: language_level=3
"""Compiled twin of ``iso20022/validation/_screen_py.py``: the generic rule screen.

Same contract as the twin (read its docstring): ``generic_screen(options,
currencies, iban_problem, bic_problem)`` returns ``passes(transfer) -> bool``,
True only when no generic transaction rule would report the transfer.  The
decisions are the twin's, step for step; what changes is the cost of asking.
In the twin every question is Python bytecode (about 2 us a transfer, a tenth
of validated ingestion); here the same attribute reads and set / dict
look-ups are C calls on the same objects, and the UETR form is checked on
the characters instead of by a regular expression.

Nothing is cached that the twin does not cache: identifiers found good (at
most ``GOOD_MAX`` of each, the set cleared when full, as the twin does), the
date window per message object, the execution-date answer per PmtInf object.
"""

from cpython.object cimport PyObject
from cpython.dict cimport PyDict_GetItem

from datetime import date, timedelta
from decimal import Decimal

GOOD_MAX = 65536
cdef Py_ssize_t _GOOD_MAX = GOOD_MAX

cdef object _ZERO = Decimal(0)
cdef dict _QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(10)}
cdef object _DATE_MIN = date.min
cdef object _DATE_MAX = date.max


cdef inline bint _hex(Py_UCS4 c) noexcept:
    return (c >= u'0' and c <= u'9') or (c >= u'a' and c <= u'f')


cdef bint _uuid4(str text):
    """``[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}``, whole."""
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    if len(text) != 36:
        return False
    for i in range(36):
        c = text[i]
        if i == 8 or i == 13 or i == 18 or i == 23:
            if c != u'-':
                return False
        elif i == 14:
            if c != u'4':
                return False
        elif i == 19:
            if not (c == u'8' or c == u'9' or c == u'a' or c == u'b'):
                return False
        elif not _hex(c):
            return False
    return True


cdef class GenericScreen:
    """The callable ``generic_screen`` returns (one per validation run)."""

    cdef object options
    cdef dict currencies        # code -> decimals allowed (None: not applicable)
    cdef dict quanta            # code -> Decimal quantum of exactly those decimals
    cdef object limits          # options.max_amounts (a Mapping)
    cdef object default_limit
    cdef bint no_limit
    cdef set good_ibans
    cdef set good_bics
    cdef object iban_problem
    cdef object bic_problem
    cdef object header          # the message the date window was worked out for
    cdef object earliest
    cdef object latest
    cdef object payment_seen    # the PmtInf last screened, and whether its dates passed
    cdef bint payment_dates_ok

    def __init__(self, options, currencies, iban_problem, bic_problem):
        self.options = options
        self.currencies = dict(currencies)
        self.quanta = {code: _QUANTUM[places] for code, places in self.currencies.items()
                       if places is not None and places in _QUANTUM}
        self.limits = options.max_amounts
        self.default_limit = options.max_amount
        self.no_limit = not self.limits and self.default_limit is None
        self.good_ibans = set()
        self.good_bics = set()
        self.iban_problem = iban_problem
        self.bic_problem = bic_problem
        self.header = None
        self.earliest = self.latest = _DATE_MIN
        self.payment_seen = None
        self.payment_dates_ok = False

    cdef bint _remembered(self, set good, object problem, str value) except -1:
        """Whether ``value`` has no ``problem``; good values are remembered in ``good``."""
        if value in good:
            return True
        if problem(value) is not None:
            return False
        if len(good) >= _GOOD_MAX:
            good.clear()
        good.add(value)
        return True

    cdef bint _account_ok(self, object account) except -1:
        if account is None:
            return True
        iban = account.iban
        return iban is None or self._remembered(self.good_ibans, self.iban_problem, iban)

    cdef bint _agent_ok(self, object agent) except -1:
        if agent is None:
            return True
        bic = agent.bic
        return bic is None or self._remembered(self.good_bics, self.bic_problem, bic)

    cdef bint _money_ok(self, object money) except -1:
        # A borrowed reference from the dict: alive while the dict holds it.
        cdef PyObject* found = PyDict_GetItem(self.currencies, money.currency)
        cdef long allowed
        if found == NULL:  # not an ISO 4217 code
            return False
        if <object>found is None:  # a currency without minor units (XAU, XXX)
            return True
        allowed = <object>found
        if allowed < 0:
            return False
        amount = money.amount
        exact = _QUANTUM.get(allowed)
        if exact is not None and amount.same_quantum(exact):
            return True
        if not amount.is_finite():
            return True
        exponent = amount.as_tuple().exponent
        return not (isinstance(exponent, int) and -exponent > allowed)

    cdef bint _in_window(self, object t, object when) except -1:
        if self.header is not t.message:
            self.header = t.message
            o = self.options
            today = o.today or t.message.creation_date_time.date()
            try:
                self.earliest = today - timedelta(days=o.max_days_back)
                self.latest = today + timedelta(days=o.max_days_ahead)
            except OverflowError:  # a window past the calendar: let the rule decide
                self.earliest, self.latest = _DATE_MAX, _DATE_MIN
        return self.earliest <= when <= self.latest

    def __call__(self, t):
        return self.passes(t)

    cdef bint passes(self, object t) except -1:
        cdef PyObject* exact
        if not (self._account_ok(t.debtor_account) and self._account_ok(t.creditor_account)):
            return False
        if not (self._agent_ok(t.debtor_agent) and self._agent_ok(t.creditor_agent)
                and self._agent_ok(t.instructing_agent) and self._agent_ok(t.instructed_agent)):
            return False
        money = t.amount
        amount = money.amount
        exact = PyDict_GetItem(self.quanta, money.currency)
        if not (exact != NULL and amount.same_quantum(<object>exact)) \
                and not self._money_ok(money):
            return False
        if not amount > _ZERO:
            return False
        if not self.no_limit:
            limit = self.limits.get(money.currency, self.default_limit)
            if limit is not None and amount > limit:
                return False
        other = t.instructed_amount
        if other is not None and other is not money and not self._money_ok(other):
            return False
        other = t.equivalent_amount
        if other is not None and other is not money and not self._money_ok(other):
            return False
        other = t.interbank_settlement_amount
        if other is not None and other is not money and not self._money_ok(other):
            return False
        for charge in t.charges:
            if not self._money_ok(charge.amount):
                return False
        payment = t.payment
        if payment is not None:
            if payment is not self.payment_seen:
                when = payment.requested_execution_date
                moment = payment.requested_execution_date_time
                self.payment_dates_ok = (when is None or self._in_window(t, when)) and (
                    moment is None or self._in_window(t, moment.date()))
                self.payment_seen = payment
            if not self.payment_dates_ok:
                return False
        settlement = t.interbank_settlement_date
        if settlement is not None and not self._in_window(t, settlement):
            return False
        uetr = t.uetr
        if uetr is None:
            return True
        return type(uetr) is str and _uuid4(<str>uetr)


def generic_screen(options, currencies, iban_problem, bic_problem):
    """``passes(transfer)``: True only when no generic transaction rule would report it."""
    return GenericScreen(options, currencies, iban_problem, bic_problem)
