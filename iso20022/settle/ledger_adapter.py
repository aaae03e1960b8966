"""The ``ledger`` adapter: on-us postings, debit and credit in one transaction.

A delivery for this adapter posts its entries into the book named by its
rail: for each entry, a debit of ``amount`` on ``debtor_account`` and a credit
on ``creditor_account`` (both must be accounts of that book, in the entry's
currency).  A whole delivery posts in ONE database transaction (several
deliveries may share one: see :meth:`LedgerAdapter.settle`), or not at all:
if any debit would take an account below zero and the account does not
allow an overdraft, or an account is unknown or in another currency, nothing
is posted and the outcome is ``rejected`` with the reason.

Idempotency: the delivery key is inserted into ``idempotency_keys`` (scope
``ledger:<book>``) first, in the same transaction as the postings; a key
already there means the delivery was handled before, and the stored result is
reported again (``duplicate`` for a posted delivery, the same ``rejected`` for
a rejected one: a rejection is final).  On PostgreSQL the accounts are locked
(``FOR UPDATE``, in key order, so concurrent relays cannot deadlock) before
their balances are read; on SQLite the write transaction is exclusive.
Balances and postings are ``Decimal`` and exact (see :mod:`.migrations`).

Example:
    >>> from decimal import Decimal
    >>> from iso20022.settle import Delivery, Entry
    >>> from iso20022.settle.ledger import Ledger
    >>> a = LedgerAdapter(Ledger.open(":memory:"))
    >>> a.open_account("onus", "A", "EUR", balance=Decimal("0.30"))
    >>> a.open_account("onus", "B", "EUR")
    >>> e = Entry(transfer_key="t1", amount=Decimal("0.10"), currency="EUR",
    ...           debtor_account="A", creditor_account="B")
    >>> d = Delivery(key="d1", route="r", adapter="ledger", rail="onus", message_id="M1",
    ...              entries=(e,))
    >>> a.settle([d])[0].status, a.balance("onus", "A"), a.balance("onus", "B")
    ('settled', Decimal('0.20'), Decimal('0.10'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import SettlementError
from .ledger import Ledger
from .migrations import now
from .protocol import Delivery, Outcome

__all__ = ["Account", "LedgerAdapter", "Posting"]

_POSTING_COLUMNS = (("book", "text"), ("transfer_key", "text"), ("leg", "text"),
                    ("delivery_key", "text"), ("account", "text"), ("amount", "numeric"),
                    ("currency", "text"), ("posted_at", "text"))
_CHUNK = 400  # accounts per IN (...) query: well under every database's parameter limit


@dataclass(slots=True)
class Account:
    """An account of a book, with its balance as locked for one delivery."""

    book: str
    account: str
    currency: str
    balance: Decimal
    allow_overdraft: bool


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of a posted transfer (``debit`` or ``credit``), exact in Decimal."""

    transfer_key: str
    leg: str
    account: str
    amount: Decimal
    currency: str
    delivery_key: str


