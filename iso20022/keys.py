"""Stable keys: who sent a message, and one key per transfer for idempotency.

A transfer key is what every later stage uses to say "this transfer": the
duplicate checks, the ledger's idempotency keys, the outbox and the settlement
adapters.  It is derived from the source message only (sender, message type,
MsgId, PmtInfId, position and EndToEndId), so processing the same file again,
after a crash or on another machine, gives the same keys.

Example:
    >>> from iso20022.records import MessageHeader
    >>> from datetime import datetime
    >>> h = MessageHeader(message_type="pacs.008.001.08", message_id="M1",
    ...                   creation_date_time=datetime(2026, 1, 1), number_of_transactions=1)
    >>> sender_of(h)
    ''
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .records import MessageHeader, Transfer

__all__ = ["message_key", "sender_of", "transfer_key", "transfer_keys"]


def sender_of(header: MessageHeader) -> str:
    """The best identification of who sent ``header``'s message, or ``""``.

    In order: the AppHdr's From BIC or member id, the initiating party's BIC
    or name (pain), the instructing agent's BIC or member id (pacs).
    """
    app = header.app_header
    if app is not None and (app.from_bic or app.from_member_id):
        return app.from_bic or app.from_member_id or ""
    party = header.initiating_party
    if party is not None and (party.organisation_bic or party.name):
        return party.organisation_bic or party.name or ""
    agent = header.instructing_agent
    if agent is not None and (agent.bic or agent.member_id):
        return agent.bic or agent.member_id or ""
    return ""


def message_key(header: MessageHeader) -> str:
    """``sender|message family|MsgId``: the unit of the DU01 duplicate check.

    The family (``pain.001``) rather than the full id, so that the same MsgId
    resent in another version of the same message is still a duplicate.
    """
    family = ".".join(header.message_type.split(".")[:2])
    return f"{sender_of(header)}|{family}|{header.message_id}"


def transfer_key(transfer: Transfer) -> str:
    """A 32-hex-digit key naming ``transfer`` stably across runs and machines."""
    return _transfer_key(transfer, message_key(transfer.message))


def transfer_keys(transfers: Iterable[Transfer]) -> list[str]:
    """``[transfer_key(t) for t in transfers]``, each message's key computed once for
    its transfers that come one after another (as a message's transfers do)."""
    keys = []
    header: MessageHeader | None = None
    header_key = ""
    for transfer in transfers:
        if transfer.message is not header:
            header = transfer.message
            header_key = message_key(header)
        keys.append(_transfer_key(transfer, header_key))
    return keys


def _transfer_key(transfer: Transfer, header_key: str) -> str:
    payment = transfer.payment
    parts = (
        header_key,
        payment.payment_information_id if payment is not None else "",
        str(transfer.source.index),
        transfer.end_to_end_id,
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
