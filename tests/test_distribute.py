"""map_tasks: in this process, on a local pool, on a Dask LocalCluster; the same results."""

from __future__ import annotations

import operator
import os
import re
import time
from typing import Any

import pytest

from iso20022.distribute import ConfigurationError, engine_name, map_tasks
from iso20022.errors import ParseError, SettlementError

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
dask = pytest.importorskip("dask")


def pid_of(_: object) -> int:
    return os.getpid()


def env_value(name: str) -> str | None:
    return os.environ.get(name)


def fail_at_1_and_3(item: int) -> int:
    """Item 1 fails late, item 3 at once: the first in item order must win, not the first."""
    if item == 1:
        time.sleep(0.3)
        raise ParseError("item 1 is bad", line=7, code="FF01")
    if item == 3:
        raise SettlementError("item 3 is bad", retryable=True, adapter="ledger")
    return item


ITEMS = list(range(20))
EXPECTED = [-i for i in ITEMS]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_local_results_in_item_order(workers: int) -> None:
    assert map_tasks(operator.neg, ITEMS, workers=workers) == EXPECTED


def test_dask_results_in_item_order(local_cluster: Any) -> None:
    assert map_tasks(operator.neg, ITEMS, scheduler=local_cluster) == EXPECTED
    assert map_tasks(operator.neg, ITEMS, scheduler=local_cluster.scheduler_address) == EXPECTED
    with distributed.Client(local_cluster, set_as_default=False) as client:
        assert map_tasks(operator.neg, ITEMS, scheduler=client) == EXPECTED
        assert client.status == "running"  # a client passed in is the caller's to close


def test_no_items() -> None:
    assert map_tasks(operator.neg, [], workers=2) == []


def test_workers_1_runs_in_this_process() -> None:
    assert set(map_tasks(pid_of, ITEMS[:4], workers=1)) == {os.getpid()}
    # no pickling either: a lambda is fine
    assert map_tasks(lambda x: x * 2, [1, 2], workers=1) == [2, 4]


def test_a_pool_runs_in_other_processes() -> None:
    assert os.getpid() not in map_tasks(pid_of, ITEMS[:4], workers=2)


def test_a_pool_sees_the_environment_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "ISO20022_TEST_DISTRIBUTE_MARK"
    assert map_tasks(env_value, [name, name], workers=2) == [None, None]
    monkeypatch.setenv(name, "set-later")  # e.g. ISO20022_NO_EXTENSIONS=1 for a twin run
    assert map_tasks(env_value, [name, name], workers=2) == ["set-later", "set-later"]


@pytest.mark.parametrize("workers", [0, -1])
def test_workers_below_1_is_a_configuration_error(workers: int) -> None:
    with pytest.raises(ConfigurationError, match="at least 1"):
        map_tasks(operator.neg, ITEMS, workers=workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_first_exception_in_item_order_local(workers: int) -> None:
    with pytest.raises(ParseError, match="item 1 is bad") as info:
        map_tasks(fail_at_1_and_3, [0, 1, 2, 3, 4], workers=workers)
    assert (info.value.line, info.value.code) == (7, "FF01")  # typed, attributes kept


def test_first_exception_in_item_order_dask(local_cluster: Any) -> None:
    with pytest.raises(ParseError, match="item 1 is bad") as info:
        map_tasks(fail_at_1_and_3, [0, 1, 2, 3, 4], scheduler=local_cluster)
    assert (info.value.line, info.value.code) == (7, "FF01")
    with pytest.raises(SettlementError) as settle:
        map_tasks(fail_at_1_and_3, [3, 4], scheduler=local_cluster)
    assert settle.value.retryable and settle.value.adapter == "ledger"
    # the cluster is still usable afterwards
    assert map_tasks(operator.neg, [1], scheduler=local_cluster) == [-1]


@pytest.mark.parametrize("address", ["nonsense", "foo://host:1", "tcp://127.0.0.1:port"])
def test_a_malformed_address_is_a_configuration_error(address: str) -> None:
    with pytest.raises(ConfigurationError, match="not a Dask scheduler address"):
        map_tasks(operator.neg, ITEMS, scheduler=address)


def test_an_unreachable_scheduler_is_a_configuration_error() -> None:
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}), \
            pytest.raises(ConfigurationError, match=re.escape(
                "cannot reach the Dask scheduler tcp://127.0.0.1:1: ")):
        map_tasks(operator.neg, ITEMS, scheduler="tcp://127.0.0.1:1")


def test_engine_name(local_cluster: Any) -> None:
    assert engine_name(None, 3) == "local[3]"
    assert engine_name("tcp://10.0.0.1:8786", None) == "dask[tcp://10.0.0.1:8786]"
    assert engine_name(local_cluster, None) == f"dask[{local_cluster.scheduler_address}]"


def test_an_engine_keeps_its_pool_over_several_maps() -> None:
    from iso20022.distribute import Engine

    with Engine(workers=2) as engine:
        first = engine.map(pid_of, range(8))
        second = engine.map(pid_of, range(8))
        pool = engine._pool
        assert pool is not None
    assert os.getpid() not in first  # ran in the pool's processes
    assert len(set(first) | set(second)) <= 2  # the same two processes both times
    assert engine._pool is None  # shut down when the block ended
    with Engine(workers=1) as engine:  # one worker: this process, no pool
        assert engine.map(pid_of, range(3)) == [os.getpid()] * 3
        assert engine._pool is None
    with pytest.raises(ConfigurationError, match="at least 1"):
        Engine(workers=0)


def test_an_engine_keeps_one_client_of_a_scheduler(local_cluster: Any) -> None:
    from iso20022.distribute import Engine

    with Engine(scheduler=local_cluster.scheduler_address) as engine:
        assert engine.map(operator.neg, [1, 2]) == [-1, -2]
        client = engine._client
        assert engine.map(operator.neg, [3]) == [-3]
        assert engine._client is client  # not a new connection per map
        assert engine.name == f"dask[{local_cluster.scheduler_address}]"
    assert client.status == "closed" and engine._client is None


def test_an_engine_counts_its_slots(local_cluster: Any) -> None:
    from iso20022.distribute import Engine

    assert Engine(workers=3).slots() == 3
    with Engine(scheduler=local_cluster) as engine:
        assert engine.slots() == 2  # two single-threaded workers
