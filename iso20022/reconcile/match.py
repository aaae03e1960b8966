"""The matching engine: statement entries against the ledger's transfers.

Contract: :func:`match` is pure and deterministic.  It takes statement entries
(:class:`~iso20022.statements.StatementEntry`, e.g. from
:func:`~iso20022.parse.camt.parse_entries`) and ledger-side transfers
(:class:`LedgerTransfer`, e.g. from :func:`load_transfers`), sorts both into a
canonical order (entries by message id, statement, position; transfers by
key) and applies the rules below in order, each rule over every entry before
the next rule starts; the first rule that matches wins, and every match carries
the rule's name.  A transfer is matched at most once, an entry at most once
(a ``batch`` match maps one entry to several transfers).  Shuffled input gives
the same result.

Every rule compares only an entry and a transfer of the same currency, booked the
way the transfer goes when :attr:`LedgerTransfer.credit_debit` says (``DBIT`` on
the debtor's statement, ``CRDT`` on the creditor's); returns and reversals are
booked the other way.

Exact rules (amount and currency equal, value dates equal when both are known):

``uetr``
    the entry's (single) ``TxDtls/Refs/UETR`` equals the transfer's UETR
    (compared case-insensitively).
``end_to_end_id+amount``
    the entry's ``EndToEndId`` equals the transfer's (``NOTPROVIDED`` never
    matches).
``acct_svcr_ref``
    the entry's ``AcctSvcrRef`` equals the transfer's; skipped when the ledger
    keeps no such reference.
``batch``
    a batch-booked entry (``NtryDtls/Btch`` or several ``TxDtls``) whose
    MsgId / PmtInfId name a whole PmtInf of the ledger, and whose amount is the
    sum of that PmtInf's transfers.  Without a PmtInfId the whole message
    (MsgId) is the batch; without either, each ``TxDtls`` names its transfer by
    UETR or EndToEndId (and amount, when the detail gives one).

Tolerance rules (:class:`MatchOptions`), over the entries left, on the same keys:

``value_date_tolerance``
    amounts equal, value dates at most ``value_date_days`` apart.
``charges``
    the entry's amount plus its charges (``Chrgs/TtlChrgsAndTaxAmt``, else the sum
    of its charge records) equals
    the transfer's amount (the bank deducted its charges), value dates within
    the tolerance.
``return``
    a reversal (``RvslInd``) or an entry whose TxDtls carry ``RtrInf``, whose
    keys name a transfer matched in this run: that transfer is returned.

What is left and still shares a key with a transfer is a break: ``amount``
(the amounts differ) or ``date`` (the value dates are further apart than the
tolerance), with both values.  The rest is unmatched on the statement side or
on the ledger side.  :func:`check_balances` checks each statement: opening
(``OPBD``, else ``PRCD``) + booked credits - booked debits == closing
(``CLBD``), in ``Decimal``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..settle._db import Database
from ..settle.ledger import Ledger
from ..statements import EntryDetails, Statement, StatementEntry

__all__ = [
    "RULES",
    "BalanceCheck",
    "Break",
    "LedgerTransfer",
    "Match",
    "MatchOptions",
    "MatchResult",
    "Return",
    "check_balances",
    "entry_ref",
    "load_transfers",
    "match",
    "statement_ref",
]

RULE_UETR = "uetr"
RULE_END_TO_END = "end_to_end_id+amount"
RULE_ACCT_SVCR_REF = "acct_svcr_ref"
RULE_BATCH = "batch"
RULE_VALUE_DATE = "value_date_tolerance"
RULE_CHARGES = "charges"
RULE_RETURN = "return"
RULES = (RULE_UETR, RULE_END_TO_END, RULE_ACCT_SVCR_REF, RULE_BATCH, RULE_VALUE_DATE,
         RULE_CHARGES, RULE_RETURN)
"""Every rule name, in the order the rules are tried."""

_NOT_PROVIDED = "NOTPROVIDED"
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerTransfer:
    """A transfer as the reconciliation sees it (a ledger ``transfers`` row)."""

    transfer_key: str
    amount: Decimal
    currency: str
    state: str = "settled"
    uetr: str | None = None
    end_to_end_id: str | None = None
    msg_id: str | None = None  # the source message's GrpHdr/MsgId (pain.001 / pacs.008)
    pmt_inf_id: str | None = None  # its PmtInf/PmtInfId (pain.001)
    acct_svcr_ref: str | None = None  # the bank's reference, when the ledger keeps it
    value_date: date | None = None  # value / settlement date, when known
    debtor_account: str | None = None  # IBAN (or other id) of the debtor's account
    creditor_account: str | None = None  # IBAN (or other id) of the creditor's account
    # how the statement being matched must book it: DBIT on the debtor's account, CRDT
    # on the creditor's; None: either way (the reconciliation job sets it per account)
    credit_debit: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchOptions:
    """The tolerance rules: which run, and how far they stretch."""

    value_date_days: int = 0  # value dates may differ by up to this many days
    charges: bool = True  # entry amount + charges == transfer amount is a match
    returns: bool = True  # reversals / RtrInf entries mark matched transfers returned


@dataclass(frozen=True, slots=True)
class Match:
    """An entry matched to one transfer (or, for ``batch``, to a whole PmtInf)."""

    entry_ref: str
    transfer_keys: tuple[str, ...]
    rule: str


@dataclass(frozen=True, slots=True)
class Return:
    """A reversal / return entry matched to a transfer an earlier entry matched."""

    entry_ref: str
    transfer_key: str
    original_entry_ref: str  # the entry that matched the transfer first
    amount: Decimal  # the returned amount (the entry's)
    reason: str | None  # RtrInf/Rsn/Cd, when given
    rule: str = RULE_RETURN


@dataclass(frozen=True, slots=True)
class Break:
    """An entry and transfer(s) sharing a key whose amount or value date differ."""

    kind: str  # "amount" or "date"
    entry_ref: str
    transfer_keys: tuple[str, ...]
    key: str  # the key they share: uetr, end_to_end_id, acct_svcr_ref or batch
    statement_value: Decimal | date | None
    ledger_value: Decimal | date | None


@dataclass(frozen=True, slots=True)
class BalanceCheck:
    """One statement's balance check: opening + credits - debits == closing."""

    statement_ref: str
    account: str | None
    currency: str | None
    opening: Decimal | None  # OPBD, else PRCD (signed)
    credits: Decimal  # sum of booked CRDT entries
    debits: Decimal  # sum of booked DBIT entries
    closing: Decimal | None  # CLBD (signed)
    entries: int  # booked entries counted

    @property
    def expected_closing(self) -> Decimal | None:
        """Opening + credits - debits, or None without an opening balance."""
        return None if self.opening is None else self.opening + self.credits - self.debits

    @property
    def ok(self) -> bool | None:
        """True when the balances agree, False when not, None when one is missing."""
        expected = self.expected_closing
        if expected is None or self.closing is None:
            return None
        return expected == self.closing


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Everything :func:`match` found."""

    matched: tuple[Match, ...]
    returns: tuple[Return, ...]
    breaks: tuple[Break, ...]
    unmatched_statement: tuple[StatementEntry, ...]
    unmatched_ledger: tuple[LedgerTransfer, ...]
    balances: tuple[BalanceCheck, ...]
    not_booked: tuple[StatementEntry, ...] = ()  # pending / information entries: not matched

    @property
    def returned(self) -> tuple[str, ...]:
        """The keys of the transfers returned, sorted."""
        return tuple(sorted({r.transfer_key for r in self.returns}))

    @property
    def settled(self) -> tuple[str, ...]:
        """The keys of the transfers matched (and not returned), sorted."""
        back = set(self.returned)
        return tuple(sorted({k for m in self.matched for k in m.transfer_keys} - back))


# -- entry keys ------------------------------------------------------------------------------


def statement_ref(statement: Statement, message_id: str | None) -> str:
    """A statement's reference in results: ``MsgId/Stmt-Id``."""
    return f"{message_id}/{statement.statement_id}" if message_id else statement.statement_id


