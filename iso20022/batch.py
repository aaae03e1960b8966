"""Batch jobs: parse, validate and route many pain.001 / pacs.008 files, one task per file.

:func:`process_file` takes one file through the pipeline's stages as the
file-drop service composes them (``iso20022.validation.check`` streaming the
transfers with their issues, ``Routes.route`` for each transfer that may go
on) and returns a small :class:`FileSummary`: status, counts, accepted amounts
per currency, transfers per route, issues per reason code, duration.  It
streams: a file of a million transactions is never held in memory, only its
rejected transactions' verdicts and a count per (payment block, route).  A
transfer counts for its route when it has no issue of its own, its PmtInf
has none and the message is accepted (ACCP, ACTC or PART), the rule by which
the drop service settles.  Nothing is settled and nothing is written.

:func:`run_batch` maps it over the files with :func:`iso20022.distribute.map_tasks`:
a local process pool by default, Dask distributed given a scheduler.  Results
come in input order.  Bad input (missing, not XML, not a pain.001 / pacs.008)
is a summary with status ``error`` and a typed :class:`BatchError`, never an
exception; a job-level problem (an unreadable routes file on a worker, an
unknown rule set) is raised, typed, from the task.

``iso20022 batch FILE_OR_DIR... [--scheduler tcp://host:port] [--workers N]
[--rules R] [--routes TOML] [--format text|jsonl] [--output FILE]`` prints one
line per file and a total (text) or one JSON object per file (jsonl); exit
status as ``iso20022 validate``: 0 every file accepted whole, 1 something
rejected (PART or RJCT), 2 a file was unusable or the job could not run.

Example:
    >>> [s.status for s in run_batch(["missing.xml"], workers=1)]
    ['error']
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from ._fileio import write_atomic
from .catalog import detect
from .distribute import ConfigurationError, engine_name, map_tasks
from .errors import ParseError, SchemaError, UnsupportedMessageError
from .limits import DEFAULT_LIMITS, Limits
from .route import Routes
from .validation import RULE_SETS, check
from .validation.cli import EXIT_OK, EXIT_REJECTED, EXIT_UNUSABLE, _expand
from .validation.verdict import MessageVerdict, Status

__all__ = ["ERROR", "BatchError", "FileSummary", "FileTask", "add_batch_command",
           "exit_status", "process_file", "run_batch"]

ERROR = "error"
"""The status of a file that could not be processed (next to ACCP, ACTC, PART, RJCT)."""


@dataclass(frozen=True, slots=True)
class FileTask:
    """One file's work: what to read and how (every field pickles, for other processes)."""

    path: str  # the file to read (absolute, so that a worker elsewhere finds it)
    rules: str = "generic"  # the rule set, see iso20022.validation.RULE_SETS
    routes: str | None = None  # the routes TOML file; None: no routing
    limits: Limits = DEFAULT_LIMITS
    name: str | None = None  # how the file is reported (default: path)


@dataclass(frozen=True, slots=True)
class BatchError:
    """Why a file could not be processed: the error's type, reason code, where, what."""

    type: str  # the exception class: ParseError, UnsupportedMessageError, SchemaNotFoundError...
    text: str
    code: str | None = None  # ExternalStatusReason1Code (FF01) when there is one
    line: int | None = None
    path: str | None = None  # element path, /Document/...

    def as_dict(self) -> dict[str, Any]:
        """The error as plain JSON-able values, absent ones omitted."""
        return {k: v for k in ("type", "code", "text", "line", "path")
                if (v := getattr(self, k)) is not None}

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        where = "".join(f"{p}: " for p in (self.line and f"line {self.line}", self.path) if p)
        return f"{self.type}{code}: {where}{self.text}"


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What the pipeline concluded about one file (small: a job returns one per file)."""

    file: str
    status: str  # ACCP / ACTC / PART / RJCT, or ERROR ("error") with ``error`` set
    message_type: str | None = None  # e.g. pain.001.001.09
    message_id: str | None = None  # GrpHdr/MsgId
    transactions: int = 0  # transactions read
    accepted: int = 0  # ... that may go on
    rejected: int = 0  # ... rejected at any level
    amounts: dict[str, str] = field(default_factory=dict)  # accepted, per currency (Decimal)
    routes: dict[str, int] = field(default_factory=dict)  # accepted transfers per route name
    reasons: dict[str, int] = field(default_factory=dict)  # issues per ISO reason code
    seconds: float = 0.0
    error: BatchError | None = None

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-able values (one JSON line of the job)."""
        out: dict[str, Any] = {"file": self.file, "status": self.status}
        for name in ("message_type", "message_id"):
            if (value := getattr(self, name)) is not None:
                out[name] = value
        out.update(transactions=self.transactions, accepted=self.accepted,
                   rejected=self.rejected, amounts=self.amounts, routes=self.routes,
                   reasons=self.reasons, seconds=round(self.seconds, 4))
        if self.error is not None:
            out["error"] = self.error.as_dict()
        return out

    def line(self) -> str:
        """One line for the terminal."""
        if self.error is not None:
            return f"{self.file}: {ERROR} {self.error}"
        what = f"{self.message_type} {self.message_id or '(MsgId unknown)'}"
        parts = [f"{self.transactions} transactions, {self.accepted} accepted, "
                 f"{self.rejected} rejected", _money(self.amounts)]
        if self.routes:
            parts.append("routes " + _counts(self.routes))
        if self.reasons:
            parts.append("reasons " + _counts(self.reasons))
        return f"{self.file}: {self.status} {what}: {'; '.join(parts)} ({self.seconds:.2f} s)"


