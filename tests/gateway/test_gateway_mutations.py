"""Mutated messages against the real server: bad input is a 4xx problem, never a 5xx.

Hypothesis cuts, splices and rewrites valid pacs.008 / pain.001 messages (with
and without AppHdr) and sends them to every XML endpoint.
"""

from __future__ import annotations

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iso20022 import synth

from .gatewaykit import Server

SEEDS = [synth.pacs008(1, seed=3), synth.pacs008(2, seed=4, envelope=False),
         synth.pain001(2, seed=5), synth.pain001(1, seed=6, envelope=True)]
ENDPOINTS = ["/v1/translate?validate=none", "/v1/translate?validate=xsd",
             "/v1/translate?validate=rules", "/v1/validate?report=true",
             "/v1/messages/pacs.002.001.10", "/v1/messages/pain.002.001.10"]
_JUNK = st.sampled_from([b"<", b">", b"&", b"&amp;", b"&#0;", b"&#x1F;", b"<!DOCTYPE x>",
                         b"<![CDATA[x]]>", b"<!-- c -->", b"\x00", b"\xff\xfe", b"\xc3",
                         b"</Document>", b"<Document>", b"1E+3", b"-1", b"9" * 40, b"\n"])


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    doc = draw(st.sampled_from(SEEDS))
    kind = draw(st.sampled_from(["cut", "insert", "replace", "text"]))
    at = draw(st.integers(0, len(doc)))
    if kind == "cut":
        return doc[:at]
    if kind == "insert":
        return doc[:at] + draw(_JUNK) + doc[at:]
    if kind == "replace":
        end = draw(st.integers(at, min(len(doc), at + 40)))
        return doc[:at] + draw(st.binary(max_size=20) | _JUNK) + doc[end:]
    start = doc.find(b">", at)  # rewrite the text after a start tag
    end = doc.find(b"<", start)
    if start < 0 or end < 0:
        return doc
    return doc[:start + 1] + draw(st.text(max_size=30)).encode("utf-8", "surrogatepass") + \
        doc[end:]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=mutated(), endpoint=st.sampled_from(ENDPOINTS))
def test_mutated_messages_never_get_a_5xx(server: Server, body: bytes, endpoint: str) -> None:
    response = httpx.post(server.url + endpoint, content=body, headers=server.headers(),
                          timeout=30)
    assert response.status_code < 500, (endpoint, response.text[:500])
    assert "Traceback" not in response.text
    if response.status_code >= 400:
        problem = orjson.loads(response.content)
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["status"] == response.status_code and problem["title"]
