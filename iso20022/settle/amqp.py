"""The ``amqp`` adapter: publishes outbound XML to RabbitMQ with publisher confirms.

Each delivery is one message on the durable queue named by its rail
(declared on first use), published through the default exchange with
``mandatory`` set, ``delivery_mode=2`` (persistent), ``message_id`` = the
delivery key, ``type`` = the message type, ``content_type`` =
``application/xml`` and headers carrying the ids (``x-delivery-key``,
``x-message-id``, ``x-route``, ``x-transfers``, and for a single-transfer
delivery ``x-transfer-key`` / ``x-end-to-end-id`` / ``x-uetr``) plus the
delivery's own headers.  The channel is in confirm mode: :meth:`AmqpAdapter.settle`
returns an outcome only after the broker confirmed the message (it is then
on the durable queue); a nack, an unroutable return or a lost connection is
a retryable :class:`~iso20022.errors.SettlementError`, and the next call
reconnects.

Idempotency at the broker is impossible: AMQP has no "publish once" and a
crash between the broker's confirm and the outbox's "marked sent" makes the
relay publish the same delivery again.  Exactly-once *effect* is therefore
the consumer's part: every copy carries the same ``message_id`` (the
delivery key), and a consumer must drop a ``message_id`` it has already
processed: :class:`~iso20022.settle.amqp_consumer.AmqpConsumer` does so with
the idempotency keys of its own ledger, committed before the acknowledgement.  The outbox
guarantees the other half: nothing is published that was not recorded, and
nothing recorded stays unpublished.

The URL's password never appears in an error message.

Example:
    ``AmqpAdapter("amqp://guest:guest@127.0.0.1:5672/").settle(deliveries)``
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from ..errors import SettlementError
from ._db import redact
from .protocol import Delivery, Outcome

__all__ = ["AmqpAdapter", "connection_parameters", "message_headers"]


def message_headers(d: Delivery) -> dict[str, Any]:
    """The AMQP headers of delivery ``d``: its own headers plus the ids.

    Example:
        >>> from iso20022.settle import Delivery
        >>> h = message_headers(Delivery(key="k", route="r", adapter="amqp", rail="q",
        ...                              message_id="M1"))
        >>> h["x-delivery-key"], h["x-message-id"], h["x-transfers"]
        ('k', 'M1', 0)
    """
    headers: dict[str, Any] = dict(d.headers)
    headers.update({"x-delivery-key": d.key, "x-message-id": d.message_id,
                    "x-route": d.route, "x-transfers": len(d.entries)})
    if len(d.entries) == 1:
        (e,) = d.entries
        headers["x-transfer-key"] = e.transfer_key
        headers["x-end-to-end-id"] = e.end_to_end_id
        if e.uetr:
            headers["x-uetr"] = e.uetr
    return headers


class AmqpAdapter:
    """Publishes deliveries to RabbitMQ, one durable queue per rail (see the module docstring).

    Takes: an ``amqp://`` URL; ``queue_prefix`` prepended to the rail to name
    the queue; ``timeout`` seconds for connecting and blocked connections.
    Example: ``AmqpAdapter(url, queue_prefix="payments.").settle([delivery])``
    """

    name = "amqp"

    def __init__(self, url: str, *, queue_prefix: str = "", timeout: float = 10.0) -> None:
        self._pika, self._failures, self.where, self._params = connection_parameters(
            url, timeout, self.name)
        self.queue_prefix = queue_prefix
        self._connection: Any = None
        self._channel: Any = None
        self._declared: set[str] = set()

    def queue_name(self, rail: str) -> str:
        """The queue that receives ``rail``'s deliveries."""
        return f"{self.queue_prefix}{rail}"

    def _ensure_channel(self) -> Any:
        if self._channel is not None and self._channel.is_open:
            try:  # an idle connection may have been dropped (missed heartbeats): find out now,
                self._connection.process_data_events(time_limit=0)  # before publishing anything
                return self._channel
            except self._failures:
                pass  # reconnect below: nothing of this call was published yet
        self._reset()
        connection = self._pika.BlockingConnection(self._params)
        channel = connection.channel()
        channel.confirm_delivery()
        self._connection, self._channel = connection, channel
        return channel

    def settle(self, batch: Sequence[Delivery], /) -> list[Outcome]:
        """Publish every delivery of ``batch``, each confirmed by the broker before the next.

        Returns: ``settled`` per delivery, in order (the broker cannot tell a
        duplicate; see the module docstring).  Raises: SettlementError,
        retryable, when the broker is unreachable, nacks or cannot route
        (deliveries confirmed before stay published).
        Example: ``adapter.settle([delivery])`` -> ``[Outcome("d1", "settled")]``
        """
        pika = self._pika
        outcomes: list[Outcome] = []
        try:
            channel = self._ensure_channel()
            for d in batch:
                queue = self.queue_name(d.rail)
                if queue not in self._declared:
                    channel.queue_declare(queue=queue, durable=True)
                    self._declared.add(queue)
                properties = pika.BasicProperties(
                    delivery_mode=pika.DeliveryMode.Persistent, message_id=d.key,
                    type=d.message_type or None, content_type="application/xml",
                    headers=message_headers(d))
                channel.basic_publish(exchange="", routing_key=queue, body=bytes(d.body),
                                      properties=properties, mandatory=True)
                outcomes.append(Outcome(d.key, "settled", f"confirmed on queue {queue}"))
        except self._failures as exc:
            self._reset()
            raise SettlementError(
                f"{self.where}: {type(exc).__name__}: {str(exc) or 'no detail'}"
                f" after {len(outcomes)} of {len(batch)} confirmed",
                retryable=True, adapter=self.name) from None
        return outcomes

    def _reset(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        self._declared.clear()
        if connection is not None and connection.is_open:
            with suppress(Exception):  # already broken: the broker drops it on its own
                connection.close()

    def close(self) -> None:
        """Close the connection to the broker (idempotent)."""
        self._reset()


def connection_parameters(url: str, timeout: float,
                          adapter: str) -> tuple[Any, tuple[type[BaseException], ...], str, Any]:
    """pika, the exceptions that mean "broker trouble", the redacted URL and its parameters.

    Shared by the publishing adapter and the consumer.  Raises: SettlementError
    (permanent) without the ``amqp`` extra or for an unusable URL.
    Example: ``pika, failures, where, params = connection_parameters(url, 10.0, "amqp")``
    """
    try:
        import pika
        import pika.exceptions
    except ImportError:  # pragma: no cover - the amqp extra is not installed
        raise SettlementError("AMQP needs the 'amqp' extra (pika)", retryable=False,
                              adapter=adapter) from None
    where = redact(url)
    try:
        params = pika.URLParameters(url)
    except Exception as exc:  # pika raises plain ValueError/KeyError on bad URLs
        raise SettlementError(f"not a usable AMQP URL {where}: {type(exc).__name__}",
                              retryable=False, adapter=adapter) from None
    params.socket_timeout = timeout
    params.blocked_connection_timeout = timeout
    params.connection_attempts = 1
    return pika, (pika.exceptions.AMQPError, OSError), where, params
