"""The ASGI app of the translation gateway (Starlette; served by uvicorn).

Endpoints (the OpenAPI document at ``/openapi.json`` describes each):

- ``POST /v1/translate?validate=xsd|rules|none`` (scope ``translate``): an ISO
  20022 message (XML, with or without AppHdr) -> its transfers as JSON records
  plus message metadata;
- ``POST /v1/messages/{message_id}`` (scope ``messages``): JSON records ->
  the XML message, validated against its XSD before it is returned; for
  ``pain.002.*`` / ``pacs.002.*`` the body is the original XML message and
  the answer its status report;
- ``POST /v1/validate?rules=...&report=true`` (scope ``validate``): the verdict,
  optionally with the pain.002 / pacs.002 status report;
- ``GET /healthz``, ``GET /readyz``, ``GET /metrics`` (scope ``metrics``,
  Prometheus text), ``GET /openapi.json``.

Every refusal is a problem body (:mod:`iso20022.gateway.problems`): 401/403
(key), 404/405, 413 (body over ``max_body_bytes``), 415 (content type), 422
(bad input, naming the reason code and path), 503 (``request_timeout``
exceeded).  An internal error is a 500 problem without details; tracebacks
go to the server log only, and API keys never do.

Example:
    >>> from iso20022.gateway import GatewayConfig, create_app
    >>> app = create_app(GatewayConfig(auth_off=True))
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import IMPLEMENTATION, __version__
from ..errors import Iso20022Error, SchemaError
from ..limits import Limits
from . import _messages as messages
from . import _translate as translate
from . import _validate as validate
from . import metrics as _metrics
from .config import GatewayConfig
from .openapi import openapi_document
from .problems import Problem, problem_response, unsupported_media

__all__ = ["API_KEY_HEADER", "INLINE_MAX_BYTES", "create_app"]

API_KEY_HEADER = "X-API-Key"
"""The request header that carries the API key."""

INLINE_MAX_BYTES = 16 * 1024
"""Bodies up to this size are handled on the event loop (a single message takes about a
millisecond); larger ones in a worker thread, abandoned when the request times out."""

_XML_TYPES = ("application/xml", "text/xml")
_JSON_TYPES = ("application/json",)
_log = logging.getLogger("iso20022.gateway")

Handler = Callable[[Request], Awaitable[Response]]


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_xml(media: str) -> bool:
    return media in _XML_TYPES or (media.startswith("application/") and media.endswith("+xml"))


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Watchdog:
    """Request deadlines, enforced by one task per event loop that cancels late requests.

    A cancel scope (``anyio.fail_after``) or a timer per request costs 6-20 µs,
    a tenth of a whole small translation; registering a deadline here costs a
    dict insert.  The task wakes every ``tick`` seconds (a fraction of the
    timeout, at most 0.1 s) while requests are in flight, and cancels each task
    past its deadline; :meth:`deadline` turns that cancellation into
    ``TimeoutError`` and leaves any other cancellation alone.
    """

    def __init__(self, timeout: float) -> None:
        self.tick = min(0.1, timeout / 4)
        self.inflight: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None
        self.wake = asyncio.Event()

    @contextlib.contextmanager
    def deadline(self, at: float) -> Iterator[None]:
        """Cancel the current task at ``at`` (``time.perf_counter``); raises TimeoutError then."""
        task = asyncio.current_task()
        assert task is not None
        self._ensure_running()
        self.inflight[task] = at
        try:
            yield
        except asyncio.CancelledError:
            if task not in self.expired:
                raise
            self.expired.discard(task)
            task.uncancel()
            raise TimeoutError from None
        finally:
            del self.inflight[task]
            self.expired.discard(task)

    def _ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop or self.task is None or self.task.done():
            self.loop = loop
            self.wake = asyncio.Event()
            self.task = loop.create_task(self._run())
        if not self.inflight:
            self.wake.set()

    async def _run(self) -> None:
        while True:
            if not self.inflight:
                self.wake.clear()
                await self.wake.wait()
            await asyncio.sleep(self.tick)
            now = time.perf_counter()
            for task, at in list(self.inflight.items()):
                if now >= at and task not in self.expired and not task.done():
                    self.expired.add(task)
                    task.cancel()


class _Gate:
    """Auth, body limit and timeout around one endpoint's work."""

    def __init__(self, config: GatewayConfig, meter: _metrics.Metrics) -> None:
        self.config = config
        self.meter = meter
        self.limits = Limits(max_bytes=config.max_body_bytes)
        self.watchdog = _Watchdog(config.request_timeout)

    def authorize(self, request: Request, scope: str) -> str:
        """The key's name (or ``local``); raises 401/403 problems."""
        if self.config.auth_off:
            if not _loopback(request):
                raise Problem(403, "forbidden", detail="authentication is off for local use: "
                              "only loopback clients are served")
            return "local"
        given = request.headers.get(API_KEY_HEADER)
        if not given:
            raise Problem(401, "unauthorized", detail=f"an API key is required in the "
                          f"{API_KEY_HEADER} header",
                          headers={"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'})
        key = self.config.find_key(given)
        if key is None:
            raise Problem(401, "unauthorized", detail="the API key is not valid",
                          headers={"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'})
        if scope not in key.scopes:
            raise Problem(403, "forbidden", detail=f"key {key.name!r} has no scope {scope!r}")
        return key.name

    async def body(self, request: Request) -> bytes:
        """The request body, refused with 413 past ``max_body_bytes``."""
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise Problem(400, "bad request", detail="Content-Length is not a number")
            if int(declared) > limit:
                raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def endpoint(self, name: str, scope: str, media: tuple[str, ...] | None,
                 work: Callable[[Request, bytes, Limits], Response]) -> Handler:
        """A handler: authorize, check the content type, read the body, run ``work``."""

        async def handle(request: Request) -> Response:
            started = time.perf_counter()
            try:
                self.authorize(request, scope)
                if media is not None:
                    got = _media_type(request)
                    accepted = _is_xml(got) if media == _XML_TYPES else got in media
                    if not accepted and not _accepts_either(request, got):
                        raise unsupported_media(
                            f"Content-Type {got or '(none)'!r} is not accepted; send "
                            f"{' or '.join(media)}")
                # The deadline covers what is awaited: reading the body and work in
                # a thread.  Work on the event loop (a small body, about a
                # millisecond) cannot be interrupted by a cancellation anyway.
                with self.watchdog.deadline(started + self.config.request_timeout):
                    body = await self.body(request) if media is not None else b""
                    if len(body) > INLINE_MAX_BYTES:
                        response = await anyio.to_thread.run_sync(
                            _guarded, work, request, body, self.limits, abandon_on_cancel=True)
                if len(body) <= INLINE_MAX_BYTES:  # no thread hop
                    response = _guarded(work, request, body, self.limits)
            except Problem as problem:
                response = problem_response(problem)
            except TimeoutError:
                response = problem_response(Problem(
                    503, "request timed out",
                    detail=f"not done within {self.config.request_timeout} seconds"))
            except Exception:  # answered as a 500 problem by the app's handler; counted here
                self.meter.observe(name, 500, time.perf_counter() - started)
                raise
            self.meter.observe(name, response.status_code, time.perf_counter() - started)
            return response

        return handle


def _too_large(limit: int) -> Problem:
    return Problem(413, "body too large", code="FF01", path="/",
                   detail=f"the body is over the limit of {limit} bytes")


def _accepts_either(request: Request, got: str) -> bool:
    # /v1/messages takes JSON records, or XML for the pain.002 / pacs.002 reports.
    return request.url.path.startswith("/v1/messages/") and _is_xml(got)


def _guarded(work: Callable[[Request, bytes, Limits], Response], request: Request,
             body: bytes, limits: Limits) -> Response:
    try:
        return work(request, body, limits)
    except Problem:
        raise
    except SchemaError as exc:
        raise Problem(422, "schema not available", detail=str(exc), code="FF01") from None
    except Iso20022Error as exc:
        from .problems import from_error

        raise from_error(exc) from None


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def create_app(config: GatewayConfig) -> Starlette:
    """The gateway's ASGI app for ``config``.

    Takes a :class:`~iso20022.gateway.config.GatewayConfig`. Returns the
    Starlette app (serve it with uvicorn). Raises nothing.

    Example: ``uvicorn.run(create_app(GatewayConfig.load("gateway.toml")))``
    """
    meter = _metrics.Metrics()
    gate = _Gate(config, meter)
    document = orjson.dumps(openapi_document())

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    async def readyz(request: Request) -> Response:
        ready, detail = await anyio.to_thread.run_sync(validate.readiness)
        body = {"status": "ready" if ready else "not ready", "version": __version__,
                "implementation": IMPLEMENTATION, "schemas": detail}
        return _json(body, 200 if ready else 503)

    async def openapi(request: Request) -> Response:
        return Response(document, media_type="application/json")

    def metrics_work(request: Request, body: bytes, limits: Limits) -> Response:
        return Response(meter.render(), media_type=_metrics.CONTENT_TYPE)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        title = "not found" if status == 404 else "method not allowed" if status == 405 \
            else "error"
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        return problem_response(Problem(status, title, headers=headers,  # 405: Allow
                                        detail=f"{request.method} {request.url.path}"))

    async def internal(request: Request, exc: Exception) -> Response:
        _log.error("internal error on %s %s", request.method, request.url.path,
                   exc_info=(type(exc), exc, exc.__traceback__))
        return problem_response(Problem(500, "internal error",
                                        detail="the gateway failed; see its log"))

    routes = [
        Route("/v1/translate", gate.endpoint("translate", "translate", _XML_TYPES,
                                             translate.handle), methods=["POST"]),
        Route("/v1/validate", gate.endpoint("validate", "validate", _XML_TYPES,
                                            validate.handle), methods=["POST"]),
        Route("/v1/messages/{message_id}", gate.endpoint("messages", "messages", _JSON_TYPES,
                                                         messages.handle), methods=["POST"]),
        Route("/metrics", gate.endpoint("metrics", "metrics", None, metrics_work),
              methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: not_found,
                                                        Exception: internal})
