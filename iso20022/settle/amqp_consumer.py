"""The consumer's half of exactly-once over AMQP: take each published delivery once.

AMQP 0-9-1 cannot publish exactly once: when the relay crashes after the
broker confirmed a message but before the outbox marked it sent, the replay
publishes the same delivery again (see :mod:`iso20022.settle.amqp`).  Every
copy carries the same ``message_id`` (the delivery key), so the receiving
side makes the *effect* exactly-once; :class:`AmqpConsumer` does that for a
consumer written in Python:

* each message is taken unacknowledged (``basic_get``, no auto-ack);
* in ONE transaction of the consumer's ledger database, its ``message_id``
  is inserted into ``idempotency_keys`` (scope ``amqp:<queue>`` by default)
  and, only when the key is new, the handler runs; a handler that writes
  through ``consumer.ledger.db`` commits together with the key;
* the message is acknowledged only after that commit.

So a crash before the commit leaves the message unacknowledged and the broker
delivers it again (nothing lost), and a crash after the commit but before the
acknowledgement, or a second copy from the publisher, finds the key and is
acknowledged without running the handler (nothing doubled).  A handler that
raises rolls back, the message goes back on the queue (``nack``, requeue) and
the round stops there, to be tried again by the next :meth:`AmqpConsumer.receive`.
A message without a ``message_id`` cannot be deduplicated: it is refused
(``nack`` without requeue: the queue's dead-letter exchange gets it, when one
is configured) and counted as ``refused``.

Example:
    ``AmqpConsumer(url, Ledger.open("consumer.sqlite")).receive("tips", handle)``
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from ..errors import SettlementError
from .amqp import connection_parameters
from .ledger import Ledger
from .migrations import now

__all__ = ["AmqpConsumer", "ReceiveReport", "Received"]


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the handler sees it (the first copy of its ``message_id``)."""

    message_id: str  # the delivery key (iso20022.settle.Delivery.key)
    queue: str
    body: bytes
    message_type: str | None = None
    headers: Mapping[str, Any] = field(default_factory=dict)
    redelivered: bool = False  # the broker delivered it before (unacknowledged then)


@dataclass(slots=True)
class ReceiveReport:
    """What one :meth:`AmqpConsumer.receive` call did, counted in messages."""

    received: int = 0  # taken from the queue
    processed: int = 0  # the handler ran and its transaction committed
    duplicate: int = 0  # the message_id was processed before: acknowledged, handler not run
    requeued: int = 0  # the handler raised: rolled back, back on the queue
    refused: int = 0  # no message_id: not processed, not requeued
    duplicate_ids: list[str] = field(default_factory=list)  # message_ids dropped as duplicates
    errors: list[str] = field(default_factory=list)


Handler = Callable[[Received], object]


class AmqpConsumer:
    """Takes messages from a rail's queue, each ``message_id`` once (see the module docstring).

    Takes: an ``amqp://`` URL; the consumer's :class:`~iso20022.settle.ledger.Ledger`
    (its ``idempotency_keys`` table remembers what was processed);
    ``queue_prefix`` as given to the publishing
    :class:`~iso20022.settle.amqp.AmqpAdapter`; ``scope``: the idempotency
    scope prefix; ``timeout``: seconds for connecting.
    Example: ``AmqpConsumer(url, ledger, queue_prefix="payments.").receive("tips", handle)``
    """

    name = "amqp-consumer"

    def __init__(self, url: str, ledger: Ledger, *, queue_prefix: str = "",
                 scope: str = "amqp", timeout: float = 10.0) -> None:
        self._pika, self._failures, self.where, self._params = connection_parameters(
            url, timeout, self.name)
        self.ledger = ledger
        self.queue_prefix = queue_prefix
        self.scope = scope
        self._connection: Any = None
        self._channel: Any = None

    def queue_name(self, rail: str) -> str:
        """The queue of ``rail`` (the publisher's naming)."""
        return f"{self.queue_prefix}{rail}"

    def _ensure_channel(self) -> Any:
        if self._channel is not None and self._channel.is_open:
            return self._channel
        self._reset()
        connection = self._pika.BlockingConnection(self._params)
        self._connection, self._channel = connection, connection.channel()
        return self._channel

    def receive(self, rail: str, handler: Handler, *, limit: int | None = None) -> ReceiveReport:
        """Process the messages now on ``rail``'s queue, each ``message_id`` once.

        Takes: the rail; ``handler(received)``, called inside the consumer
        ledger's transaction for the first copy of each ``message_id``;
        ``limit``: at most this many messages (default: until the queue is empty).
        Returns: the :class:`ReceiveReport`.  Raises: SettlementError, retryable,
        when the broker or the consumer's database fails (unacknowledged
        messages then come back; what was committed is never processed twice);
        whatever a ``BaseException`` that is not an ``Exception`` (a crash) is.
        Example: ``consumer.receive("tips", lambda m: book(m.body)).processed`` -> ``3``
        """
        report = ReceiveReport()
        queue = self.queue_name(rail)
        try:
            channel = self._ensure_channel()
            while limit is None or report.received < limit:
                method, properties, body = channel.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                report.received += 1
                if not self._one(channel, queue, method, properties, bytes(body), handler,
                                 report):
                    break
        except self._failures as exc:
            self._reset()
            raise SettlementError(
                f"{self.where}: {type(exc).__name__}: {str(exc) or 'no detail'} on queue "
                f"{queue} after {report.processed + report.duplicate} acknowledged",
                retryable=True, adapter=self.name) from None
        except SettlementError:
            self._reset()  # the database failed: unacknowledged messages go back to the queue
            raise
        return report

    def _one(self, channel: Any, queue: str, method: Any, properties: Any, body: bytes,
             handler: Handler, report: ReceiveReport) -> bool:
        """Handle one message; return False when the round must stop (it was requeued)."""
        tag = method.delivery_tag
        message_id = properties.message_id
        if not message_id:
            channel.basic_nack(tag, requeue=False)
            report.refused += 1
            report.errors.append(f"message without message_id on {queue}: refused")
            return True
        db = self.ledger.db
        try:
            with db.transaction():
                fresh = db.changes(
                    "INSERT INTO idempotency_keys (scope, key, status, detail, created_at)"
                    " VALUES (?, ?, 'processed', ?, ?) ON CONFLICT (scope, key) DO NOTHING",
                    (f"{self.scope}:{queue}", message_id, properties.type or "", now()))
                if fresh:
                    handler(Received(message_id=message_id, queue=queue, body=body,
                                     message_type=properties.type,
                                     headers=dict(properties.headers or {}),
                                     redelivered=bool(method.redelivered)))
        except SettlementError:
            raise
        except Exception as exc:  # the handler failed: rolled back, tried again later
            channel.basic_nack(tag, requeue=True)
            report.requeued += 1
            report.errors.append(f"{message_id}: {type(exc).__name__}: {exc}")
            return False
        self._ack(channel, tag)
        if fresh:
            report.processed += 1
        else:
            report.duplicate += 1
            report.duplicate_ids.append(message_id)
        return True

    def _ack(self, channel: Any, tag: int) -> None:
        """Acknowledge a message whose processing is committed."""
        channel.basic_ack(tag)

    def _reset(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            with suppress(Exception):  # already broken: the broker drops it on its own
                connection.close()

    def close(self) -> None:
        """Close the connection (unacknowledged messages go back to the queue; idempotent)."""
        self._reset()