def entry_ref(entry: StatementEntry) -> str:
    """An entry's reference in results: ``MsgId/Stmt-Id/position``.

    Example: ``entry_ref(entry)`` -> ``'MSG1/STMT1/0'``
    """
    return (f"{statement_ref(entry.statement, entry.message.message_id)}/"
            f"{entry.source.index}")


def _entry_order(entry: StatementEntry) -> tuple[str, int, str, int, str, str, str, str]:
    return (entry.message.message_id, entry.statement.index, entry.statement.statement_id,
            entry.source.index, entry.entry_reference or "",
            entry.account_servicer_reference or "", entry.credit_debit,
            str(entry.amount.amount))


def _single(entry: StatementEntry) -> EntryDetails | None:
    return entry.details[0] if len(entry.details) == 1 else None


def _uetr(entry: StatementEntry) -> str | None:
    d = _single(entry)
    return d.uetr.lower() if d is not None and d.uetr else None


def _end_to_end(entry: StatementEntry) -> str | None:
    d = _single(entry)
    if d is None or not d.end_to_end_id or d.end_to_end_id == _NOT_PROVIDED:
        return None
    return d.end_to_end_id


def _acct_svcr_ref(entry: StatementEntry) -> str | None:
    if entry.account_servicer_reference:
        return entry.account_servicer_reference
    d = _single(entry)
    return d.account_servicer_reference if d is not None else None


