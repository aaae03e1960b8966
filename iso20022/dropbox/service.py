"""The file-drop service: claim, validate, route, record, report, archive; recover on start.

One file, in order (each step safe to repeat after a crash):

1. **claim** — lock + atomic rename ``inbox/ -> processing/`` (see
   :mod:`.claim`), and a ``claimed`` row in the journal;
2. **decide** — validate (``iso20022.validation.check``), plan the accepted
   transfers of an accepted file (``iso20022.build.plan``), then in ONE ledger
   transaction: the duplicate check (content hash, ``sender|family|MsgId``),
   ``Ledger.record`` of the deliveries, and the journal's ``decided`` step
   with the verdict.  A duplicate or rejected file records nothing;
3. **report** — the pain.002 / pacs.002 written atomically into ``reports/``
   (its CreDtTm is the journal's, so a rewrite after a crash is identical);
4. **move** — the input renamed into ``archive/`` (ACCP, ACTC, PART) or
   ``rejected/`` (RJCT, duplicates), then the journal's ``done`` step;
5. **relay** — the outbox is drained to the adapters (``file``, ``ledger``).

A restart recovers every unlocked file in ``processing/``: with no journal
row or a ``claimed`` one it is decided again (validation and planning are
pure, ``Ledger.record`` is idempotent on keys); a ``decided`` one gets its
report and move; rows left ``decided`` whose file already reached its place
are marked ``done``.  The relay resumes the outbox under the instance's name.

Example:
    >>> import tempfile, pathlib
    >>> from iso20022.dropbox import DropService, load_config
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with DropService(load_config(None, drop=d, overrides={"min_age": 0})) as s:
    ...         s.run_once().files
    0
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from types import FrameType, TracebackType
from typing import Protocol

import orjson

from .._fileio import write_atomic
from ..build import plan, status_report
from ..build.status import UNREADABLE_REPORT_VERSION, report_version_for
from ..errors import Iso20022Error, ReportError, SettlementError
from ..keys import message_key, transfer_key
from ..parse import parse
from ..records import MessageHeader, Transfer
from ..settle import Delivery, FileAdapter, Ledger, LedgerAdapter, Relay
from ..settle.amqp import AmqpAdapter
from ..settle.protocol import Adapter
from ..validation import Issue, MessageVerdict, check, validate
from .claim import (
    Claim,
    claim,
    ready_files,
    recoverable,
    remove_stale_temporaries,
    restore,
)
from .config import DropConfig
from .journal import Journal
from .metrics import Metrics

__all__ = ["BATCH", "DropService", "FileResult", "RunReport", "open_ledger"]

BATCH = 10_000
PROGRESS_EVERY = 1_000  # transactions between two updates of a progress bar


class Progress(Protocol):
    """A progress bar of one file (tqdm's surface): counts transactions read."""

    def update(self, n: int) -> object: ...

    def close(self) -> None: ...

"""Transfers planned and recorded at a time; a file with more is read again to record it."""

log = logging.getLogger("iso20022.dropbox")


@dataclass(frozen=True, slots=True)
class FileResult:
    """What happened to one file."""

    id: str
    name: str
    status: str  # ACCP / ACTC / PART / RJCT
    place: str  # archive / rejected
    transactions: int
    rejected: int
    deliveries: int
    amounts: dict[str, Decimal]
    duplicate_of: str | None
    seconds: float
    report: str
    reasons: dict[str, int] = field(default_factory=dict)  # issues per ISO reason code


@dataclass(slots=True)
class RunReport:
    """What one round (or a whole run) did."""

    files: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    recovered: int = 0
    retry_later: int = 0
    transactions: int = 0
    deliveries_sent: int = 0
    results: list[FileResult] = field(default_factory=list)

    def add(self, r: FileResult) -> None:
        """Count ``r``."""
        self.files += 1
        self.results.append(r)
        self.transactions += r.transactions
        if r.duplicate_of is not None:
            self.duplicates += 1
        if r.place == "archive":
            self.accepted += 1
        else:
            self.rejected += 1


def open_ledger(target: str, *, timeout: float,
                sleep: Callable[[float], None] = time.sleep) -> tuple[Ledger, Journal]:
    """Open (and migrate) the ledger and its journal, waiting out retryable failures.

    Instances starting side by side on one new SQLite file create and migrate
    it at the same moment, and a PostgreSQL server may be restarting: a
    retryable SettlementError (locked, busy, unreachable) is tried again, with
    pauses growing to 2 s, until ``timeout`` seconds have passed.
    Returns: the ledger and the journal on its database.  Raises: SettlementError
    (a permanent one at once; the last retryable one after ``timeout``).
    Example: ``ledger, journal = open_ledger("drop/data/ledger.sqlite", timeout=60)``
    """
    deadline = time.monotonic() + timeout
    pause = 0.05
    while True:
        ledger: Ledger | None = None
        try:
            ledger = Ledger.open(target)
            return ledger, Journal(ledger.db)
        except SettlementError as exc:
            if ledger is not None:
                ledger.close()
            if not exc.retryable or time.monotonic() + pause > deadline:
                raise
            log.warning("ledger %s: %s; trying again in %.2f s", target, exc, pause)
        sleep(pause)
        pause = min(pause * 2, 2.0)


def _report_bytes(verdict: MessageVerdict, created: datetime, sender: str) -> tuple[bytes, str]:
    try:
        version = report_version_for(verdict.message_type)
    except ReportError:  # a message without a status report of its own (camt, ...)
        version = UNREADABLE_REPORT_VERSION
    return status_report(verdict, version=version, created=created, sender=sender), version


class DropService:
    """The service over one drop directory (see the module docstring).

    Takes: the configuration.  Opens the ledger (and the journal in it).
    Raises: SettlementError when the ledger cannot be opened; RouteConfigError.
    Example: ``with DropService(load_config(None, drop="drop")) as s: s.run_once()``
    """

    def __init__(self, config: DropConfig, *,
                 on_file: Callable[[FileResult], None] | None = None,
                 progress: Callable[[str], Progress] | None = None) -> None:
        self.config = config
        self.progress = progress
        for d in (config.inbox, config.processing, config.archive, config.rejected,
                  config.reports):
            d.mkdir(parents=True, exist_ok=True)
        self.routes = config.load_routes()
        self.ledger, self.journal = open_ledger(config.ledger, timeout=config.open_timeout)
        try:
            adapters: list[Adapter] = [FileAdapter(config.outbox), LedgerAdapter(self.ledger)]
            if config.amqp is not None:
                adapters.append(AmqpAdapter(config.amqp.url,
                                            queue_prefix=config.amqp.queue_prefix,
                                            timeout=config.amqp.timeout))
            self.relay = Relay(self.ledger, adapters, owner=config.instance, lease=60.0)
            self.metrics = (Metrics(config.metrics_port) if config.metrics_port is not None
                            else None)
        except BaseException:
            self.ledger.close()
            raise
        self.on_file = on_file
        self.stopping = threading.Event()
        self._recovered = False

    def close(self) -> None:
        """Close the ledger (and stop serving metrics)."""
        if self.metrics is not None:
            self.metrics.close()
        self.relay.close()
        self.ledger.close()

    def __enter__(self) -> DropService:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- rounds ------------------------------------------------------------------------------

    def recover(self) -> None:
        """Start-up repairs after a crash: the relay's leases, the journal, temporary files.

        Files left in ``processing/`` are resumed by every :meth:`run_once`.
        Example: ``service.recover()``
        """
        self.relay.recover()
        for d in (self.config.reports, self.config.archive, self.config.rejected):
            remove_stale_temporaries(d)
        for row in self.journal.files("decided"):
            if (row.place is not None and not (self.config.processing / row.id).exists()
                    and (self.config.folder(row.place) / row.id).exists()):
                self.journal.done(row.id)
        self._recovered = True

    def run_once(self) -> RunReport:
        """One round: resume unlocked files of processing/, take the ready inbox files, relay.

        The first round also runs :meth:`recover`.  Returns: what was done.
        Raises: SettlementError when the ledger fails for good (files stay in
        processing/ for the next round).
        Example: ``service.run_once().files`` -> ``3``
        """
        report = RunReport()
        if not self._recovered:
            self.recover()
        for left in recoverable(self.config.processing):
            if self.stopping.is_set():
                left.release()
                break
            self._handle(left, report, recovered=True)
        for path in ready_files(self.config.inbox, min_age=self.config.min_age):
            if self.stopping.is_set():
                break
            c = claim(path, self.config.processing)
            if c is None:
                continue
            self._handle(c, report, recovered=False)
        self._relay(report)
        return report

    def watch(self) -> RunReport:
        """Run rounds until :meth:`stop` (or SIGTERM / SIGINT in :meth:`serve`).

        Returns: the sum of the rounds.  Example: ``service.watch()``
        """
        total = RunReport()
        while not self.stopping.is_set():
            r = self.run_once()
            for res in r.results:
                total.add(res)
            total.recovered += r.recovered
            total.deliveries_sent += r.deliveries_sent
            if not r.files:
                self.stopping.wait(self.config.poll_interval)
        return total

    def stop(self) -> None:
        """Ask the service to stop after the current file (thread- and signal-safe)."""
        self.stopping.set()

    def install_signals(self) -> None:
        """Stop gracefully on SIGTERM and SIGINT: the current file is finished first."""
        def handler(signum: int, frame: FrameType | None) -> None:
            log.info("signal %s: stopping after the current file", signum)
            self.stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def _relay(self, report: RunReport) -> None:
        try:
            r = self.relay.drain(limit=self.config.relay_batch)
        except SettlementError as exc:
            log.warning("relay: %s (the outbox keeps the deliveries)", exc)
            return
        report.deliveries_sent += r.marked
        for error in r.errors:
            log.warning("relay: %s", error)

    # -- one file ----------------------------------------------------------------------------

    def _handle(self, c: Claim, report: RunReport, *, recovered: bool) -> None:
        try:
            result = self.process(c)
        except (Iso20022Error, OSError) as exc:  # the ledger or the disk: try again later
            log.warning("%s: left in processing/ for a later try: %s", c.id, exc)
            report.retry_later += 1
            return
        finally:
            c.release()
        if recovered:
            report.recovered += 1
        report.add(result)
        if self.on_file is not None:
            self.on_file(result)

    def process(self, c: Claim) -> FileResult:
        """Take one claimed file through decide, report and move (see the module docstring).

        Returns: the file's result.  Raises: SettlementError (retryable ones
        leave the file in processing/ for a later try).
        Example: ``service.process(claim)``
        """
        start = time.perf_counter()
        cfg = self.config
        row = self.journal.file(c.id)
        verdict: MessageVerdict | None = None
        if row is None or row.state == "claimed":
            sha, size = c.digest()
            self.journal.claim(c.id, c.original_name, sha256=sha, size=size,
                               owner=cfg.instance)
            verdict = self._decide(c, sha)
            row = self.journal.file(c.id)
        assert row is not None and row.place is not None and row.report is not None
        if row.state == "decided":
            if verdict is None:  # decided before a crash: the same verdict, computed again
                verdict = self._verdict_again(c, row.duplicate_of, row.detail)
            created = datetime.fromisoformat(str(row.report_created))
            data, _ = _report_bytes(verdict, created, cfg.our_bic)
            write_atomic(cfg.reports / row.report, data)
            restore(c, cfg.folder(row.place) / c.id)
            self.journal.done(c.id)
        elif (cfg.processing / c.id).exists():  # done, but the move was not seen: finish it
            restore(c, cfg.folder(row.place) / c.id)
        seconds = time.perf_counter() - start
        result = FileResult(
            id=c.id, name=row.name, status=str(row.status), place=row.place,
            transactions=row.transactions or 0, rejected=row.rejected or 0,
            deliveries=row.deliveries or 0, amounts=row.amounts, duplicate_of=row.duplicate_of,
            seconds=seconds, report=row.report, reasons=dict(sorted(Counter(
                i.code for i in verdict.all_issues()).items())) if verdict else {})
        log.info("%s", orjson.dumps({
            "file": row.name, "id": c.id, "status": result.status, "place": result.place,
            "transactions": result.transactions, "rejected": result.rejected,
            "deliveries": result.deliveries,
            "amounts": {k: str(v) for k, v in result.amounts.items()},
            "reasons": result.reasons, "duplicate_of": result.duplicate_of,
            "seconds": round(seconds, 4)}).decode())
        if self.metrics is not None:
            self.metrics.observe(result)
        return result

    def _validate(self, c: Claim) -> tuple[MessageVerdict, list[Transfer] | None,
                                           MessageHeader | None]:
        """The verdict, the accepted transfers (None: more than one batch, read them
        again) and the message header."""
        checked = check(c.readable_path, rules=self.config.rules, limits=self.config.limits)
        kept: list[Transfer] | None = []
        header: MessageHeader | None = None
        bar = self.progress(c.original_name) if self.progress is not None else None
        for i, (t, issues) in enumerate(checked, 1):
            if bar is not None and not i % PROGRESS_EVERY:
                bar.update(PROGRESS_EVERY)
            header = t.message
            if kept is not None and not issues:
                kept.append(t)
                if len(kept) > BATCH:
                    kept = None  # constant memory: stream them again when recording
        if bar is not None:
            bar.close()
        verdict = replace(checked.verdict, file=c.original_name)
        return verdict, kept, header

    def _accepted(self, c: Claim, verdict: MessageVerdict,
                  kept: list[Transfer] | None) -> Iterator[Transfer]:
        """The transfers to settle: no issue of their own, not in a rejected PmtInf."""
        bad_payments = {p.index for p in verdict.payments if p.issues}
        if kept is None:
            bad_keys = {tx.key for tx in verdict.rejected}
            source: Iterable[Transfer] = (t for t in parse(c.readable_path,
                                                           limits=self.config.limits)
                                          if transfer_key(t) not in bad_keys)
        else:
            source = kept
        for t in source:
            if t.payment is None or t.payment.index not in bad_payments:
                yield t

    def _plan(self, batch: list[Transfer]) -> list[Delivery]:
        try:
            return plan(batch, self.routes, our_bic=self.config.our_bic)
        except SettlementError:
            raise
        except Iso20022Error as exc:
            raise _Refusal(f"routing failed: {exc}") from None

    def _record(self, c: Claim, verdict: MessageVerdict, kept: list[Transfer] | None,
                planned: list[Delivery] | None) -> int:
        """Record the planned deliveries, or plan and record the accepted transfers a
        batch at a time (inside the caller's transaction); return the deliveries recorded."""
        if planned is not None:
            self.ledger.record(planned)
            return len(planned)
        count = 0
        for batch in _batches(self._accepted(c, verdict, kept), BATCH):
            deliveries = self._plan(batch)
            self.ledger.record(deliveries)
            count += len(deliveries)
        return count

    def _verdict_again(self, c: Claim, duplicate_of: str | None,
                       detail: str | None) -> MessageVerdict:
        """The verdict the journal decided on, computed again (validation is pure)."""
        verdict = replace(validate(c.readable_path, rules=self.config.rules,
                                   limits=self.config.limits), file=c.original_name)
        if duplicate_of is not None:
            return _as_duplicate(verdict, duplicate_of)
        if detail:
            return _refused(verdict, detail)
        return verdict

    def _decide(self, c: Claim, sha: str) -> MessageVerdict:
        verdict, kept, header = self._validate(c)
        mkey = message_key(header) if verdict.accepted and header is not None else None
        created = datetime.now(UTC).replace(microsecond=0)
        db = self.ledger.db
        try:
            # a file of one batch is planned before the write transaction, so instances
            # side by side hold the ledger's write lock only to record
            planned = (self._plan(list(self._accepted(c, verdict, kept)))
                       if verdict.accepted and kept is not None else None)
            with db.transaction():
                first = self.journal.first_seen(c.id, sha256=sha, message_key=mkey)
                final, recorded = verdict, 0
                if first is not None:
                    final = _as_duplicate(verdict, first)
                elif verdict.accepted:
                    recorded = self._record(c, verdict, kept, planned)
                self._journal_decide(c, final, mkey, recorded, created, first, "")
            return final
        except _Refusal as exc:
            refusal = str(exc)
        except SettlementError as exc:
            if exc.retryable:
                raise
            refusal = f"settlement refused: {exc}"
        with db.transaction():
            final = _refused(verdict, refusal)
            self._journal_decide(c, final, mkey, 0, created, None, refusal)
        return final

    def _journal_decide(self, c: Claim, verdict: MessageVerdict, mkey: str | None,
                        deliveries: int, created: datetime, first: str | None,
                        detail: str) -> None:
        version = _version_of(verdict)
        place = "archive" if verdict.accepted else "rejected"
        seen = verdict.transactions_seen
        self.journal.decide(
            c.id, status=str(verdict.status), message_type=verdict.message_type,
            message_key=mkey, transactions=seen,
            rejected=max(len(verdict.rejected), verdict.transactions_rejected)
            if verdict.accepted else seen,
            deliveries=deliveries,
            amounts={m.currency: m.amount for m in verdict.accepted_amounts},
            report=f"{c.id}.{version}.xml", report_created=created.isoformat(), place=place,
            duplicate_of=first, detail=detail)


def _batches(items: Iterable[Transfer], size: int) -> Iterator[list[Transfer]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class _Refusal(Exception):
    """Planning refused the file: roll the decide transaction back and reject it."""


def _version_of(verdict: MessageVerdict) -> str:
    try:
        return report_version_for(verdict.message_type)
    except ReportError:
        return UNREADABLE_REPORT_VERSION


def _as_duplicate(verdict: MessageVerdict, first: str) -> MessageVerdict:
    issue = Issue(code="DU01", rule="dropbox.duplicate", path="/Document",
                  text=f"this file or its MsgId was received before (in {first})")
    return replace(verdict, issues=(*verdict.issues, issue), accepted_amounts=())


def _refused(verdict: MessageVerdict, detail: str) -> MessageVerdict:
    issue = Issue(code="NARR", rule="dropbox.settlement", path="/Document", text=detail)
    return replace(verdict, issues=(*verdict.issues, issue), accepted_amounts=())
