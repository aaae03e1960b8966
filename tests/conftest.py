"""Shared fixtures: the two implementations, the corpus, service requirements."""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings

import iso20022
import iso20022._impl as impl
from iso20022.errors import ParseError

from support import COMPILED_DISABLED

implementation_modules = impl.using

# CI must be deterministic (a failing run means nothing lands); developers' runs keep
# drawing new examples, so the differential tests go on finding divergences.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def parse_outcome(data: object, **kwargs: Any) -> tuple[Any, ...]:
    """``("ok", transfers)`` or ``("error", error type, path)`` of ``iso20022.parse``."""
    try:
        return ("ok", list(iso20022.parse(data, **kwargs)))  # type: ignore[arg-type]
    except ParseError as exc:
        return ("error", type(exc), exc.path)


def parse_both(data: object, **kwargs: Any) -> dict[str, tuple[Any, ...]]:
    """The outcome of parsing ``data`` with each available implementation."""
    kinds = ["python"] if COMPILED_DISABLED else ["compiled", "python"]
    out = {}
    for which in kinds:
        if isinstance(data, io.IOBase):
            data.seek(0)
        with implementation_modules(which):
            out[which] = parse_outcome(data, **kwargs)
    return out


@pytest.fixture(
    scope="session",
    params=[pytest.param("compiled", marks=pytest.mark.compiled), "python"],
)
def implementation(request: pytest.FixtureRequest) -> str:
    """Run a test on the compiled modules and on their pure-Python twins."""
    which: str = request.param
    if which == "compiled" and COMPILED_DISABLED:
        pytest.skip("compiled implementation disabled by ISO20022_NO_EXTENSIONS")
    return which


@pytest.fixture
def use_implementation(implementation: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Make the package (parse, detect) use ``implementation`` for this test."""
    for name in impl.TWINS:
        monkeypatch.setattr(impl, name, impl.module(name, implementation))
    yield implementation


@pytest.fixture(scope="session")
def sniff_modules() -> dict[str, ModuleType]:
    """Both sniffers, for differential tests (compiled absent only when disabled)."""
    mods = {"python": impl.module("sniff", "python")}
    if not COMPILED_DISABLED:
        mods["compiled"] = impl.module("sniff", "compiled")
    return mods


REQUIRE_SERVICES = os.environ.get("ISO20022_REQUIRE_SERVICES", "") not in ("", "0")


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or fail, with ISO20022_REQUIRE_SERVICES=1) unless ``host:port`` accepts connections."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        message = f"{name} is not reachable at {host}:{port} ({exc})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}; ISO20022_REQUIRE_SERVICES=1 requires it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL (trust auth, database ``test``)."""
    url = os.environ.get("ISO20022_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return url


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """The test RabbitMQ (guest/guest)."""
    url = os.environ.get("ISO20022_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
    require_service("RabbitMQ", "127.0.0.1", 5672)
    return url


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[Any]:
    """A Dask ``distributed.LocalCluster`` of two single-threaded worker processes, started
    once per module (about a second); skipped without the dask extra.

    With the dashboard off the scheduler still serves HTTP (health, metrics), by
    default on port 8787, and warns when that port is taken (another cluster on
    this machine): that server gets a free port instead.
    """
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}
                                  ) as cluster:
        yield cluster
