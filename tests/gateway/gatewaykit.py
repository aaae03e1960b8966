"""Starting a real gateway process for tests, and its keys."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from iso20022.gateway import hash_key, new_key

from support import SHARED

SCHEMA_PATH = os.pathsep.join(str(SHARED / "xsd" / sub) for sub in ("", "extra"))


@dataclass
class Server:
    """A running gateway: its base URL, its keys by role, its log file and process."""

    url: str
    keys: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes]
    workers: int = 1

    def headers(self, role: str = "all", content_type: str = "application/xml") -> dict[str, str]:
        return {"X-API-Key": self.keys[role], "Content-Type": content_type}

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(path: Path, *, max_body_bytes: int, timeout: float = 30.0) -> dict[str, str]:
    """A config with three keys: every scope, translate only, metrics only."""
    roles = {"all": ["translate", "validate", "messages", "metrics"],
             "translate": ["translate"], "metrics": ["metrics"]}
    keys = {role: new_key() for role in roles}
    lines = ["[gateway]", f"max_body_bytes = {max_body_bytes}", f"request_timeout = {timeout}"]
    for role, scopes in roles.items():
        quoted = ", ".join(f'"{s}"' for s in scopes)
        lines += ["[[gateway.keys]]", f'name = "{role}"', f'sha256 = "{hash_key(keys[role])}"',
                  f"scopes = [{quoted}]"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return keys


def start(config: Path, keys: dict[str, str], log: Path, *, workers: int = 1,
          log_level: str = "info") -> Server:
    """Run ``iso20022 serve`` on a free loopback port; wait until /healthz answers."""
    port = free_port()
    env = {**os.environ, "ISO20022_SCHEMA_PATH": SCHEMA_PATH}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "iso20022", "serve", "--config", str(config),
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
             "--log-level", log_level],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited with {process.returncode}: "
                               f"{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError("gateway did not start within 30 s")
        time.sleep(0.1)
    return Server(url, keys, log, process, workers)


def raw_healthz(conn: socket.socket, host: str) -> bytes:
    """``GET /healthz`` on an open keep-alive socket; the whole raw answer."""
    conn.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    answer = b""
    while not answer.endswith(b'{"status":"ok"}'):
        chunk = conn.recv(65536)
        assert chunk, answer
        answer += chunk
    return answer


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
