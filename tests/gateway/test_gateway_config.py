"""Gateway configuration, the serve command's refusals, and in-process edge cases
(timeout, auth off for loopback only, internal errors) through httpx's ASGI transport."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from iso20022 import synth
from iso20022.cli import main
from iso20022.gateway import (
    GatewayConfig,
    GatewayConfigError,
    create_app,
    hash_key,
    new_key,
)
from iso20022.gateway import _translate as translate_module

GOOD = synth.pacs008(1, seed=1, envelope=False)
XML = {"Content-Type": "application/xml"}


def _config(text: str, tmp_path: Path) -> GatewayConfig:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return GatewayConfig.load(path)


def test_keys_are_stored_hashed_and_found_by_the_key(tmp_path: Path) -> None:
    key = new_key()
    assert len(key) >= 40 and key != new_key()
    cfg = _config(f'[gateway]\n[[gateway.keys]]\nname = "erp"\nsha256 = "{hash_key(key)}"\n'
                  'scopes = ["translate"]\n', tmp_path)
    found = cfg.find_key(key)
    assert found is not None and found.name == "erp" and found.scopes == {"translate"}
    assert cfg.find_key(key + "x") is None
    assert key not in repr(cfg)
    assert not cfg.auth_off
    assert cfg.max_body_bytes == 10 * 1024 * 1024


@pytest.mark.parametrize(("text", "message"), [
    ("[gateway]\n", "no API keys configured"),
    ('[gateway]\nauth = "off"\n', "gateway.auth must be one of"),
    ("[gateway]\nmax_body_bytes = 0\n", "max_body_bytes"),
    ("[gateway]\nrequest_timeout = -1\n", "request_timeout"),
    ("[gateway]\nsurprise = 1\n", "unknown key"),
    ('[gateway]\n[[gateway.keys]]\nname = "a"\nkey = "plain"\nscopes = ["translate"]\n',
     "never the key"),
    ('[gateway]\n[[gateway.keys]]\nname = "a"\nsha256 = "abc"\nscopes = ["translate"]\n',
     "64 hex"),
    (f'[gateway]\n[[gateway.keys]]\nname = "a"\nsha256 = "{"0" * 64}"\nscopes = ["admin"]\n',
     "unknown scope"),
    ("[gateway\n", "not valid TOML"),
])
def test_bad_configurations_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(GatewayConfigError, match=message):
        _config(text, tmp_path)


def test_serve_refuses_auth_off_on_a_public_address(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text('[gateway]\nauth = "off-local"\n', encoding="utf-8")
    assert main(["serve", "--config", str(path), "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "loopback only" in err and "Traceback" not in err
    assert main(["serve", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_gateway_key_prints_the_key_and_only_its_hash_for_the_config() -> None:
    done = subprocess.run([sys.executable, "-m", "iso20022", "gateway-key", "--name", "erp",
                           "--scopes", "translate,metrics"], capture_output=True, text=True,
                          check=True)
    key = done.stdout.strip()
    assert hash_key(key) in done.stderr
    assert key not in done.stderr
    assert 'scopes = ["translate", "metrics"]' in done.stderr


def _call(app: Any, method: str, url: str, *, client: tuple[str, int] = ("127.0.0.1", 5000),
          **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            return await c.request(method, url, **kwargs)

    return asyncio.run(go())


def test_auth_off_serves_loopback_clients_only() -> None:
    app = create_app(GatewayConfig(auth_off=True))
    assert _call(app, "POST", "/v1/translate", content=GOOD, headers=XML).status_code == 200
    far = _call(app, "POST", "/v1/translate", content=GOOD, headers=XML,
                client=("203.0.113.9", 5000))
    assert far.status_code == 403
    assert "loopback" in far.json()["detail"]


def test_a_slow_request_times_out_with_503() -> None:
    app = create_app(GatewayConfig(auth_off=True, request_timeout=0.01))
    big = synth.pain001(3000, seed=1)  # seconds of XSD validation and parsing
    response = _call(app, "POST", "/v1/translate", content=big, headers=XML)
    assert response.status_code == 503
    assert response.json()["title"] == "request timed out"


def test_an_internal_error_is_a_500_problem_without_details(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal state")

    monkeypatch.setattr(translate_module, "parse", broken)
    app = create_app(GatewayConfig(auth_off=True))
    response = _call(app, "POST", "/v1/translate", content=GOOD, headers=XML)
    assert response.status_code == 500
    body = orjson.loads(response.content)
    assert body["title"] == "internal error"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "secret internal state" in caplog.text  # the log has it, for the operator
    metrics = _call(app, "GET", "/metrics").text
    assert 'iso20022_gateway_requests_total{endpoint="translate",status="500"} 1.0' in metrics
