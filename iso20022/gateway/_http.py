"""uvicorn's httptools protocol, writing each response in one piece.

uvicorn writes a response's status line and headers when the app sends
``http.response.start`` and the body when it sends ``http.response.body``:
two ``send`` system calls and two TCP segments per answer, each waking the
client.  For small answers (a translated single message is about 4 KB) that
second write is a sizeable share of the whole request.  Here the connection's
transport gathers the writes made during one turn of the event loop and hands
them to the real transport together at the end of the turn (``call_soon``), or
before it closes.  Everything else is uvicorn's.

Example:
    >>> CoalescingHttpToolsProtocol.__mro__[1].__name__
    'HttpToolsProtocol'
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["PROTOCOL", "CoalescingHttpToolsProtocol"]

PROTOCOL = "iso20022.gateway._http:CoalescingHttpToolsProtocol"
"""The import string given to uvicorn as its ``http`` protocol."""


class _CoalescingTransport:
    """A transport whose writes of one event-loop turn leave as one write."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self._flush)
        else:
            self._pending.append(data)

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self._flush()  # asyncio transports send what they hold before closing
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's ``httptools`` protocol on a :class:`_CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
