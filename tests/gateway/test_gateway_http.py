"""The served protocol writes each answer in one piece, and the real server uses it."""

from __future__ import annotations

import asyncio
import importlib
import socket
from pathlib import Path
from typing import Any

import pytest

from iso20022.gateway._http import CoalescingHttpToolsProtocol, _CoalescingTransport

from .gatewaykit import Server, raw_healthz


class _Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8020) if name == "sockname" else default


def test_writes_of_one_loop_turn_leave_together_and_close_flushes_first() -> None:
    async def go() -> _Recorder:
        real = _Recorder()
        transport = _CoalescingTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"body")
        assert real.writes == []  # not before the end of this turn
        await asyncio.sleep(0)
        assert real.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
        transport.write(b"last")
        transport.close()
        assert transport.get_extra_info("sockname") == ("127.0.0.1", 8020)
        return real

    real = asyncio.run(go())
    assert real.writes[-1] == b"last" and real.closed


def test_serve_runs_uvicorn_on_this_protocol(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from uvicorn.importer import import_from_string

    serve_module = importlib.import_module("iso20022.gateway.serve")

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    (tmp_path / "gw.toml").write_text('[gateway]\nauth = "off-local"\n', encoding="utf-8")
    serve_module.serve(str(tmp_path / "gw.toml"), port=1)
    assert import_from_string(seen["http"]) is CoalescingHttpToolsProtocol


def test_a_real_server_answers_through_it(server: Server) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        answer = raw_healthz(conn, host)
    assert answer.startswith(b"HTTP/1.1 200 ")