class LedgerAdapter:
    """Posts on-us transfers into the ledger's accounts (see the module docstring).

    Takes: an open :class:`~iso20022.settle.ledger.Ledger` (its database holds
    the accounts; it may be the ledger that holds the outbox);
    ``transaction_transfers``: about how many transfers one transaction posts.
    Example: ``LedgerAdapter(Ledger.open("ledger.sqlite")).settle(deliveries)``
    """

    name = "ledger"
    settles_finally = True  # a posting is the settlement: the relay marks transfers settled

    def __init__(self, ledger: Ledger, *, transaction_transfers: int = 10_000) -> None:
        self.ledger = ledger
        self.db = ledger.db
        self.transaction_transfers = transaction_transfers

    def _amount(self, value: Decimal) -> Any:
        return value if self.db.dialect == "postgresql" else str(value)

    # -- accounts --------------------------------------------------------------------------

    def open_account(self, book: str, account: str, currency: str, *,
                     balance: Decimal = Decimal(0), allow_overdraft: bool = False) -> None:
        """Open ``account`` in ``book`` with an opening ``balance`` (idempotent when equal).

        Raises: SettlementError (permanent) when the account exists with another
        currency or overdraft setting, or ``balance`` is not a finite Decimal.
        Example: ``adapter.open_account("onus", "DE89...", "EUR", allow_overdraft=True)``
        """
        if not isinstance(balance, Decimal) or not balance.is_finite():
            raise SettlementError(f"opening balance must be a finite Decimal: {balance!r}",
                                  retryable=False, adapter=self.name)
        stamp = now()
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO accounts (book, account, currency, balance, allow_overdraft,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (book, account) DO NOTHING",
                (book, account, currency, self._amount(balance), int(allow_overdraft),
                 stamp, stamp))
            (ccy, overdraft), = self.db.execute(
                "SELECT currency, allow_overdraft FROM accounts WHERE book = ? AND account = ?",
                (book, account))
            if ccy != currency or bool(overdraft) != allow_overdraft:
                raise SettlementError(f"account {account} in book {book} exists with "
                                      f"currency {ccy}, overdraft {bool(overdraft)}",
                                      retryable=False, adapter=self.name)

    def balance(self, book: str, account: str) -> Decimal:
        """The exact balance of ``account`` in ``book``.

        Raises: SettlementError (permanent) for an unknown account.
        Example: ``adapter.balance("onus", "A")`` -> ``Decimal('0.20')``
        """
        rows = self.db.execute("SELECT balance FROM accounts WHERE book = ? AND account = ?",
                               (book, account))
        if not rows:
            raise SettlementError(f"unknown account {account} in book {book}",
                                  retryable=False, adapter=self.name)
        return Decimal(rows[0][0])

    def postings(self, book: str, transfer_key: str) -> list[Posting]:
        """The legs posted for ``transfer_key`` in ``book`` (debit first; ``[]`` if none)."""
        rows = self.db.execute(
            "SELECT transfer_key, leg, account, amount, currency, delivery_key FROM postings"
            " WHERE book = ? AND transfer_key = ? ORDER BY leg DESC", (book, transfer_key))
        return [Posting(transfer_key=r[0], leg=r[1], account=r[2], amount=Decimal(r[3]),
                        currency=r[4], delivery_key=r[5]) for r in rows]

    def _lock(self, book: str, names: Sequence[str]) -> dict[str, Account]:
        found: dict[str, Account] = {}
        lock = " ORDER BY account FOR UPDATE" if self.db.dialect == "postgresql" else ""
        for i in range(0, len(names), _CHUNK):
            chunk = names[i:i + _CHUNK]
            rows = self.db.execute(
                "SELECT account, currency, balance, allow_overdraft FROM accounts"
                f" WHERE book = ? AND account IN ({', '.join('?' * len(chunk))}){lock}",
                (book, *chunk))
            for r in rows:
                found[r[0]] = Account(book, r[0], r[1], Decimal(r[2]), bool(r[3]))
        return found

    # -- settling --------------------------------------------------------------------------

    def settle(self, batch: Sequence[Delivery], /) -> list[Outcome]:
        """Post the deliveries of ``batch``; one outcome per delivery, in order.

        Deliveries are grouped into transactions of about
        ``transaction_transfers`` transfers (one commit, one fsync, per group);
        each delivery still posts all its entries or none.  On PostgreSQL a
        group first locks every account it touches, in key order, so relays
        side by side cannot deadlock.
        Returns: ``settled``, ``duplicate`` or ``rejected`` (with the reason)
        per delivery, after its group committed.
        Raises: SettlementError (retryable when the database is unavailable;
        groups committed before stay committed and replay as duplicates).
        Example: ``adapter.settle([delivery])`` -> ``[Outcome("d1", "settled")]``
        """
        outcomes: list[Outcome] = []
        group: list[Delivery] = []
        size = 0
        for d in batch:
            group.append(d)
            size += max(1, len(d.entries))
            if size >= self.transaction_transfers:
                outcomes += self._settle_group(group)
                group, size = [], 0
        if group:
            outcomes += self._settle_group(group)
        return outcomes

    def _settle_group(self, group: Sequence[Delivery]) -> list[Outcome]:
        with self.db.transaction():
            if self.db.dialect == "postgresql":
                books: dict[str, set[str]] = {}
                for d in group:
                    names = books.setdefault(d.rail, set())
                    for e in d.entries:
                        names.update(n for n in (e.debtor_account, e.creditor_account) if n)
                for book in sorted(books):
                    self._lock(book, sorted(books[book]))
            return [self._settle_one(d) for d in group]

    def _settle_one(self, d: Delivery) -> Outcome:
        scope = f"ledger:{d.rail}"
        stamp = now()
        with self.db.transaction():
            fresh = self.db.changes(
                "INSERT INTO idempotency_keys (scope, key, status, detail, created_at)"
                " VALUES (?, ?, 'pending', '', ?) ON CONFLICT (scope, key) DO NOTHING",
                (scope, d.key, stamp))
            if not fresh:
                (status, detail), = self.db.execute(
                    "SELECT status, detail FROM idempotency_keys WHERE scope = ? AND key = ?",
                    (scope, d.key))
                if status == "rejected":
                    return Outcome(d.key, "rejected", str(detail))
                return Outcome(d.key, "duplicate", str(detail))
            problem = self._post(d, stamp)
            status = "rejected" if problem else "settled"
            detail = problem or f"{len(d.entries)} transfers posted in book {d.rail}"
            self.db.execute("UPDATE idempotency_keys SET status = ?, detail = ?"
                            " WHERE scope = ? AND key = ?", (status, detail, scope, d.key))
        return Outcome(d.key, "rejected" if problem else "settled", detail)

    def _post(self, d: Delivery, stamp: str) -> str:
        """Post ``d``'s entries; return ``""``, or why nothing was posted."""
        book = d.rail
        names: set[str] = set()
        for e in d.entries:
            if not e.debtor_account or not e.creditor_account:
                return f"transfer {e.transfer_key}: an on-us posting needs both accounts"
            names.update((e.debtor_account, e.creditor_account))
        accounts = self._lock(book, sorted(names))
        legs: list[tuple[Any, ...]] = []
        for e in d.entries:
            assert e.debtor_account is not None and e.creditor_account is not None
            for name in (e.debtor_account, e.creditor_account):
                acct = accounts.get(name)
                if acct is None:
                    return f"transfer {e.transfer_key}: unknown account {name} in book {book}"
                if acct.currency != e.currency:
                    return (f"transfer {e.transfer_key}: account {name} is in {acct.currency}, "
                            f"not {e.currency}")
            debtor = accounts[e.debtor_account]
            debtor.balance -= e.amount
            accounts[e.creditor_account].balance += e.amount
            if debtor.balance < 0 and not debtor.allow_overdraft:
                return (f"transfer {e.transfer_key}: insufficient funds on {debtor.account}: "
                        f"{e.amount} {e.currency} would leave {debtor.balance} "
                        "and the account allows no overdraft")
            legs.append((book, e.transfer_key, "debit", d.key, e.debtor_account,
                         str(e.amount), e.currency, stamp))
            legs.append((book, e.transfer_key, "credit", d.key, e.creditor_account,
                         str(e.amount), e.currency, stamp))
        self.db.insert_many("postings", _POSTING_COLUMNS, legs)
        self.db.executemany(
            "UPDATE accounts SET balance = ?, updated_at = ? WHERE book = ? AND account = ?",
            [(self._amount(a.balance), stamp, book, a.account)
             for a in sorted(accounts.values(), key=lambda a: a.account)])
        return ""

    def close(self) -> None:
        """Nothing of its own to release (the ledger is closed by its owner)."""
