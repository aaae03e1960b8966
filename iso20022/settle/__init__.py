"""Settlement: the adapter protocol, the ledger with its outbox, and the adapters.

``Ledger.open(path_or_url)`` records routed deliveries and their transfers in
one transaction (the transactional outbox); ``Relay(ledger, adapters)``
delivers them to ``FileAdapter`` (atomic files per rail), ``LedgerAdapter``
(on-us postings) or ``AmqpAdapter`` (RabbitMQ with publisher confirms), and
marks them sent only after the adapter confirmed.  ``AmqpConsumer`` is the
receiving side of the AMQP rail: it takes each published ``message_id`` once.
"""

from __future__ import annotations

from ..errors import SettlementError
from .amqp import AmqpAdapter
from .amqp_consumer import AmqpConsumer, Received, ReceiveReport
from .files import FileAdapter
from .ledger import Ledger
from .ledger_adapter import LedgerAdapter
from .outbox import Relay, RelayReport
from .protocol import Adapter, Delivery, Entry, Outcome

__all__ = [
    "Adapter",
    "AmqpAdapter",
    "AmqpConsumer",
    "Delivery",
    "Entry",
    "FileAdapter",
    "Ledger",
    "LedgerAdapter",
    "Outcome",
    "ReceiveReport",
    "Received",
    "Relay",
    "RelayReport",
    "SettlementError",
]