def _common(values: Iterable[str | None]) -> str | None:
    found = set(values)
    if len(found) == 1:
        (value,) = found
        return value
    return None


def _is_batch(entry: StatementEntry) -> bool:
    """Booked for several transactions: several TxDtls, or a Btch block that is not just
    the wrapper of the one transaction detailed (NbOfTxs absent or 1, one TxDtls)."""
    if len(entry.details) > 1:
        return True
    if entry.batch_message_id is None and entry.batch_payment_information_id is None:
        return False
    single = len(entry.details) == 1 and entry.batch_number_of_transactions in (None, 1)
    return not single


def _batch_key(entry: StatementEntry) -> tuple[str, str | None] | None:
    msg = entry.batch_message_id or _common(d.message_id for d in entry.details)
    if not msg:
        return None
    pmt = entry.batch_payment_information_id or _common(
        d.payment_information_id for d in entry.details)
    return msg, pmt


def _is_return(entry: StatementEntry) -> bool:
    return entry.reversal or any(d.return_reason for d in entry.details)


def _return_reason(entry: StatementEntry) -> str | None:
    return next((d.return_reason for d in entry.details if d.return_reason), None)


def _entry_date(entry: StatementEntry) -> date | None:
    if entry.value_date is not None:
        return entry.value_date
    if entry.value_date_time is not None:
        return entry.value_date_time.date()
    if entry.booking_date is not None:
        return entry.booking_date
    return entry.booking_date_time.date() if entry.booking_date_time is not None else None


def _charges(entry: StatementEntry) -> Decimal | None:
    """What the bank deducted: ``TtlChrgsAndTaxAmt``, else the sum of the entry's charge
    records taken from the account (not CRDT), in the entry's currency; None when none."""
    charges = entry.charges_total
    if charges is None:
        d = _single(entry)
        charges = d.charges_total if d is not None else None
    if charges is not None:
        return charges.amount if charges.currency == entry.amount.currency else None
    taken = [c.amount.amount for c in entry.charges if c.credit_debit != "CRDT"
             and c.amount.currency == entry.amount.currency]
    return sum(taken, _ZERO) if taken else None


def _same_way(entry: StatementEntry, transfer: LedgerTransfer) -> bool:
    """Same currency, and the entry books the transfer the way it goes for this account."""
    return (transfer.currency == entry.amount.currency
            and (transfer.credit_debit is None or transfer.credit_debit == entry.credit_debit))


def _back_way(entry: StatementEntry, transfer: LedgerTransfer) -> bool:
    """A return or reversal: same currency, booked the other way (ISO: a reversal's
    CdtDbtInd is the opposite of the original entry's)."""
    return (transfer.currency == entry.amount.currency
            and (transfer.credit_debit is None or transfer.credit_debit != entry.credit_debit))


def _date_within(entry: StatementEntry, transfer: LedgerTransfer, days: int) -> bool:
    booked = _entry_date(entry)
    if booked is None or transfer.value_date is None:
        return True
    return abs((booked - transfer.value_date).days) <= days


# -- the engine ------------------------------------------------------------------------------

_KeyOf = Callable[[StatementEntry], "str | None"]
_KEYS: tuple[tuple[str, str, _KeyOf], ...] = (
    (RULE_UETR, "uetr", _uetr),
    (RULE_END_TO_END, "end_to_end_id", _end_to_end),
    (RULE_ACCT_SVCR_REF, "acct_svcr_ref", _acct_svcr_ref),
)