def process_file(task: FileTask, /) -> FileSummary:
    """Parse, validate and route one file; the task function of a batch job.

    Takes: a :class:`FileTask`.  Returns: its :class:`FileSummary`, status
    ``error`` for unusable input.  Raises: RouteConfigError (the routes file
    cannot be read where the task runs), ValueError (an unknown rule set).
    Example: ``process_file(FileTask("/data/in.xml", rules="sepa")).status`` -> ``'ACCP'``
    """
    start = time.perf_counter()
    name = task.name or task.path
    routes = _routes(task.routes) if task.routes is not None else None
    message_type: str | None = None
    try:
        found = detect(task.path, limits=task.limits)
        message_type = str(found.message_id)
        if not found.supported:
            raise UnsupportedMessageError(
                f"{message_type} is not a pain.001 or pacs.008 message", file=task.path,
                line=found.line, path="/Document")
        checked = check(task.path, rules=task.rules, limits=task.limits)
        per_route: Counter[tuple[int | None, str]] = Counter()  # (PmtInf index, route name)
        for transfer, issues in checked:
            if routes is not None and not issues:
                payment = transfer.payment.index if transfer.payment is not None else None
                per_route[payment, routes.route(transfer).route.name] += 1
        verdict = checked.verdict
    except (ParseError, SchemaError) as exc:  # unreadable, not XML, unsupported, no XSD
        return FileSummary(file=name, status=ERROR, message_type=message_type,
                           seconds=time.perf_counter() - start,
                           error=BatchError(type=type(exc).__name__,
                                            text=getattr(exc, "message", str(exc)),
                                            code=getattr(exc, "code", None),
                                            line=getattr(exc, "line", None),
                                            path=getattr(exc, "path", None)))
    return _summary(name, verdict, per_route, time.perf_counter() - start)


def _summary(name: str, verdict: MessageVerdict, per_route: Counter[tuple[int | None, str]],
             seconds: float) -> FileSummary:
    unusable = next((i for i in verdict.issues if i.rule == "xml"), None)
    if unusable is not None:  # found past the start: truncated, limits, bad characters
        return FileSummary(file=name, status=ERROR, seconds=seconds,
                           message_type=verdict.message_type, message_id=verdict.message_id,
                           error=BatchError(type=ParseError.__name__, text=unusable.text,
                                            code=unusable.code, line=unusable.line,
                                            path=unusable.path))
    seen = verdict.transactions_seen
    rejected = (max(len(verdict.rejected), verdict.transactions_rejected)
                if verdict.accepted else seen)
    routes: Counter[str] = Counter()
    if verdict.accepted:
        bad_payments = {p.index for p in verdict.payments if p.issues}
        for (payment, route), count in per_route.items():
            if payment not in bad_payments:
                routes[route] += count
    return FileSummary(
        file=name, status=str(verdict.status), message_type=verdict.message_type,
        message_id=verdict.message_id, transactions=seen, accepted=seen - rejected,
        rejected=rejected, seconds=seconds,
        amounts={m.currency: str(m.amount)
                 for m in sorted(verdict.accepted_amounts, key=lambda m: m.currency)},
        routes=dict(sorted(routes.items())),
        reasons=dict(sorted(Counter(i.code for i in verdict.all_issues()).items())))


@lru_cache(maxsize=8)
def _routes_at(path: str, mtime_ns: int, size: int) -> Routes:
    return Routes.load(path)


def _routes(path: str) -> Routes:
    """The routes file, read once per process while it is unchanged."""
    try:
        st = os.stat(path)
    except OSError:
        return Routes.load(path)  # raises RouteConfigError naming the file
    return _routes_at(path, st.st_mtime_ns, st.st_size)


