"""Helpers of the settlement tests: deliveries built from parsed transfers, test queues."""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from iso20022.keys import transfer_key
from iso20022.records import Account, Transfer
from iso20022.settle import Delivery, Entry
from iso20022.settle.ledger import Ledger

__all__ = ["OpenLedger", "Proxy", "Queues", "entry_of", "make_deliveries", "money_delivery"]

OpenLedger = Callable[[], Ledger]


def entry_of(t: Transfer) -> Entry:
    """The settlement entry of a parsed transfer."""
    return Entry(transfer_key=transfer_key(t), amount=t.amount.amount,
                 currency=t.amount.currency, end_to_end_id=t.end_to_end_id, uetr=t.uetr,
                 debtor_account=_account_id(t.debtor_account),
                 creditor_account=_account_id(t.creditor_account))


def _account_id(account: Account | None) -> str | None:
    if account is None:
        return None
    return account.iban or (account.other_id.id if account.other_id else None)


def make_deliveries(transfers: Sequence[Transfer], *, adapter: str, rail: str = "sepa",
                    per: int = 1, **extra: Any) -> list[Delivery]:
    """Deliveries of ``per`` transfers each, keyed by their transfers' keys."""
    out = []
    for i in range(0, len(transfers), per):
        entries = tuple(entry_of(t) for t in transfers[i:i + per])
        key = f"{rail}-{entries[0].transfer_key}-{len(entries)}"
        body = b"".join(b"<Tx>%s</Tx>" % e.end_to_end_id.encode() for e in entries)
        out.append(Delivery(key=key, route=f"route-{rail}", adapter=adapter, rail=rail,
                            message_id=f"MSG-{i}", message_type="pacs.008.001.08",
                            body=b"<Document>" + body + b"</Document>",
                            headers={"x-batch": str(i)}, entries=entries, **extra))
    return out


def money_delivery(key: str, amount: str, *, rail: str = "onus", debtor: str = "A",
                   creditor: str = "B", currency: str = "EUR",
                   adapter: str = "ledger") -> Delivery:
    """A one-transfer delivery moving ``amount`` from ``debtor`` to ``creditor``."""
    e = Entry(transfer_key=f"t-{key}", amount=Decimal(amount), currency=currency,
              debtor_account=debtor, creditor_account=creditor, end_to_end_id=f"E2E-{key}")
    return Delivery(key=key, route="on-us", adapter=adapter, rail=rail, message_id=f"M-{key}",
                    entries=(e,))


class Queues:
    """A unique queue prefix on the test broker; reads and deletes its queues."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"iso20022-test-{secrets.token_hex(6)}-"
        self.used: set[str] = set()

    def name(self, rail: str) -> str:
        self.used.add(self.prefix + rail)
        return self.prefix + rail

    def consume(self, rail: str) -> list[tuple[Any, bytes]]:
        """Every message now on ``rail``'s queue: ``(properties, body)``, acknowledged."""
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            out: list[tuple[Any, bytes]] = []
            while True:
                method, properties, body = channel.basic_get(self.name(rail), auto_ack=True)
                if method is None or body is None:
                    return out
                out.append((properties, body))
        finally:
            connection.close()

    def delete_all(self) -> None:
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            for queue in self.used:
                channel.queue_delete(queue)
        finally:
            connection.close()


class Proxy:
    """A TCP forwarder to ``target`` on a fixed local port that can go down and come back.

    ``stop()`` closes the listener and every forwarded connection (a broker
    that went away); ``start()`` listens on the same port again; ``cut()``
    closes the live connections only (a connection dropped under a client).
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the accepting thread up (Linux)
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        self.cut()
