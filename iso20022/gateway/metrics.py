"""Prometheus metrics of one gateway process (prometheus-client, its own registry).

``iso20022_gateway_requests_total{endpoint,status}`` and
``iso20022_gateway_request_seconds{endpoint}`` (a histogram).  Each uvicorn
worker keeps its own registry: with ``--workers N`` a scrape sees one worker.

Example:
    >>> m = Metrics(); m.observe("translate", 200, 0.001); b"translate" in m.render()
    True
"""

from __future__ import annotations

from typing import Any, Final

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Request counters and latency histograms in a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("iso20022_gateway_requests", "Requests answered",
                                ("endpoint", "status"), registry=self.registry)
        self.seconds = Histogram("iso20022_gateway_request_seconds",
                                 "Time to answer a request", ("endpoint",),
                                 buckets=_BUCKETS, registry=self.registry)
        # The labelled children, looked up once: ``labels()`` takes a lock and
        # builds a key on every call.  Endpoints and statuses are few (bounded
        # by the app's routes and the HTTP statuses it answers).
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration. Example: ``m.observe("x", 200, .01)``."""
        children = self._children.get((endpoint, status))
        if children is None:
            children = self._children[endpoint, status] = (
                self.requests.labels(endpoint, str(status)), self.seconds.labels(endpoint))
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition of this registry. Example: ``m.render()``."""
        return generate_latest(self.registry)
