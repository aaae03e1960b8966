"""The gateway as a client sees it: a real uvicorn process on loopback, httpx requests."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import orjson
import pytest
from lxml import etree

import iso20022
from iso20022 import synth
from iso20022.jsonio import to_dict

from .conftest import MAX_BODY
from .gatewaykit import Server
from support import require_shared, small_pacs008

XML = "application/xml"
JSON = "application/json"
GOOD = synth.pacs008(1, seed=1, envelope=False)  # schema-valid, no AppHdr


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = orjson.loads(response.content)
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body


# -- health, readiness, OpenAPI ------------------------------------------------------------


def test_health_and_readiness_need_no_key(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["schemas"]["pacs.008.001.08"] == "ok"
    assert body["implementation"] == iso20022.IMPLEMENTATION


def test_openapi_carries_the_record_schemas(client: httpx.Client) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    assert schemas["Transfer"]["properties"]["amount"] == {"$ref": "#/components/schemas/Money"}
    assert schemas["Money"]["properties"]["amount"]["type"] == "string"
    assert set(doc["paths"]) >= {"/v1/translate", "/v1/validate", "/v1/messages/{message_id}",
                                 "/healthz", "/readyz", "/metrics"}
    assert "$defs" not in orjson.dumps(doc).decode()


# -- translate -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["xsd", "none", "rules"])
def test_translate_gives_the_records_of_the_parser(server: Server, client: httpx.Client,
                                                   mode: str) -> None:
    doc = synth.pacs008(3, seed=11)
    response = client.post(f"/v1/translate?validate={mode}", content=doc,
                           headers=server.headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message_type"] == "pacs.008.001.08"
    assert body["envelope"] == "Envelope"
    assert body["app_header"] == "head.001.001.02"
    expected = [to_dict(t) for t in iso20022.parse(doc)]
    assert body["count"] == 3
    assert body["transfers"] == orjson.loads(orjson.dumps(expected))
    # exact amounts: decimal strings, never floats
    assert [Decimal(t["amount"]["amount"]) for t in body["transfers"]] == [
        t.amount.amount for t in iso20022.parse(doc)]
    assert ("verdict" in body) == (mode == "rules")


def test_translate_refuses_a_doctype(server: Server, client: httpx.Client) -> None:
    doc = small_pacs008(doctype='<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    body = _problem(client.post("/v1/translate", content=doc, headers=server.headers()), 422)
    assert body["title"] == "UnsafeXMLError"
    assert body["code"] == "FF01"


def test_translate_names_the_reason_code_path_and_line_of_bad_input(
        server: Server, client: httpx.Client) -> None:
    bad_amount = small_pacs008(amount="12,50")
    body = _problem(client.post("/v1/translate?validate=none", content=bad_amount,
                                headers=server.headers()), 422)
    assert body["title"] == "InvalidValueError"
    assert body["code"]
    assert str(body["path"]).endswith("/IntrBkSttlmAmt")
    assert body["line"] == 8
    schema_bad = small_pacs008(extra="<Bogus/>")
    body = _problem(client.post("/v1/translate", content=schema_bad,
                                headers=server.headers()), 422)
    assert body["code"] == "FF01"
    assert body["rule"] == "xsd"
    assert "Bogus" in str(body["detail"])
    assert body["line"] == 10  # the line of <Dbtr> and the extra element
    not_xml = _problem(client.post("/v1/translate", content=b"hello",
                                   headers=server.headers()), 422)
    assert not_xml["title"] == "ParseError"


def test_translate_with_rules_refuses_a_rejected_message(server: Server,
                                                         client: httpx.Client) -> None:
    doc = synth.pain001(2, seed=3)
    broken = doc.replace(b"<IBAN>", b"<IBAN>XX", 1)
    response = client.post("/v1/translate?validate=none", content=broken,
                           headers=server.headers())
    assert response.status_code == 200  # parsing alone accepts it
    body = _problem(client.post("/v1/translate?validate=rules", content=broken,
                                headers=server.headers()), 422)
    assert body["verdict"]["status"] == "RJCT"  # type: ignore[index]
    assert body["code"] is not None


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", ""])
def test_content_type_is_checked(server: Server, client: httpx.Client,
                                 content_type: str) -> None:
    headers = server.headers(content_type=content_type)
    if not content_type:
        del headers["Content-Type"]
    body = _problem(client.post("/v1/translate", content=small_pacs008(), headers=headers),
                    415)
    assert (body["code"], body["path"]) == ("FF01", "Content-Type")


def test_body_over_the_limit_is_413_declared_or_streamed(server: Server,
                                                         client: httpx.Client) -> None:
    big = b" " * (MAX_BODY + 1)
    body = _problem(client.post("/v1/translate", content=big, headers=server.headers()), 413)
    assert (body["code"], body["path"]) == ("FF01", "/")

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        for _ in range(5):
            yield b" " * (MAX_BODY // 4)

    body = _problem(client.post("/v1/translate", content=chunks(), headers=server.headers()),
                    413)
    assert body["code"] == "FF01"
    # the server still works after refusing
    ok = client.post("/v1/translate", content=GOOD, headers=server.headers())
    assert ok.status_code == 200


def test_unknown_routes_and_methods_are_problems(server: Server, client: httpx.Client) -> None:
    _problem(client.get("/v1/nothing"), 404)
    _problem(client.get("/v1/translate", headers=server.headers()), 405)
    _problem(client.post("/v1/translate?validate=maybe", content=small_pacs008(),
                         headers=server.headers()), 422)


# -- auth --------------------------------------------------------------------------------------


def test_auth_no_key_wrong_key_wrong_scope_and_right_key(server: Server,
                                                         client: httpx.Client) -> None:
    doc = GOOD
    body = _problem(client.post("/v1/translate", content=doc,
                                headers={"Content-Type": XML}), 401)
    assert "X-API-Key" in str(body["detail"])
    _problem(client.post("/v1/translate", content=doc,
                         headers={"Content-Type": XML, "X-API-Key": "not-a-key"}), 401)
    _problem(client.post("/v1/translate", content=doc,
                         headers={"Content-Type": XML, "X-API-Key": server.keys["metrics"]}), 403)
    _problem(client.post("/v1/validate", content=doc,
                         headers=server.headers("translate")), 403)
    _problem(client.get("/metrics", headers={"X-API-Key": server.keys["translate"]}), 403)
    assert client.post("/v1/translate", content=doc,
                       headers=server.headers("translate")).status_code == 200
    metrics = client.get("/metrics", headers={"X-API-Key": server.keys["metrics"]})
    assert metrics.status_code == 200
    assert 'iso20022_gateway_requests_total{endpoint="translate",status="401"}' in metrics.text


def test_keys_never_reach_the_log(server: Server, client: httpx.Client) -> None:
    for key in server.keys.values():
        client.post("/v1/translate", content=small_pacs008(),
                    headers={"Content-Type": XML, "X-API-Key": key})
    client.post("/v1/translate", content=small_pacs008(),
                headers={"Content-Type": XML, "X-API-Key": "wrong-key-value-123"})
    log = server.log_text()
    assert "POST /v1/translate" in log  # the access log is on
    for key in [*server.keys.values(), "wrong-key-value-123"]:
        assert key not in log


# -- validate ----------------------------------------------------------------------------------


def test_validate_returns_the_verdict_and_the_status_report(server: Server,
                                                            client: httpx.Client) -> None:
    doc = synth.pain001(3, seed=5)
    broken = doc.replace(b"<IBAN>", b"<IBAN>XX", 1)
    response = client.post("/v1/validate?report=true", content=broken, headers=server.headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] in ("RJCT", "PART")
    codes = {i["code"] for i in _issues(body["verdict"])}
    assert codes
    assert body["status_report_type"].startswith("pain.002.")
    assert body["status_report_checked"] is True  # validated against its XSD
    report = body["status_report"].encode()
    root = etree.fromstring(report, etree.XMLParser(resolve_entities=False, no_network=True))
    assert etree.QName(root).namespace.endswith(body["status_report_type"])
    assert any(str(code).encode() in report for code in codes)
    good = client.post("/v1/validate?rules=none", content=synth.pacs008(1, seed=2,
                                                                        envelope=False),
                       headers=server.headers())
    assert good.json()["status"] in ("ACCP", "ACTC")


def _issues(value: object) -> Iterator[dict[str, object]]:
    if isinstance(value, dict):
        if "code" in value and "rule" in value:
            yield value
        for item in value.values():
            yield from _issues(item)
    elif isinstance(value, list):
        for item in value:
            yield from _issues(item)


# -- messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("doc", "message_id"), [
    (synth.pacs008(2, seed=4), "pacs.008.001.08"),
    (synth.pacs008(1, seed=9, envelope=False), "pacs.008.001.08"),
    (synth.pain001(7, seed=4, n_pmtinf=3), "pain.001.001.09"),
    (synth.pain001(2, seed=8, envelope=True), "pain.001.001.09"),
])
def test_records_become_valid_xml_that_reads_back_the_same(
        server: Server, client: httpx.Client, doc: bytes, message_id: str) -> None:
    records = client.post("/v1/translate", content=doc, headers=server.headers()).json()
    response = client.post(f"/v1/messages/{message_id}",
                           content=orjson.dumps({"transfers": records["transfers"]}),
                           headers=server.headers(content_type=JSON))
    assert response.status_code == 200, response.text
    assert response.headers["x-message-type"] == message_id
    xml = response.content
    assert iso20022.validation.validate_xsd(xml) is None
    again = client.post("/v1/translate", content=xml, headers=server.headers()).json()
    strip = [_without_line(t) for t in records["transfers"]]
    assert [_without_line(t) for t in again["transfers"]] == strip
    assert again["app_header"] == records["app_header"]


def _without_line(transfer: dict[str, object]) -> dict[str, object]:
    source = dict(transfer["source"])  # type: ignore[call-overload]
    source.pop("line", None)
    return {**transfer, "source": source}


def test_app_header_is_derived_on_request(server: Server, client: httpx.Client) -> None:
    doc = synth.pacs008(1, seed=21, envelope=False)
    records = client.post("/v1/translate", content=doc, headers=server.headers()).json()
    payload = orjson.dumps({"transfers": records["transfers"]})
    bare = client.post("/v1/messages/pacs.008.001.08", content=payload,
                       headers=server.headers(content_type=JSON))
    assert b"AppHdr" not in bare.content
    derived = client.post("/v1/messages/pacs.008.001.08?app_header=derive", content=payload,
                          headers=server.headers(content_type=JSON))
    assert derived.status_code == 200, derived.text
    (t,) = iso20022.parse(derived.content)
    header = t.message.app_header
    assert header is not None
    assert header.business_message_id == t.message.message_id
    assert header.from_bic == records["transfers"][0]["instructing_agent"]["bic"]


def test_records_that_do_not_fit_the_version_are_422(server: Server,
                                                     client: httpx.Client) -> None:
    pain = client.post("/v1/translate", content=synth.pain001(1, seed=2),
                       headers=server.headers()).json()
    payload = orjson.dumps({"transfers": pain["transfers"]})
    body = _problem(client.post("/v1/messages/pacs.008.001.08", content=payload,
                                headers=server.headers(content_type=JSON)), 422)
    assert body["code"] == "FF01"
    assert body.get("path") or body.get("fields")
    # a field pacs.008.001.02 does not have (UETR) is named, not dropped
    pacs = client.post("/v1/translate", content=synth.pacs008(1, seed=2),
                       headers=server.headers()).json()
    transfers = pacs["transfers"]
    assert transfers[0]["uetr"]
    for t in transfers:
        t["message"].pop("app_header")
    body = _problem(client.post("/v1/messages/pacs.008.001.02",
                                content=orjson.dumps({"transfers": transfers}),
                                headers=server.headers(content_type=JSON)), 422)
    assert "/transfers/0/uetr" in body.get("fields", [])  # type: ignore[operator]


@pytest.mark.parametrize(("payload", "path"), [
    (b"{", "/"),
    (b"[]", "/"),
    (b'{"transfers": []}', "/transfers"),
    (b'{"transfers": [{"amount": 1}]}', "/transfers/0"),
])
def test_bad_records_are_422_with_a_path(server: Server, client: httpx.Client,
                                         payload: bytes, path: str) -> None:
    body = _problem(client.post("/v1/messages/pacs.008.001.08", content=payload,
                                headers=server.headers(content_type=JSON)), 422)
    assert body["path"] == path


def test_unknown_message_is_404(server: Server, client: httpx.Client) -> None:
    for name in ("camt.053.001.08", "nonsense"):
        _problem(client.post(f"/v1/messages/{name}", content=b"{}",
                             headers=server.headers(content_type=JSON)), 404)


@pytest.mark.parametrize(("doc", "report"), [
    (synth.pacs008(1, seed=1, envelope=False), "pacs.002.001.10"),
    (synth.pain001(2, seed=1), "pain.002.001.10"),
])
def test_status_reports_are_messages_too(server: Server, client: httpx.Client, doc: bytes,
                                         report: str) -> None:
    require_shared()  # pain.002.001.10 and pacs.002.001.10 are not bundled
    response = client.post(f"/v1/messages/{report}", content=doc, headers=server.headers())
    assert response.status_code == 200, response.text
    assert response.headers["x-message-type"] == report
    assert iso20022.validation.validate_xsd(response.content) is None
    wrong = client.post(f"/v1/messages/{report}", content=doc,
                        headers=server.headers(content_type=JSON))
    assert _problem(wrong, 415)["code"] == "FF01"


def test_text_xml_cannot_hold_is_422_not_500(server: Server, client: httpx.Client) -> None:
    """Found by the property test: a control character in a record crashed the writer."""
    records = client.post("/v1/translate", content=GOOD, headers=server.headers()).json()
    transfers = records["transfers"]
    transfers[0]["debtor"]["name"] = "ACME\x04 Ltd"
    transfers[0]["amount"]["currency"] = "E\x01R"
    body = _problem(client.post("/v1/messages/pacs.008.001.08",
                                content=orjson.dumps({"transfers": transfers}),
                                headers=server.headers(content_type=JSON)), 422)
    assert "cannot be written as XML" in str(body["detail"])
