"""Request deadlines: a body that never comes is a 503; other cancellations pass through."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest

from iso20022 import synth
from iso20022.gateway import GatewayConfig, create_app

GOOD = synth.pacs008(1, seed=3, envelope=False)


def _scope(body_length: int) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": "/v1/translate",
            "raw_path": b"/v1/translate", "query_string": b"validate=none", "root_path": "",
            "headers": [(b"host", b"gw"), (b"content-type", b"application/xml"),
                        (b"content-length", str(body_length).encode())],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {}}


async def _request(app: Any, chunks: list[bytes], stall: float) -> list[dict[str, Any]]:
    """Send the body in ``chunks``, then stall ``stall`` seconds before the last one."""
    queue = list(chunks)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if len(queue) == 1:
            await asyncio.sleep(stall)
        return {"type": "http.request", "body": queue.pop(0), "more_body": bool(queue)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(_scope(sum(map(len, chunks))), receive, send)
    return sent


def test_a_body_that_stalls_past_the_deadline_is_a_503() -> None:
    app = create_app(GatewayConfig(auth_off=True, request_timeout=0.2))
    began = time.perf_counter()
    sent = asyncio.run(_request(app, [GOOD[:100], GOOD[100:]], stall=30))
    took = time.perf_counter() - began
    assert sent[0]["status"] == 503
    assert orjson.loads(sent[1]["body"])["title"] == "request timed out"
    assert took < 5  # the watchdog ticked; it did not wait for the client


def test_a_body_within_the_deadline_is_translated_and_the_next_request_too() -> None:
    app = create_app(GatewayConfig(auth_off=True, request_timeout=1.0))

    async def both() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first = await _request(app, [GOOD[:100], GOOD[100:]], stall=0.05)
        await asyncio.sleep(1.2)  # past the first deadline: nothing may fire late
        second = await _request(app, [GOOD], stall=0)
        return first, second

    first, second = asyncio.run(both())
    assert first[0]["status"] == 200 and second[0]["status"] == 200
    assert orjson.loads(second[1]["body"])["count"] == 1


def test_a_cancellation_that_is_not_the_deadline_is_not_turned_into_a_503() -> None:
    app = create_app(GatewayConfig(auth_off=True, request_timeout=30))

    async def cancelled() -> None:
        task = asyncio.ensure_future(_request(app, [GOOD[:100], GOOD[100:]], stall=30))
        await asyncio.sleep(0.05)
        task.cancel()  # the server going away, say
        await task

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cancelled())
