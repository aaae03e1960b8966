"""Status reports are only returned XSD-checked (in process, through httpx's ASGI transport)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest

from iso20022 import synth
from iso20022.errors import SchemaNotFoundError
from iso20022.gateway import GatewayConfig, create_app
from iso20022.gateway import _messages as messages_module
from iso20022.gateway import _validate as validate_module
from iso20022.validation.verdict import Issue

from support import require_shared

PACS = synth.pacs008(1, seed=1, envelope=False)
XML = {"Content-Type": "application/xml"}


def _call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    app = create_app(GatewayConfig(auth_off=True))

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            return await c.request(method, url, **kwargs)

    return asyncio.run(go())


def _missing(xml: bytes, **kwargs: Any) -> Issue | None:
    raise SchemaNotFoundError("no schema for pacs.002.001.10; searched: (test)")


def _invalid(xml: bytes, **kwargs: Any) -> Issue | None:
    return Issue(code="FF01", rule="xsd", text="Element 'Bogus': not expected.",
                 path="/Document/FIToFIPmtStsRpt/Bogus", line=7)


def test_a_report_whose_xsd_is_missing_is_refused_not_returned_unchecked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages_module, "validate_xsd", _missing)
    response = _call("POST", "/v1/messages/pacs.002.001.10", content=PACS, headers=XML)
    assert response.status_code == 422
    body = orjson.loads(response.content)
    assert body["title"] == "schema not available" and body["code"] == "FF01"
    assert b"FIToFIPmtStsRpt" not in response.content


def test_a_report_that_fails_its_xsd_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages_module, "validate_xsd", _invalid)
    response = _call("POST", "/v1/messages/pacs.002.001.10", content=PACS, headers=XML)
    assert response.status_code == 422
    body = orjson.loads(response.content)
    assert body["path"] == "/Document/FIToFIPmtStsRpt/Bogus" and body["line"] == 7


def test_validate_checks_its_report_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    require_shared()  # pacs.002.001.10 is not bundled
    checked = _call("POST", "/v1/validate?report=true", content=PACS, headers=XML).json()
    assert checked["status_report_checked"] is True
    monkeypatch.setattr(validate_module, "validate_xsd", _missing)
    unchecked = _call("POST", "/v1/validate?report=true", content=PACS, headers=XML)
    assert unchecked.status_code == 200
    assert unchecked.json()["status_report_checked"] is False
    monkeypatch.setattr(validate_module, "validate_xsd", _invalid)
    refused = _call("POST", "/v1/validate?report=true", content=PACS, headers=XML)
    assert refused.status_code == 422
    assert orjson.loads(refused.content)["code"] == "FF01"
