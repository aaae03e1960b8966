"""The relay: delivers the ledger's outbox rows to the adapters, and marks them sent.

The outbox holds what routing decided, written in the same transaction as the
decision (:meth:`iso20022.settle.ledger.Ledger.record`).  A :class:`Relay`
claims pending rows (oldest first, with a lease: see
:meth:`~iso20022.settle.ledger.Ledger.claim`), hands them to the adapter each
names, and marks them sent only after the adapter returned its outcomes, i.e.
after the effect is durable.  So:

* nothing is sent that was not recorded (the relay sends only outbox rows);
* nothing recorded is lost: a crash before the adapter call, or between the
  adapter's confirmation and "marked sent", leaves the row pending; when its
  lease ends it is claimed again and delivered again, and the adapters'
  idempotency on ``Delivery.key`` turns the second delivery into
  ``duplicate`` (the AMQP broker cannot deduplicate: there the consumer does,
  by ``message_id``; see :mod:`iso20022.settle.amqp_consumer`);
* a retryable :class:`~iso20022.errors.SettlementError` (broker down, disk
  full) leaves the rows pending with the attempt counted, the error kept and
  the next try delayed (exponential backoff, capped); a permanent one parks
  them as ``failed`` (kept; :meth:`~iso20022.settle.ledger.Ledger.requeue_failed`).

Several relays may run side by side on PostgreSQL (rows are claimed with
``FOR UPDATE SKIP LOCKED``); on SQLite claiming is serialized by the write lock.

Example:
    >>> import tempfile
    >>> from decimal import Decimal
    >>> from iso20022.settle import Delivery, Entry
    >>> from iso20022.settle.files import FileAdapter
    >>> from iso20022.settle.ledger import Ledger
    >>> e = Entry(transfer_key="t1", amount=Decimal("5.00"), currency="EUR")
    >>> d = Delivery(key="d1", route="r", adapter="file", rail="sepa", message_id="M1",
    ...              body=b"<Document/>", entries=(e,))
    >>> with tempfile.TemporaryDirectory() as root, Ledger.open(":memory:") as ledger:
    ...     _ = ledger.record([d])
    ...     report = Relay(ledger, [FileAdapter(root)]).drain()
    ...     report.settled, ledger.transfer("t1").state
    (1, 'sent')
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..errors import SettlementError
from .ledger import Claimed, Ledger
from .protocol import Adapter, Outcome

__all__ = ["Relay", "RelayReport"]


@dataclass(slots=True)
class RelayReport:
    """What one or more relay rounds did, counted in deliveries."""

    claimed: int = 0
    settled: int = 0
    duplicate: int = 0
    rejected: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def marked(self) -> int:
        """Deliveries marked sent (settled, duplicate or rejected by their adapter)."""
        return self.settled + self.duplicate + self.rejected

    def add(self, other: RelayReport) -> None:
        """Add ``other``'s counts to this report."""
        for name in ("claimed", "settled", "duplicate", "rejected", "retried", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)


class Relay:
    """Delivers outbox rows of ``ledger`` to ``adapters`` (see the module docstring).

    Takes: the ledger; the adapters (a mapping name -> adapter, or adapters
    whose ``name`` is used); ``lease``: seconds a claimed row stays invisible
    to other relays (longer than one adapter call); ``base_delay`` /
    ``max_delay``: the retry backoff in seconds; ``owner``: this relay's name
    in the outbox (host:pid:random by default).
    Example: ``Relay(ledger, [FileAdapter("outbox")]).drain()``
    """

    def __init__(self, ledger: Ledger, adapters: Mapping[str, Adapter] | Iterable[Adapter], *,
                 lease: float = 300.0, base_delay: float = 1.0, max_delay: float = 300.0,
                 owner: str | None = None) -> None:
        self.ledger = ledger
        if isinstance(adapters, Mapping):
            self.adapters = dict(adapters)
        else:
            self.adapters = {a.name: a for a in adapters}
        self.lease = lease
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    def recover(self) -> int:
        """Release the rows this relay's ``owner`` had claimed before a crash.

        Only meaningful with a stable ``owner`` name (one per relay process);
        returns how many rows can now be delivered again without waiting for
        their lease.  Example: ``Relay(ledger, adapters, owner="relay-1").recover()``
        """
        return self.ledger.release(self.owner)

    def delay(self, attempts: int) -> float:
        """Seconds before the next try of a row that failed ``attempts + 1`` times."""
        return float(min(self.max_delay, self.base_delay * 2 ** min(attempts, 32)))

    def run_once(self, limit: int = 100) -> RelayReport:
        """Claim up to ``limit`` pending rows, deliver them, and mark what was confirmed.

        Returns: the round's report.  Raises: SettlementError only when the
        ledger itself fails (the claimed rows then come back after their lease).
        Example: ``relay.run_once(500).settled`` -> ``500``
        """
        report = RelayReport()
        claimed = self.ledger.claim(limit, owner=self.owner, lease=self.lease,
                                    adapters=sorted(self.adapters))
        report.claimed = len(claimed)
        groups: dict[str, list[Claimed]] = {}
        for c in claimed:
            groups.setdefault(c.delivery.adapter, []).append(c)
        for name, group in groups.items():
            self._deliver(self.adapters[name], group, report)
        return report

    def _deliver(self, adapter: Adapter, group: list[Claimed], report: RelayReport) -> None:
        try:
            outcomes = adapter.settle([c.delivery for c in group])
            _check(adapter, group, outcomes)
        except SettlementError as exc:
            report.errors.append(str(exc))
            if exc.retryable:
                attempts = max(c.attempts for c in group)
                self.ledger.mark_retry(group, str(exc), delay=self.delay(attempts))
                report.retried += len(group)
            else:
                self.ledger.mark_failed(group, str(exc))
                report.failed += len(group)
            return
        self.ledger.mark_sent(list(zip(group, outcomes, strict=True)),
                              final=bool(getattr(adapter, "settles_finally", False)))
        for o in outcomes:
            if o.status == "settled":
                report.settled += 1
            elif o.status == "duplicate":
                report.duplicate += 1
            else:
                report.rejected += 1

    def drain(self, *, limit: int = 100, max_rounds: int | None = None) -> RelayReport:
        """Run rounds until no row can be claimed now, or a round makes no progress.

        Rows waiting for a retry delay are left for a later call.
        Returns: the sum of the rounds' reports.
        Example: ``relay.drain().settled`` -> ``3``
        """
        total = RelayReport()
        rounds = 0
        while max_rounds is None or rounds < max_rounds:
            rounds += 1
            report = self.run_once(limit)
            total.add(report)
            if not report.claimed or not (report.marked or report.failed):
                break
        return total

    def close(self) -> None:
        """Close the adapters (the ledger is closed by its owner)."""
        for adapter in self.adapters.values():
            adapter.close()


def _check(adapter: Adapter, group: list[Claimed], outcomes: list[Outcome]) -> None:
    """An adapter must answer every delivery, in order; anything else is not a confirmation."""
    keys = [c.delivery.key for c in group]
    if [o.key for o in outcomes] != keys or any(
            o.status not in ("settled", "duplicate", "rejected") for o in outcomes):
        raise SettlementError(f"adapter {adapter.name} answered {len(outcomes)} outcomes for "
                              f"{len(keys)} deliveries, or out of order", retryable=True,
                              adapter=adapter.name)
