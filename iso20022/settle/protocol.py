"""The settlement protocol: what the outbox hands to an adapter, and what comes back.

Routing and the outbound builders turn accepted transfers into
:class:`Delivery` values: one outbound unit for one adapter on one rail (a
pacs.008 message, a bulk file, or a set of on-us postings).  The outbox stores
them in the same database transaction as the routing decision; the relay
hands them to the adapter named by the route.  An adapter settles a batch
idempotently, keyed by ``Delivery.key``: settling a delivery it has already
settled reports ``duplicate`` and changes nothing.

Example:
    >>> from datetime import date
from decimal import Decimal
    >>> e = Entry(transfer_key="k", amount=Decimal("1.00"), currency="EUR")
    >>> e.amount
    Decimal('1.00')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

__all__ = ["Adapter", "Delivery", "Entry", "Outcome"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One transfer inside a delivery: what a ledger posts and a report counts."""

    transfer_key: str  # iso20022.keys.transfer_key of the source transfer
    amount: Decimal  # exact, in the currency's units (never a float)
    currency: str  # ISO 4217
    end_to_end_id: str = ""
    uetr: str | None = None
    debtor_account: str | None = None  # IBAN or other id
    creditor_account: str | None = None  # IBAN or other id
    # what bank statements quote back, kept for reconciliation (not part of the digest)
    msg_id: str | None = None  # the source message's GrpHdr/MsgId
    pmt_inf_id: str | None = None  # the source PmtInf/PmtInfId (pain.001)
    value_date: date | None = None  # the settlement (value) date


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One outbound unit for one adapter.

    ``key`` is the idempotency key: stable for the same source (a retry of the
    same file produces the same key), unique per rail.  ``body`` is the
    outbound message (XML for ``file`` and ``amqp``; may be empty for
    ``ledger``, which posts ``entries``).
    """

    key: str
    route: str  # the route's name in the routes file
    adapter: str  # "file" | "ledger" | "amqp" | ...
    rail: str  # outbox directory / queue name / book, from the route
    message_id: str  # the outbound message's MsgId (or the posting batch id)
    message_type: str = ""  # e.g. pacs.008.001.08
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an adapter did with one delivery."""

    key: str
    status: Literal["settled", "duplicate", "rejected"]
    detail: str = ""


class Adapter(Protocol):
    """A settlement rail.  ``settle`` must be idempotent on ``Delivery.key``.

    It returns one outcome per delivery, in order, only after the effect is
    durable (file fsynced and renamed, transaction committed, broker
    confirmed).  It raises ``iso20022.errors.SettlementError`` (with
    ``retryable``) when it could not tell; the caller then keeps the
    deliveries and tries again.
    """

    name: str

    def settle(self, batch: Sequence[Delivery], /) -> list[Outcome]: ...

    def close(self) -> None: ...
