"""Outbound pacs.008: customer initiations (pain.001 transfers) as a debtor agent sends them.

Two shapes, chosen by the route's ``format``:

- ``pacs.008.001.08``: one transaction per message, the Document wrapped with
  a head.001.001.02 AppHdr in an ``<Envelope>`` (RTGS, instant and CBPR+
  rails).  The instructing agent is us, the instructed agent the route's
  ``instructed_agent`` (a correspondent) or else the creditor agent; the
  interbank settlement date is on the transaction.
- ``pacs.008.001.02`` bulk: many transactions in one Document with the total
  and the settlement date in the group header (SEPA clearing rails).

Ids are deterministic, so building the same transfers again (a retry after a
crash) gives byte-identical messages: the MsgId / BizMsgIdr / TxId are
digests of the source transfer keys and the rail, at most 35 characters; the
UETR is carried from the source, or else a UUID v4 derived from the transfer
key (:func:`uetr_for`).  The creation time defaults to the source message's
``CreDtTm`` for the same reason; pass ``created`` to stamp another time.

Amounts, EndToEndId, parties, accounts, agents, payment type, purpose,
regulatory reporting and remittance are copied exactly; the settlement method
and clearing system come from the route.  A transfer that cannot become a
valid pacs.008 (not a pain.001 source, an equivalent amount that needs an FX
rate, no creditor agent, no BIC to send to) raises
:class:`~iso20022.errors.OutboundBuildError`.

Example:
    >>> uetr_for("0" * 32)[14]
    '4'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .. import _impl
from ..errors import OutboundBuildError
from ..keys import transfer_key, transfer_keys
from ..records import Agent, Money, Transfer
from ..route import Route
from ._pacs_xml import Writer, amount_text

__all__ = [
    "APPHDR_ID",
    "Outbound",
    "build_bulk",
    "build_single",
    "check_our_bic",
    "outbound_id",
    "settlement_date",
    "uetr_for",
]

APPHDR_ID = "head.001.001.02"
"""The Business Application Header version of pacs.008.001.08 messages."""

_BIC = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_V08 = "pacs.008.001.08"
_V02 = "pacs.008.001.02"


@dataclass(frozen=True, slots=True)
class Outbound:
    """One built message: its ids, the XML bytes and who it goes to."""

    message_id: str  # GrpHdr/MsgId (= AppHdr BizMsgIdr)
    message_type: str  # pacs.008.001.08 or pacs.008.001.02
    body: bytes  # UTF-8 XML with declaration
    to_bic: str | None  # AppHdr To / instructed agent, when known
    settlement_date: date
    transfer_keys: tuple[str, ...]
    uetrs: tuple[str | None, ...]  # per transfer, in order (None for pacs.008.001.02)


def _digest(*parts: str) -> bytes:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()


def _id_stem(prefix: str, day: date) -> str:
    if len(prefix) > 7:
        raise ValueError("prefix longer than 7 characters")
    if day.year < 1000:  # strftime writes such a year without padding: keep its text
        return f"{prefix}{day:%Y%m%d}"
    return prefix + day.isoformat().replace("-", "")  # %Y%m%d, at a sixth of strftime's cost


def outbound_id(prefix: str, day: date, *parts: str) -> str:
    """A deterministic id: ``prefix`` + ``YYYYMMDD`` + 20 base32 characters of a digest.

    Takes a short prefix (at most 7 characters), a date and the parts that make
    the id unique (rail, transfer keys). Returns at most 35 characters
    (Max35Text). Raises ``ValueError`` for a longer prefix.

    Example: ``outbound_id("P8", date(2026, 11, 25), "t2-rtgs", key)``.
    """
    tail: str = _impl.pacs_xml.id_tail(*parts)
    return _id_stem(prefix, day) + tail


def uetr_for(key: str) -> str:
    """A UUID v4 derived from a transfer key: the same key always gives the same UETR.

    Takes :func:`iso20022.keys.transfer_key` of a transfer. Returns the UUID in
    its 36-character lower-case form (version 4, RFC 4122 variant, as the XSD
    pattern requires). Raises nothing.

    Example: ``uetr_for(transfer_key(t))``.
    """
    # uuid.UUID(bytes=digest, version=4), set and written without the class's Python code
    digest = bytearray(_digest("uetr", key))
    digest[6] = (digest[6] & 0x0F) | 0x40  # version 4
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def settlement_date(transfer: Transfer, created: datetime) -> date:
    """The interbank settlement date: requested execution date, else the creation date.

    Takes a pain.001 transfer and the outbound creation time. Returns the
    source's ``ReqdExctnDt`` (date, or the date of ``ReqdExctnDt/DtTm``), its
    interbank settlement date when it has one, else ``created``'s date.

    Example: ``settlement_date(t, t.message.creation_date_time)``.
    """
    payment = transfer.payment
    if payment is not None:
        if payment.requested_execution_date is not None:
            return payment.requested_execution_date
        if payment.requested_execution_date_time is not None:
            return payment.requested_execution_date_time.date()
    if transfer.interbank_settlement_date is not None:
        return transfer.interbank_settlement_date
    return created.date()


def _fail(transfer: Transfer, key: str, message: str) -> OutboundBuildError:
    return OutboundBuildError(message, transfer_key=key, end_to_end_id=transfer.end_to_end_id)


def _check(transfer: Transfer, key: str) -> None:
    """Refuse what cannot become a valid pacs.008 from this debtor agent."""
    if not transfer.message.message_type.startswith("pain.001."):
        raise _fail(transfer, key, f"only pain.001 customer initiations become pacs.008; "
                                   f"this transfer comes from {transfer.message.message_type}")
    if (transfer.equivalent_amount is not None and transfer.currency_of_transfer
            and transfer.currency_of_transfer != transfer.amount.currency):
        raise _fail(transfer, key, f"equivalent amount {transfer.amount.amount} "
                                   f"{transfer.amount.currency} to be paid in "
                                   f"{transfer.currency_of_transfer} needs an FX rate first")
    if transfer.amount.amount <= 0:
        raise _fail(transfer, key, f"amount {transfer.amount.amount} is not positive")
    if transfer.debtor is None:
        raise _fail(transfer, key, "no debtor (Dbtr)")
    if not _identified(transfer.debtor_agent):
        raise _fail(transfer, key, "no debtor agent (DbtrAgt)")
    if not _identified(transfer.creditor_agent):
        raise _fail(transfer, key, "no creditor agent (CdtrAgt): pacs.008 requires one; "
                                   "look it up from the creditor's IBAN first")
    if transfer.creditor is None:
        raise _fail(transfer, key, "no creditor (Cdtr)")


def check_our_bic(our_bic: str) -> None:
    """Raise :class:`~iso20022.errors.OutboundBuildError` unless ``our_bic`` is a BIC.

    Takes the sender's BIC (8 or 11 characters). Returns None.
    Example: ``check_our_bic("HANSDEHHXXX")``.
    """
    if not _BIC.fullmatch(our_bic):
        raise OutboundBuildError(f"our BIC {our_bic!r} is not a BIC")


def _identified(agent: Agent | None) -> bool:
    return agent is not None and bool(agent.bic or agent.member_id or agent.other_id
                                      or agent.name or agent.lei)


def _charge_bearer(transfer: Transfer, route: Route, fallback: str) -> str:
    return transfer.charge_bearer or route.charge_bearer or fallback


def _settlement_info(w: Writer, route: Route) -> None:
    w.open("SttlmInf")
    w.el("SttlmMtd", route.settlement_method or "CLRG")
    w.code_or_prtry("ClrSys", route.clearing_system, route.clearing_system_proprietary)
    w.close()


def _created(transfers: Sequence[Transfer], created: datetime | None) -> datetime:
    return created if created is not None else transfers[0].message.creation_date_time


def _stamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def build_single(transfer: Transfer, route: Route, *, our_bic: str,
                 created: datetime | None = None) -> Outbound:
    """One pacs.008.001.08 with a head.001.001.02 AppHdr for one transfer.

    Takes a pain.001 transfer, its route (format ``pacs.008.001.08``), our BIC
    (AppHdr From and InstgAgt) and the creation time (default: the source
    message's CreDtTm, so a retry is byte-identical). Returns the
    :class:`Outbound` message (``<Envelope>`` with ``AppHdr`` and ``Document``).
    Raises :class:`~iso20022.errors.OutboundBuildError` when the transfer cannot
    become a valid pacs.008 or has nobody to send it to.

    Example: ``build_single(t, routes.route(t).route, our_bic="HANSDEHHXXX").body``.
    """
    check_our_bic(our_bic)
    key = transfer_key(transfer)
    _check(transfer, key)
    when = _created([transfer], created)
    day = settlement_date(transfer, when)
    to_bic = route.instructed_agent or (transfer.creditor_agent.bic
                                        if transfer.creditor_agent is not None else None)
    if not to_bic:
        raise _fail(transfer, key, f"route {route.name!r} has no instructed_agent and the "
                                   "creditor agent has no BIC: nobody to send the message to")
    msg_id = outbound_id("P8", day, route.rail, key)
    uetr = transfer.uetr or uetr_for(key)
    xml = _impl.pacs_xml  # the compiled writer or its twin (read per call: tests switch)
    w: Writer = xml.Writer(_V08)
    try:
        w.open("Envelope")
        w.root("AppHdr", APPHDR_ID)
        for tag, bic in (("Fr", our_bic), ("To", to_bic)):
            w.open(tag)
            w.open("FIId")
            w.open("FinInstnId")
            w.el("BICFI", bic)
            w.close()
            w.close()
            w.close()
        w.el("BizMsgIdr", msg_id)
        w.el("MsgDefIdr", w.message_id)
        w.opt("BizSvc", route.business_service)
        stamp = _stamp(when)
        w.el("CreDt", stamp)
        w.close()
        w.root()
        w.open("FIToFICstmrCdtTrf")
        w.open("GrpHdr")
        w.el("MsgId", msg_id)
        w.el("CreDtTm", stamp)
        w.el("NbOfTxs", "1")
        _settlement_info(w, route)
        w.close()
        xml.transaction(w, transfer, tx_id=msg_id, uetr=uetr, day=day,
                        bearer=_charge_bearer(transfer, route, "SHAR"),
                        instructing=our_bic, instructed=to_bic)
        w.close()
        w.close()
        w.close()
    except ValueError as exc:
        raise _fail(transfer, key, f"a value cannot be written as XML: {exc}") from exc
    return Outbound(message_id=msg_id, message_type=w.message_id,
                    body=w.getvalue(), to_bic=to_bic,
                    settlement_date=day, transfer_keys=(key,), uetrs=(uetr,))


def build_bulk(transfers: Sequence[Transfer], route: Route, *, our_bic: str,
               created: datetime | None = None) -> Outbound:
    """One pacs.008.001.02 bulk message for transfers of one currency and settlement date.

    Takes the pain.001 transfers (at least one), their route (format
    ``pacs.008.001.02-bulk``), our BIC (GrpHdr InstgAgt) and the creation time
    (default: the first source message's CreDtTm). Returns the
    :class:`Outbound` message. Raises
    :class:`~iso20022.errors.OutboundBuildError` for an empty list, mixed
    currencies or settlement dates, and any transfer that cannot become a
    valid pacs.008.

    Example: ``build_bulk(ts, routes.by_name("sepa-sct"), our_bic="HANSDEHHXXX")``.
    """
    if not transfers:
        raise OutboundBuildError("a bulk message needs at least one transfer")
    check_our_bic(our_bic)
    keys = transfer_keys(transfers)
    for t, key in zip(transfers, keys, strict=True):
        _check(t, key)
    when = _created(transfers, created)
    days = {settlement_date(t, when) for t in transfers}
    currencies = {t.amount.currency for t in transfers}
    if len(days) != 1 or len(currencies) != 1:
        raise OutboundBuildError("a bulk message has one currency and one settlement date; "
                                 f"got {sorted(currencies)} and {sorted(map(str, days))}")
    day, currency = days.pop(), currencies.pop()
    msg_id = outbound_id("B2", day, route.rail, *keys)
    total = sum((t.amount.amount for t in transfers), Decimal(0))
    xml = _impl.pacs_xml
    w: Writer = xml.Writer(_V02)
    w.root()
    w.open("FIToFICstmrCdtTrf")
    w.open("GrpHdr")
    w.el("MsgId", msg_id)
    w.el("CreDtTm", _stamp(when))
    w.el("NbOfTxs", str(len(transfers)))
    w.el("CtrlSum", amount_text(total))
    w.money("TtlIntrBkSttlmAmt", Money(total, currency))
    w.el("IntrBkSttlmDt", day.isoformat())
    _settlement_info(w, route)
    w.bic_agent("InstgAgt", our_bic)
    if route.instructed_agent:
        w.bic_agent("InstdAgt", route.instructed_agent)
    w.close()
    transaction, id_tail = xml.transaction, xml.id_tail
    stem = _id_stem("T2", day)  # each TxId is outbound_id("T2", day, route.rail, key)
    for t, key in zip(transfers, keys, strict=True):
        try:
            transaction(w, t, tx_id=stem + id_tail(route.rail, key), uetr=None,
                        day=None, bearer=_charge_bearer(t, route, "SLEV"),
                        instructing=None, instructed=None)
        except ValueError as exc:
            raise _fail(t, key, f"a value cannot be written as XML: {exc}") from exc
    w.close()
    w.close()
    return Outbound(message_id=msg_id, message_type=w.message_id,
                    body=w.getvalue(), to_bic=route.instructed_agent,
                    settlement_date=day, transfer_keys=tuple(keys),
                    uetrs=tuple(None for _ in keys))