def run_batch(paths: Iterable[str], /, *, rules: str = "generic", routes: str | None = None,
              limits: Limits = DEFAULT_LIMITS, scheduler: object | None = None,
              workers: int | None = None) -> list[FileSummary]:
    """Process files as one job, locally or on Dask; summaries in input order.

    Takes: the file paths (reported as given, read by absolute path), the rule
    set, the routes file, the input limits, and a Dask ``scheduler`` (address,
    Client or cluster) or a number of local ``workers`` (see ``map_tasks``).
    Returns: one :class:`FileSummary` per path.  Raises: RouteConfigError,
    ValueError (unknown rule set), ConfigurationError (workers, scheduler).
    Example: ``run_batch(["a.xml", "b.xml"], routes="routes.toml", workers=2)``
    """
    if rules not in RULE_SETS:
        raise ValueError(f"unknown rule set {rules!r} (known: {', '.join(RULE_SETS)})")
    if routes is not None:
        routes = os.path.abspath(routes)
        Routes.load(routes)  # fail here, before any work, when the routes file is bad
    tasks = [FileTask(path=os.path.abspath(p), rules=rules, routes=routes, limits=limits,
                      name=p) for p in paths]
    return map_tasks(process_file, tasks, scheduler=scheduler, workers=workers)


def exit_status(results: Sequence[FileSummary]) -> int:
    """2 when a file was unusable, else 1 when something was rejected, else 0."""
    if any(r.status == ERROR for r in results):
        return EXIT_UNUSABLE
    if any(r.status in (Status.PART, Status.RJCT) for r in results):
        return EXIT_REJECTED
    return EXIT_OK


def total_line(results: Sequence[FileSummary], *, seconds: float, engine: str) -> str:
    """The job's last text line: files per outcome, transactions, amounts, routes."""
    statuses = Counter(r.status for r in results)
    amounts: dict[str, Decimal] = {}
    for r in results:
        for ccy, amount in r.amounts.items():
            amounts[ccy] = amounts.get(ccy, Decimal(0)) + Decimal(amount)
    routes = sum((Counter(r.routes) for r in results), Counter[str]())
    files = (f"{len(results)} files: {statuses['ACCP'] + statuses['ACTC']} accepted, "
             f"{statuses['PART']} partly, {statuses['RJCT']} rejected, {statuses[ERROR]} unusable")
    parts = [files, f"{sum(r.transactions for r in results)} transactions, "
                    f"{sum(r.accepted for r in results)} accepted, "
                    f"{sum(r.rejected for r in results)} rejected",
             _money({c: str(a) for c, a in amounts.items()})]
    if routes:
        parts.append("routes " + _counts(dict(sorted(routes.items()))))
    return f"total: {'; '.join(parts)} ({seconds:.2f} s on {engine})"


def _money(amounts: dict[str, str]) -> str:
    return ", ".join(f"{a} {c}" for c, a in sorted(amounts.items())) or "no amounts"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in counts.items())


# -- the command --------------------------------------------------------------------------


def add_batch_command(sub: Any) -> None:
    """Register ``batch`` on the ``iso20022`` command's subparsers."""
    p = sub.add_parser("batch", help="parse, validate and route many files as one job "
                                     "(local processes or Dask)")
    p.add_argument("files", nargs="+", metavar="FILE_OR_DIR")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask distributed scheduler (default: local processes)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local processes (default: the machine's cores; 1: this process)")
    p.add_argument("--rules", choices=tuple(RULE_SETS), default="generic",
                   help="the rule set (default: generic)")
    p.add_argument("--routes", metavar="TOML", help="the routes file (default: no routing)")
    p.add_argument("--format", choices=("text", "jsonl"), default="text")
    p.add_argument("--output", "-o", metavar="FILE", help="write here (atomically) "
                   "instead of stdout")
    p.set_defaults(func=_cmd_batch)


def _cmd_batch(args: argparse.Namespace) -> int:
    if args.scheduler is not None and args.workers is not None:
        raise ConfigurationError("--workers sizes the local pool; a Dask scheduler's "
                                 "cluster has workers of its own")
    files = _expand(args.files)
    if not files:
        raise FileNotFoundError(f"no input files in {' '.join(args.files)}")
    start = time.perf_counter()
    results = run_batch(files, rules=args.rules, routes=args.routes,
                        scheduler=args.scheduler, workers=args.workers)
    if args.format == "jsonl":
        text = "".join(orjson.dumps(r.as_dict()).decode() + "\n" for r in results)
    else:
        text = "".join(r.line() + "\n" for r in results) + total_line(
            results, seconds=time.perf_counter() - start,
            engine=engine_name(args.scheduler, args.workers)) + "\n"
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        write_atomic(Path(args.output), text.encode())
        print(f"iso20022: wrote {len(results)} file results to {args.output}", file=sys.stderr)
    return exit_status(results)
