"""Running the service: one instance in this process, or a pool of instances over the files.

``serve`` runs one :class:`~iso20022.dropbox.service.DropService` until it is
stopped (``watch``), or until a round finds nothing (``process``; ``once``:
one round).  ``serve_workers`` runs ``workers`` such instances in forked child
processes over the same drop, one per core: the claim by rename shares the
files out between them (each file is taken by exactly one), the ledger
serializes their decisions, and SIGTERM / SIGINT are forwarded to every child,
each of which finishes its current file.  Their results are summed.

Example: ``serve_workers(load_config(None, drop="drop"), 2, once=True).files``
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from ..errors import Iso20022Error
from .config import DropConfig
from .service import DropService, FileResult, Progress, RunReport

__all__ = ["DropboxWorkerError", "serve", "serve_workers"]


class DropboxWorkerError(Iso20022Error):
    """A worker process of ``serve_workers`` failed (its error, one line)."""


def _add(total: RunReport, r: RunReport) -> None:
    for res in r.results:
        total.add(res)
    total.recovered += r.recovered
    total.retry_later += r.retry_later
    total.deliveries_sent += r.deliveries_sent


@contextmanager
def _restoring_signals() -> Iterator[None]:
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def serve(config: DropConfig, *, mode: str = "process", once: bool = False,
          on_file: Callable[[FileResult], None] | None = None,
          progress: Callable[[str], Progress] | None = None) -> RunReport:
    """One instance's rounds in this process (SIGTERM / SIGINT stop it after the current
    file; the previous handlers are restored afterwards).

    Returns: the sum of the rounds.  Raises: SettlementError, ConfigError.
    Example: ``serve(config, once=True).files``
    """
    total = RunReport()
    with DropService(config, on_file=on_file, progress=progress) as service, \
            _restoring_signals():
        service.install_signals()
        if mode == "watch":
            return service.watch()
        while True:
            r = service.run_once()
            _add(total, r)
            if once or not r.files or service.stopping.is_set():
                break
    return total


def _worker(config: DropConfig, mode: str, once: bool,
            on_file: Callable[[FileResult], None] | None, out: Any) -> None:
    try:
        out.put(serve(config, mode=mode, once=once, on_file=on_file))
    except Exception as exc:  # reported by the parent as one line
        out.put(f"{config.instance}: {type(exc).__name__}: {exc}")


def serve_workers(config: DropConfig, workers: int, *, mode: str = "process",
                  once: bool = False,
                  on_file: Callable[[FileResult], None] | None = None) -> RunReport:
    """``workers`` instances (named ``<instance>-1`` ...) in forked child processes.

    Returns: the sum of their results.  Raises: DropboxWorkerError naming the
    first worker that failed (after all of them ended).
    Example: ``serve_workers(config, 2, once=True)``
    """
    ctx = multiprocessing.get_context("fork")
    out = ctx.SimpleQueue()
    procs = [ctx.Process(target=_worker, name=f"{config.instance}-{i + 1}",
                         args=(replace(config, instance=f"{config.instance}-{i + 1}"), mode,
                               once, on_file, out)) for i in range(workers)]

    def forward(signum: int, frame: object) -> None:
        for p in procs:
            if p.pid is not None and p.is_alive():
                os.kill(p.pid, signal.SIGTERM)

    with _restoring_signals():
        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        for p in procs:
            p.start()
        results = [out.get() for _ in procs]
        for p in procs:
            p.join()
    total = RunReport()
    errors = [r for r in results if isinstance(r, str)]
    if errors:
        raise DropboxWorkerError(errors[0])
    for r in results:
        assert isinstance(r, RunReport)
        _add(total, r)
    return total
