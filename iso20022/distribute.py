"""Running independent tasks on a local process pool or on a Dask cluster.

Contract: :func:`map_tasks` applies a module-level function to each item and
returns the results in the order of the items.  Where it runs:

- ``scheduler=None``: a local :class:`~concurrent.futures.ProcessPoolExecutor`
  of ``workers`` processes (default: the machine's cores), spawned: fresh
  interpreters with this process's environment (``ISO20022_NO_EXTENSIONS``
  holds) but not its in-memory state, and no fork of a process with threads
  (a Dask client's event loop), which can deadlock the child; with
  ``workers=1``, or a single item, in this process (no pickling, no pool
  start-up);
- ``scheduler="tcp://host:port"`` (or a ``distributed.Client`` / ``LocalCluster``
  object): Dask distributed, the tasks submitted through a client of that
  scheduler and gathered.  ``distributed`` is the ``dask`` extra; asking for a
  scheduler without it is a :class:`ConfigurationError`, never a silent local run.

The function and the items must pickle (records, paths and tuples do).  A task
that raises re-raises the same exception here, the first in item order; the
other tasks are still awaited first, so nothing runs on unseen.  In this
process (``workers=1``) the first exception stops the loop.  How long a Dask
client waits for its scheduler is Dask's ``distributed.comm.timeouts.connect``
(``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``).

Example:
    >>> map_tasks(len, ["a", "bb"], workers=1)
    [1, 2]
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from .errors import Iso20022Error

__all__ = ["ConfigurationError", "Engine", "default_workers", "engine_name", "map_tasks"]

T = TypeVar("T")
R = TypeVar("R")


class ConfigurationError(Iso20022Error, ValueError):
    """A distribution setting that cannot work (no ``distributed``, a bad address)."""


def default_workers() -> int:
    """The cores this process may use (``os.sched_getaffinity`` where it exists)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def engine_name(scheduler: object | None, workers: int | None) -> str:
    """What :func:`map_tasks` will use, for logs and reports: ``local[2]``, ``dask[tcp://…]``."""
    if scheduler is not None:
        return f"dask[{_address(scheduler)}]"
    return f"local[{workers or default_workers()}]"


def _address(scheduler: object) -> str:
    if isinstance(scheduler, str):
        return scheduler
    address = getattr(scheduler, "scheduler_address", None)  # a LocalCluster / Client
    if address is None:
        scheduler_info = getattr(scheduler, "scheduler", None)
        address = getattr(scheduler_info, "address", None)
    return str(address) if address else repr(scheduler)


def map_tasks(fn: Callable[[T], R], items: Sequence[T], /, *, scheduler: object | None = None,
              workers: int | None = None) -> list[R]:
    """Apply ``fn`` to every item, locally or on Dask; results in item order.

    Takes: a picklable module-level function, the items, and either a Dask
    ``scheduler`` (address, Client or cluster) or a number of local ``workers``
    (ignored with a scheduler: the cluster has its own).
    Returns: ``[fn(item) for item in items]``, computed in parallel.
    Raises: what a task raised (the first in item order); ConfigurationError
    for ``workers`` below 1 or an unusable scheduler.
    Example: ``map_tasks(str.upper, ["a", "b"], workers=2)`` -> ``['A', 'B']``
    """
    with Engine(scheduler=scheduler, workers=workers) as engine:
        return engine.map(fn, items)


class Engine:
    """A local pool or a Dask client kept open over several :meth:`map` calls.

    A job of several phases (the reconciliation's index, then its waves) starts
    its worker processes, or connects to its scheduler, once.  The pool starts
    with the first call that needs it; :meth:`close` (or leaving the ``with``
    block) shuts it down.  Same rules as :func:`map_tasks`.
    Example: ``with Engine(workers=2) as e: e.map(len, ["a"]); e.map(str, [1])``
    """

    def __init__(self, *, scheduler: object | None = None, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ConfigurationError(f"workers must be at least 1, not {workers}")
        self.scheduler = scheduler
        self.workers = workers if workers is not None else default_workers()
        self.name = engine_name(scheduler, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._owned = False

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(self, fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
        """``[fn(item) for item in items]``, in parallel; the first failure in order raised."""
        if self.scheduler is not None:
            return _on_dask(fn, items, self._dask_client())
        if self.workers == 1 or (len(items) <= 1 and self._pool is None):
            return [fn(item) for item in items]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        return _in_order([self._pool.submit(fn, item) for item in items])

    def slots(self) -> int:
        """How many tasks run at once: the local workers, or the cluster's worker threads."""
        if self.scheduler is None:
            return self.workers
        threads: dict[str, int] = self._dask_client().nthreads()
        return max(1, sum(threads.values()))

    def close(self) -> None:
        """Stop the local pool / close the client this engine opened."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._client is not None and self._owned:
            self._client.close()
        self._client = None

    def _dask_client(self) -> Any:
        if self._client is None:
            self._client, self._owned = _connect(self.scheduler)
        return self._client


def _in_order(futures: Sequence[Future[R]]) -> list[R]:
    """The results of finished-or-running futures, after all of them ended; the first
    exception in their order is raised."""
    first: BaseException | None = None
    results: list[Any] = []
    for future in futures:
        try:
            results.append(future.result())
        except BaseException as exc:  # re-raised below: the first in item order
            if first is None:
                first = exc
            results.append(None)
    if first is not None:
        raise first
    return results


def _connect(scheduler: object) -> tuple[Any, bool]:
    """A client of ``scheduler`` and whether it was opened here (to be closed here)."""
    try:
        import distributed
    except ImportError as exc:
        raise ConfigurationError(
            "a Dask scheduler was given but the 'distributed' package is not installed "
            "(pip install 'iso20022[dask]')") from exc
    dask: Any = distributed  # partly annotated: its calls are untyped for mypy
    if isinstance(scheduler, str):
        try:  # before Client(): a Client refused its address stays half-open until exit
            dask.comm.get_address_host_port(scheduler)
        except ValueError as exc:
            raise ConfigurationError(
                f"not a Dask scheduler address (tcp://host:port): {scheduler!r}: {exc}") from exc
    if isinstance(scheduler, dask.Client):
        return scheduler, False
    try:
        return dask.Client(scheduler, set_as_default=False), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot reach the Dask scheduler {_address(scheduler)}: {exc}") from exc


def _on_dask(fn: Callable[[T], R], items: Sequence[T], client: Any) -> list[R]:
    futures = client.map(fn, list(items), pure=False)
    try:
        # gather's own error is the first failure it sees, not the first in item order:
        # wait for every result, then raise the first failure in order
        results = client.gather(futures, errors="skip")
        for future in futures:
            if future.status != "finished":
                future.result()  # raises the task's exception, with its traceback
        return list(results)
    except BaseException:
        client.cancel(futures)
        raise
