"""Running independent tasks on a local process pool or on a Dask cluster.

Contract: :func:`map_tasks` applies a module-level function to each item and
returns the results in the order of the items.  Where it runs:

- ``scheduler=None``: a local :class:`~concurrent.futures.ProcessPoolExecutor`
  of ``workers`` processes (default: the machine's cores); with ``workers=1``,
  or a single item, in this process (no pickling, no pool start-up);
- ``scheduler="tcp://host:port"`` (or a ``distributed.Client`` / ``LocalCluster``
  object): Dask distributed, the tasks submitted through a client of that
  scheduler and gathered.  ``distributed`` is the ``dask`` extra; asking for a
  scheduler without it is a :class:`ConfigurationError`, never a silent local run.

The function and the items must pickle (records, paths and tuples do).  A task
that raises re-raises the same exception here, the first in item order; the
others are still awaited (or cancelled on Dask) so nothing runs on unseen.

Example:
    >>> map_tasks(len, ["a", "bb"], workers=1)
    [1, 2]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from .errors import Iso20022Error

__all__ = ["ConfigurationError", "default_workers", "engine_name", "map_tasks"]

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
    ``scheduler`` (address, Client or cluster) or a number of local ``workers``.
    Returns: ``[fn(item) for item in items]``, computed in parallel.
    Raises: what a task raised; ConfigurationError for an unusable scheduler.
    """
    if scheduler is not None:
        return _on_dask(fn, items, scheduler)
    count = workers if workers is not None else default_workers()
    if count < 1:
        raise ConfigurationError(f"workers must be at least 1, not {count}")
    if count == 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ProcessPoolExecutor(max_workers=min(count, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
        first: BaseException | None = None
        results: list[Any] = []
        for future in futures:
            try:
                results.append(future.result())
            except BaseException as exc:  # re-raised below, the first in item order
                if first is None:
                    first = exc
                results.append(None)
        if first is not None:
            raise first
        return results


def _on_dask(fn: Callable[[T], R], items: Sequence[T], scheduler: object) -> list[R]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise ConfigurationError(
            "a Dask scheduler was given but the 'distributed' package is not installed "
            "(pip install 'iso20022[dask]')") from exc
    owned = not isinstance(scheduler, Client)
    connect: Any = Client  # distributed is untyped
    try:
        client: Any = connect(scheduler, set_as_default=False) if owned else scheduler
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot reach the Dask scheduler {_address(scheduler)}: {exc}") from exc
    try:
        futures = client.map(fn, list(items), pure=False)
        try:
            return list(client.gather(futures))
        except BaseException:
            client.cancel(futures)
            raise
    finally:
        if owned:
            client.close()
