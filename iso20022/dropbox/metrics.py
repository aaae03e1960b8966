"""Prometheus metrics of the file-drop service, served only when a port is configured.

Needs the ``metrics`` extra (prometheus_client).  Metrics (one registry per
service, so several services in one process do not collide):

- ``iso20022_dropbox_files_total{status, place}``: files finished;
- ``iso20022_dropbox_transactions_total{outcome}``: transactions accepted / rejected;
- ``iso20022_dropbox_rejects_total{reason}``: issues per ISO reason code;
- ``iso20022_dropbox_file_seconds``: time from claim to final place, per file.

Example: ``Metrics(9420).observe(result)`` (then ``curl localhost:9420/metrics``)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ConfigError

if TYPE_CHECKING:
    from .service import FileResult

__all__ = ["Metrics"]


class Metrics:
    """The service's metrics, served over HTTP on ``port`` (0: any free port).

    Raises: ConfigError when prometheus_client is missing or the port is taken.
    Example: ``Metrics(0).port`` -> the port chosen
    """

    def __init__(self, port: int, *, addr: str = "127.0.0.1") -> None:
        try:
            import prometheus_client as prom
        except ImportError:
            raise ConfigError("metrics_port needs the 'metrics' extra (prometheus_client)"
                              ) from None
        self.registry = prom.CollectorRegistry()
        self.files = prom.Counter("iso20022_dropbox_files", "Files finished",
                                  ["status", "place"], registry=self.registry)
        self.transactions = prom.Counter("iso20022_dropbox_transactions", "Transactions read",
                                         ["outcome"], registry=self.registry)
        self.rejects = prom.Counter("iso20022_dropbox_rejects", "Issues by ISO reason code",
                                    ["reason"], registry=self.registry)
        self.latency = prom.Histogram("iso20022_dropbox_file_seconds",
                                      "Seconds from claim to final place, per file",
                                      registry=self.registry)
        try:
            started: Any = prom.start_http_server(port, addr=addr, registry=self.registry)
        except OSError as exc:
            raise ConfigError(f"metrics_port {port}: {exc}") from None
        self._server = started[0] if isinstance(started, tuple) else None
        self.port = int(self._server.server_port) if self._server is not None else port

    def observe(self, result: FileResult) -> None:
        """Count one finished file."""
        self.files.labels(status=result.status, place=result.place).inc()
        self.transactions.labels(outcome="accepted").inc(result.transactions - result.rejected)
        self.transactions.labels(outcome="rejected").inc(result.rejected)
        for code, n in result.reasons.items():
            self.rejects.labels(reason=code).inc(n)
        self.latency.observe(result.seconds)

    def close(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
