"""Several uvicorn workers, each on its own ``SO_REUSEPORT`` listening socket.

uvicorn's ``--workers`` shares one listening socket between the workers, and
whichever worker is awake accepts: with a handful of keep-alive clients one
worker often ends up with all of them and the other cores idle (seen here with
16 connections on 2 workers: 16/0, 15/1, 11/5).  With one socket per worker in
a ``SO_REUSEPORT`` group the kernel spreads new connections over the sockets by
their address hash, so each worker gets its share whoever is busy.

The parent process binds the sockets (all before any worker starts, so the port
is known and a connection hashed to a socket always finds it listening), starts
one spawned worker per socket, restarts a worker that dies on the same socket
(connections queued on it meanwhile are served by the replacement), and on
SIGTERM / SIGINT stops them all (uvicorn's graceful shutdown, then SIGKILL after
``grace`` seconds).  A worker that dies within ``QUICK_DEATH_S`` of its start
three times in a row stops the whole server (exit status 1): the app or its
configuration is broken, and restarting would only loop.

Example:
    >>> reuse_port_available() in (True, False)
    True
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from typing import Any

__all__ = ["QUICK_DEATH_S", "reuse_port_available", "run_workers"]

QUICK_DEATH_S = 5.0
"""A worker dead this soon after its start counts towards giving up."""

_log = logging.getLogger("uvicorn.error")


def reuse_port_available() -> bool:
    """True where sockets can share a port with ``SO_REUSEPORT`` (Linux, the BSDs)."""
    return hasattr(socket, "SO_REUSEPORT")


def _bind(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _serve(app: str, options: dict[str, Any], sock: socket.socket) -> None:  # in the worker
    import uvicorn

    config = uvicorn.Config(app, **options)
    uvicorn.Server(config).run(sockets=[sock])


class _Worker:
    def __init__(self, app: str, options: dict[str, Any], sock: socket.socket) -> None:
        self.args = (app, options, sock)
        self.process: Any = None
        self.started = 0.0

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.process = context.Process(target=_serve, args=self.args, daemon=False)
        self.process.start()
        self.started = time.monotonic()


def run_workers(app: str, options: dict[str, Any], *, host: str, port: int, workers: int,
                grace: float = 30.0) -> int:
    """Serve ``app`` (a uvicorn import string) from ``workers`` processes until stopped.

    ``options`` are uvicorn ``Config`` keywords (not host, port or workers).
    Returns the exit status: 0 after a stop signal, 1 when workers keep dying
    at start.  Raises ``OSError`` when the address cannot be bound.
    Example: ``run_workers("pkg.app:make", {"factory": True}, host="127.0.0.1", port=8020,
    workers=2)``
    """
    backlog = int(options.get("backlog", 2048))
    first = _bind(host, port, backlog)
    port = first.getsockname()[1]
    sockets = [first] + [_bind(host, port, backlog) for _ in range(workers - 1)]
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGTERM, signal.SIGINT)}
    pool = [_Worker(app, options, sock) for sock in sockets]
    quick_deaths = 0
    status = 0
    try:
        for worker in pool:
            worker.start()
        _log.info("Started %d workers on %s:%d (SO_REUSEPORT)", workers, host, port)
        while not stop.wait(0.2):
            for worker in pool:
                if worker.process.is_alive():
                    continue
                quick = time.monotonic() - worker.started < QUICK_DEATH_S
                quick_deaths = quick_deaths + 1 if quick else 0
                _log.warning("worker [%s] exited with %s", worker.process.pid,
                             worker.process.exitcode)
                if quick_deaths >= 3:
                    _log.error("workers keep dying at start; stopping")
                    status = 1
                    stop.set()
                    break
                worker.start()  # the same socket: what queued on it is served
    finally:
        for worker in pool:
            if worker.process is not None and worker.process.is_alive():
                worker.process.terminate()
        deadline = time.monotonic() + grace
        for worker in pool:
            if worker.process is not None:
                worker.process.join(max(0.0, deadline - time.monotonic()))
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join()
        for sock in sockets:
            sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