class _Index:
    """The transfers by key, each list in transfer-key order."""

    def __init__(self, transfers: Sequence[LedgerTransfer]) -> None:
        self.by: dict[str, dict[str, list[LedgerTransfer]]] = {
            "uetr": defaultdict(list), "end_to_end_id": defaultdict(list),
            "acct_svcr_ref": defaultdict(list)}
        self.batches: dict[tuple[str, str | None], list[LedgerTransfer]] = defaultdict(list)
        for t in transfers:
            if t.uetr:
                self.by["uetr"][t.uetr.lower()].append(t)
            if t.end_to_end_id and t.end_to_end_id != _NOT_PROVIDED:
                self.by["end_to_end_id"][t.end_to_end_id].append(t)
            if t.acct_svcr_ref:
                self.by["acct_svcr_ref"][t.acct_svcr_ref].append(t)
            if t.msg_id:
                self.batches[(t.msg_id, None)].append(t)
                if t.pmt_inf_id:
                    self.batches[(t.msg_id, t.pmt_inf_id)].append(t)

    def candidates(self, field: str, value: str | None) -> list[LedgerTransfer]:
        if value is None:
            return []
        return self.by[field].get(value, [])


def match(entries: Iterable[StatementEntry], transfers: Iterable[LedgerTransfer], /, *,
          options: MatchOptions | None = None,
          statements: Iterable[Statement | tuple[str | None, Statement]] = (),
          earlier: Iterable[tuple[LedgerTransfer, str]] = ()) -> MatchResult:
    """Match statement entries against ledger transfers (see the module docstring).

    Takes: the entries (any order), the ledger's transfers (any order, each key
    once), the tolerance ``options``, optionally statements without entries to
    include in the balance checks (bare, or with their message id), and the
    ``earlier`` transfers: those an earlier run matched (with that run's entry
    reference), not expected again, but which a return or reversal may name.
    Only booked entries (``Sts`` BOOK) are matched; the others are returned as
    ``not_booked``.
    Returns: a :class:`MatchResult`, the same for any order of the input.
    Raises: ValueError when two transfers share a key.
    Example: ``match(parse_entries("camt053.xml"), load_transfers(ledger)).breaks``
    """
    opts = options if options is not None else MatchOptions()
    given = sorted(entries, key=_entry_order)
    ordered = [e for e in given if e.status == "BOOK"]
    not_booked = tuple(e for e in given if e.status != "BOOK")
    ledger = sorted(transfers, key=lambda t: t.transfer_key)
    before = sorted(earlier, key=lambda pair: pair[0].transfer_key)
    before_ref = {t.transfer_key: ref for t, ref in before}
    keys = [t.transfer_key for t in ledger]
    if len(set(keys)) != len(keys):
        raise ValueError("two ledger transfers share a transfer key")
    index = _Index(ledger)
    earlier_index = _Index([t for t, _ in before])
    refs = [entry_ref(e) for e in ordered]
    done = [False] * len(ordered)
    used: dict[str, str] = {}  # transfer key -> the entry ref that matched it
    matched: list[Match] = []
    returns: list[Return] = []
    breaks: list[Break] = []
    regular = [i for i, e in enumerate(ordered) if not _is_return(e)]

    def take(i: int, found: Sequence[LedgerTransfer], rule: str) -> None:
        done[i] = True
        for t in found:
            used[t.transfer_key] = refs[i]
        matched.append(Match(refs[i], tuple(t.transfer_key for t in found), rule))

    def free(found: Iterable[LedgerTransfer]) -> list[LedgerTransfer]:
        return [t for t in found if t.transfer_key not in used]

    def by_details(e: StatementEntry) -> list[LedgerTransfer]:
        """One free transfer per TxDtls, by its UETR or EndToEndId (and its amount when
        given), or [] when a detail names none."""
        chosen: list[LedgerTransfer] = []
        for d in e.details:
            keys = (("uetr", d.uetr.lower() if d.uetr else None),
                    ("end_to_end_id", d.end_to_end_id
                     if d.end_to_end_id and d.end_to_end_id != _NOT_PROVIDED else None))
            hit = next((t for field, value in keys for t in free(index.candidates(field, value))
                        if t not in chosen and _same_way(e, t)
                        and (d.amount is None or d.amount.amount == t.amount)), None)
            if hit is None:
                return []
            chosen.append(hit)
        return chosen

    # exact keys, one rule at a time over every entry
    for rule, field, key_of in _KEYS:
        for i in regular:
            e = ordered[i]
            if done[i] or _is_batch(e):
                continue
            for t in free(index.candidates(field, key_of(e))):
                if (_same_way(e, t) and t.amount == e.amount.amount
                        and _date_within(e, t, 0)):
                    take(i, [t], rule)
                    break
    for i in regular:
        e = ordered[i]
        batch = _batch_key(e) if not done[i] and _is_batch(e) else None
        group = index.batches.get(batch, []) if batch is not None else []
        if not group and not done[i] and _is_batch(e):
            group = by_details(e)  # no MsgId / PmtInfId: each TxDtls by its own reference
        if not group or free(group) != group or not all(_same_way(e, t) for t in group):
            continue
        if sum((t.amount for t in group), _ZERO) != e.amount.amount:
            continue
        if all(_date_within(e, t, 0) for t in group):
            take(i, group, RULE_BATCH)
        elif all(_date_within(e, t, opts.value_date_days) for t in group):
            take(i, group, RULE_VALUE_DATE)

    # tolerance rules
    for i in regular:
        e = ordered[i]
        if done[i] or _is_batch(e):
            continue
        charges = _charges(e) if opts.charges else None
        for _rule, field, key_of in _KEYS:
            hit: tuple[LedgerTransfer, str] | None = None
            for t in free(index.candidates(field, key_of(e))):
                if not _same_way(e, t):
                    continue
                if not _date_within(e, t, opts.value_date_days):
                    continue
                if t.amount == e.amount.amount:
                    hit = (t, RULE_VALUE_DATE)
                elif charges is not None and e.amount.amount + charges == t.amount:
                    hit = (t, RULE_CHARGES)
                if hit:
                    break
            if hit:
                take(i, [hit[0]], hit[1])
                break

    # returns and reversals of transfers matched above
    if opts.returns:
        returned: set[str] = set()
        for i, e in enumerate(ordered):
            if done[i] or not _is_return(e):
                continue
            for _rule, field, key_of in _KEYS:
                value = key_of(e)
                back = next((t for t in (*index.candidates(field, value),
                                         *earlier_index.candidates(field, value))
                             if (t.transfer_key in used or t.transfer_key in before_ref)
                             and t.transfer_key not in returned and _back_way(e, t)), None)
                if back is not None:
                    done[i] = True
                    returned.add(back.transfer_key)
                    original = used.get(back.transfer_key) or before_ref[back.transfer_key]
                    returns.append(Return(refs[i], back.transfer_key, original,
                                          e.amount.amount, _return_reason(e)))
                    break

    # breaks: a shared key, but the amount or the value date differ
    for i in regular:
        e = ordered[i]
        if done[i]:
            continue
        if _is_batch(e):
            batch = _batch_key(e)
            group = index.batches.get(batch, []) if batch is not None else []
            if group and free(group) == group and all(_same_way(e, t) for t in group):
                total = sum((t.amount for t in group), _ZERO)
                done[i] = True
                for t in group:
                    used[t.transfer_key] = refs[i]
                if total != e.amount.amount:
                    breaks.append(Break("amount", refs[i], tuple(t.transfer_key for t in group),
                                        RULE_BATCH, e.amount.amount, total))
                else:  # the sum agrees: the value dates are further apart than the tolerance
                    far = next((t for t in group
                                if not _date_within(e, t, opts.value_date_days)), group[0])
                    breaks.append(Break("date", refs[i], tuple(t.transfer_key for t in group),
                                        RULE_BATCH, _entry_date(e), far.value_date))
            continue
        for _rule, field, key_of in _KEYS:
            found = [t for t in free(index.candidates(field, key_of(e)))
                     if _same_way(e, t)]
            if not found or (field == "end_to_end_id" and len(found) != 1):
                continue
            t = found[0]
            done[i] = True
            used[t.transfer_key] = refs[i]
            if t.amount != e.amount.amount:
                breaks.append(Break("amount", refs[i], (t.transfer_key,), field,
                                    e.amount.amount, t.amount))
            else:
                breaks.append(Break("date", refs[i], (t.transfer_key,), field,
                                    _entry_date(e), t.value_date))
            break

    return MatchResult(
        matched=tuple(matched),
        returns=tuple(returns),
        breaks=tuple(breaks),
        unmatched_statement=tuple(e for i, e in enumerate(ordered) if not done[i]),
        not_booked=not_booked,
        unmatched_ledger=tuple(t for t in ledger if t.transfer_key not in used),
        balances=check_balances(given, statements=statements),
    )


