"""``iso20022 serve --workers 2``: a socket per worker, connections spread, a dead one replaced."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from iso20022.gateway._workers import reuse_port_available

from .gatewaykit import Server, raw_healthz, start, stop, write_config

pytestmark = pytest.mark.skipif(not reuse_port_available(), reason="no SO_REUSEPORT here")


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work: Path = tmp_path_factory.mktemp("gateway-workers")
    keys = write_config(work / "gateway.toml", max_body_bytes=64 * 1024)
    running = start(work / "gateway.toml", keys, work / "server.log", workers=2,
                    log_level="info")
    yield running
    stop(running)


def _workers(server: Server) -> list[psutil.Process]:
    """The worker processes: the children that listen on the server's port."""
    port = int(server.url.rsplit(":", 1)[1])
    found = []
    for child in psutil.Process(server.process.pid).children():
        try:
            if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port
                   for c in child.net_connections("tcp")):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def _wait_for_workers(server: Server, count: int) -> list[psutil.Process]:
    deadline = time.monotonic() + 30
    while len(found := _workers(server)) != count:
        assert time.monotonic() < deadline, f"workers: {found}"
        time.sleep(0.2)
    return found


def test_each_worker_listens_on_its_own_socket_and_gets_connections(two: Server) -> None:
    workers = _wait_for_workers(two, 2)
    host, port = two.url.removeprefix("http://").split(":")
    conns = [socket.create_connection((host, int(port)), timeout=10) for _ in range(32)]
    try:
        for conn in conns:
            assert raw_healthz(conn, host).startswith(b"HTTP/1.1 200 ")
        held = {w.pid: sum(1 for c in w.net_connections("tcp")
                           if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == int(port))
                for w in workers}
    finally:
        for conn in conns:
            conn.close()
    assert sum(held.values()) == 32
    assert all(n > 0 for n in held.values()), held  # 2**-31 by chance with a hash spread


def test_a_killed_worker_is_replaced_on_its_socket(two: Server) -> None:
    victim = _wait_for_workers(two, 2)[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    workers = _wait_for_workers(two, 2)
    assert victim.pid not in {w.pid for w in workers}
    host, port = two.url.removeprefix("http://").split(":")
    for _ in range(32):  # every connection, whichever socket it hashes to, is answered
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            assert raw_healthz(conn, host).startswith(b"HTTP/1.1 200 ")
