"""Fixtures of the gateway tests: one real server process per session, an httpx client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from iso20022.schemas import SCHEMA_PATH_ENV

from .gatewaykit import SCHEMA_PATH, Server, start, stop, write_config
from support import SHARED

MAX_BODY = 256 * 1024


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A gateway process on a loopback port (256 KiB body limit, three keys)."""
    work: Path = tmp_path_factory.mktemp("gateway")
    keys = write_config(work / "gateway.toml", max_body_bytes=MAX_BODY)
    running = start(work / "gateway.toml", keys, work / "server.log")
    yield running
    stop(running)


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.fixture(autouse=True)
def shared_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let this process find the XSDs not bundled (head.001, pacs.002) in ../shared too."""
    if SHARED.is_dir():
        monkeypatch.setenv(SCHEMA_PATH_ENV, SCHEMA_PATH)