# -- balances --------------------------------------------------------------------------------


def _account_id(statement: Statement) -> str | None:
    account = statement.account
    if account.iban:
        return account.iban
    return account.other_id.id if account.other_id is not None else None


def check_balances(entries: Iterable[StatementEntry], /, *,
                   statements: Iterable[Statement | tuple[str | None, Statement]] = ()
                   ) -> tuple[BalanceCheck, ...]:
    """Check each statement: opening + booked credits - booked debits == closing.

    Takes: entries (any order) and, optionally, statements with no entries (bare,
    or with their message id, which their reference then carries).
    Only booked entries (``Sts`` BOOK) count; amounts are ``Decimal``.
    Returns: one :class:`BalanceCheck` per statement, sorted by reference.
    Example: ``[b.ok for b in check_balances(parse_entries("camt053.xml"))]`` -> ``[True]``
    """
    groups: dict[str, tuple[Statement, list[Decimal]]] = {}
    by_id: dict[int, str] = {}
    seen: set[Statement] = set()
    for e in entries:
        ref = by_id.get(id(e.statement))
        if ref is None:
            ref = statement_ref(e.statement, e.message.message_id)
            by_id[id(e.statement)] = ref
            seen.add(e.statement)
        group = groups.setdefault(ref, (e.statement, [_ZERO, _ZERO, _ZERO]))
        if e.status != "BOOK":
            continue
        sums = group[1]
        if e.credit_debit == "CRDT":
            sums[0] += e.amount.amount
        else:
            sums[1] += e.amount.amount
        sums[2] += 1
    for item in statements:
        message_id, s = item if isinstance(item, tuple) else (None, item)
        if s not in seen:
            groups.setdefault(statement_ref(s, message_id), (s, [_ZERO, _ZERO, _ZERO]))
    checks = []
    for ref in sorted(groups):
        statement, (credits, debits, count) = groups[ref]
        opening = statement.balance("OPBD") or statement.balance("PRCD")
        closing = statement.balance("CLBD")
        currency = statement.account.currency or (
            closing.amount.currency if closing is not None else None)
        checks.append(BalanceCheck(
            statement_ref=ref, account=_account_id(statement), currency=currency,
            opening=opening.signed_amount if opening is not None else None,
            credits=credits, debits=debits,
            closing=closing.signed_amount if closing is not None else None,
            entries=int(count)))
    return tuple(checks)


