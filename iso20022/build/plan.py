"""Planning: routed, accepted transfers -> the deliveries the settlement outbox stores.

:func:`plan` routes each transfer and groups them into
:class:`~iso20022.settle.protocol.Delivery` values, one per outbound unit:

- ``pacs.008.001.08`` routes: one delivery per transfer (one message each);
- ``pacs.008.001.02-bulk`` routes: one delivery per source message, settlement
  date and currency, split every ``max_transactions`` transfers;
- ``book`` routes (on-us): one delivery per source message with an empty body;
  its entries carry what the ledger posts.

Everything is a pure function of the input: the same transfers (a retry of the
same file) give equal deliveries, keys and bodies.  ``Delivery.key`` is a
digest of the rail, the format and the source transfer keys, so it is stable
and unique per rail.  Grouping never crosses source messages, so a file's
deliveries do not depend on what else was planned with it.

Example:
    >>> from iso20022.route import Routes
    >>> book = {"name": "on-us", "adapter": "ledger", "rail": "book", "format": "book"}
    >>> plan([], Routes.from_dict({"default": book}), our_bic="HANSDEHHXXX")
    []
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime

from .. import _impl
from ..keys import message_key, transfer_keys
from ..records import Account, MessageHeader, Transfer
from ..route import Route, Routes
from ..settle.protocol import Delivery, Entry
from .pacs008 import (
    Outbound,
    build_bulk,
    build_single,
    check_our_bic,
    outbound_id,
    settlement_date,
)

__all__ = ["plan"]

def _account_id(account: Account | None) -> str | None:
    if account is None:
        return None
    if account.iban:
        return account.iban
    return account.other_id.id if account.other_id is not None else None


def _entry(transfer: Transfer, key: str, uetr: str | None, value_date: date) -> Entry:
    payment = transfer.payment
    amount = transfer.amount
    # Entry(**values), without the frozen __init__'s object.__setattr__ per field (one
    # entry per transfer: half of what building it cost)
    entry: Entry = _impl.records.make(Entry, {
        "transfer_key": key, "amount": amount.amount, "currency": amount.currency,
        "end_to_end_id": transfer.end_to_end_id, "uetr": uetr,
        "debtor_account": _account_id(transfer.debtor_account),
        "creditor_account": _account_id(transfer.creditor_account),
        "msg_id": transfer.message.message_id,
        "pmt_inf_id": payment.payment_information_id if payment is not None else None,
        "value_date": value_date})
    return entry


def _key(route: Route, keys: Iterable[str]) -> str:
    text = "\x1f".join((route.rail, route.format, *keys))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _delivery(route: Route, out: Outbound, transfers: list[Transfer]) -> Delivery:
    headers = {"settlement_date": out.settlement_date.isoformat()}
    if out.to_bic:
        headers["to"] = out.to_bic
    entries = tuple([_entry(t, k, u, out.settlement_date)
                     for t, k, u in zip(transfers, out.transfer_keys, out.uetrs, strict=True)])
    return Delivery(key=_key(route, out.transfer_keys), route=route.name, adapter=route.adapter,
                    rail=route.rail, message_id=out.message_id, message_type=out.message_type,
                    body=out.body, headers=headers, entries=entries)


def plan(transfers: Iterable[Transfer], routes: Routes, *, our_bic: str,
         created: datetime | None = None) -> list[Delivery]:
    """Route transfers and build their deliveries, in order of first appearance.

    Takes accepted pain.001 transfers (``book`` routes take any transfer), the
    :class:`~iso20022.route.Routes`, our BIC (sender of every message) and an
    optional creation time for the messages (default: each source message's
    CreDtTm, which keeps retries byte-identical). Returns the
    :class:`~iso20022.settle.protocol.Delivery` list. Raises
    :class:`~iso20022.errors.OutboundBuildError` for a malformed ``our_bic`` or
    the first transfer that cannot be built (naming it); nothing is returned
    then, so a file is planned whole or not at all.

    Example: ``plan(iso20022.parse("in.xml"), Routes.load("routes.toml"), our_bic="HANSDEHHXXX")``.
    """
    check_our_bic(our_bic)
    singles: list[tuple[Route, Transfer]] = []
    # a group's key: route name, message key and, but for book routes, date and currency
    groups: dict[tuple[str | date, ...], tuple[Route, list[Transfer]]] = {}
    order: list[tuple[str | date, ...] | int] = []  # a single (index) or a group (key)
    header: MessageHeader | None = None  # a message's transfers come one after another:
    header_key = ""  # its key is computed once for them
    for transfer in transfers:
        route = routes.route(transfer).route
        if route.format == "pacs.008.001.08":
            order.append(len(singles))
            singles.append((route, transfer))
            continue
        if transfer.message is not header:
            header = transfer.message
            header_key = message_key(header)
        group: tuple[str | date, ...] = (route.name, header_key)
        if route.format != "book":
            when = created or transfer.message.creation_date_time
            group += (settlement_date(transfer, when), transfer.amount.currency)
        if group not in groups:
            groups[group] = (route, [])
            order.append(group)
        groups[group][1].append(transfer)
    deliveries: list[Delivery] = []
    for ref in order:
        if isinstance(ref, int):
            route, transfer = singles[ref]
            out = build_single(transfer, route, our_bic=our_bic, created=created)
            deliveries.append(_delivery(route, out, [transfer]))
            continue
        route, members = groups[ref]
        if route.format == "book":
            deliveries.append(_book(route, members, created))
            continue
        for start in range(0, len(members), route.max_transactions):
            chunk = members[start:start + route.max_transactions]
            out = build_bulk(chunk, route, our_bic=our_bic, created=created)
            deliveries.append(_delivery(route, out, chunk))
    return deliveries


def _book(route: Route, members: list[Transfer], created: datetime | None) -> Delivery:
    """On-us postings: no message, one entry per transfer."""
    keys = transfer_keys(members)
    when = created or members[0].message.creation_date_time
    return Delivery(key=_key(route, keys), route=route.name, adapter=route.adapter,
                    rail=route.rail, message_id=outbound_id("BK", when.date(), route.rail, *keys),
                    message_type="book", body=b"",
                    entries=tuple(_entry(t, k, t.uetr, settlement_date(t, when))
                                  for t, k in zip(members, keys, strict=True)))