# -- the ledger side -------------------------------------------------------------------------

def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def load_transfers(source: Ledger | Database, /, *,
                   states: Sequence[str] | None = None,
                   accounts: Sequence[str] | None = None) -> list[LedgerTransfer]:
    """Read the ledger's transfers as :class:`LedgerTransfer` rows, in key order.

    Takes: a :class:`~iso20022.settle.ledger.Ledger` (or its migrated database)
    and, optionally, the states to keep (e.g. ``("sent", "settled")``) and the
    accounts (debtor or creditor account) whose transfers to read, each then
    booked (``credit_debit``) DBIT when its debtor account is one of them, else
    CRDT.  Reads keys,
    amount, currency, state, UETR, EndToEndId, accounts, and the source MsgId,
    PmtInfId and value date (ledger migration 3; ``None`` for transfers recorded
    before it).  The ledger keeps no bank reference, so ``acct_svcr_ref`` is None.
    Returns: the transfers.  Raises: SettlementError when the database fails.
    Example: ``load_transfers(Ledger.open("ledger.sqlite"), states=("settled",))``
    """
    db = source.db if isinstance(source, Ledger) else source
    sql = ("SELECT transfer_key, amount, currency, state, uetr, end_to_end_id, msg_id,"
           " pmt_inf_id, value_date, debtor_account, creditor_account FROM transfers")
    params: tuple[str, ...] = ()
    where: list[str] = []
    if states is not None:
        if not states:
            return []
        where.append(f"state IN ({', '.join('?' * len(states))})")
        params += tuple(states)
    if accounts is not None:
        if not accounts:
            return []
        marks = ", ".join("?" * len(accounts))
        where.append(f"(debtor_account IN ({marks}) OR creditor_account IN ({marks}))")
        params += tuple(accounts) * 2
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY transfer_key"
    ours = frozenset(accounts or ())
    return [LedgerTransfer(
        transfer_key=str(row[0]), amount=Decimal(str(row[1])), currency=str(row[2]),
        state=str(row[3]), uetr=_text(row[4]), end_to_end_id=_text(row[5]),
        msg_id=_text(row[6]), pmt_inf_id=_text(row[7]), value_date=_date(row[8]),
        debtor_account=_text(row[9]), creditor_account=_text(row[10]),
        credit_debit=("DBIT" if row[9] in ours else "CRDT") if ours else None)
        for row in db.execute(sql, params)]


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
