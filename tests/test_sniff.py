"""The compiled sniffer and its pure-Python twin behave the same on every input."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iso20022.errors import ParseError

from support import COMPILED_DISABLED, CORPUS, corpus_rows, require_corpus

pytestmark = pytest.mark.skipif(COMPILED_DISABLED, reason="compiled sniffer disabled: "
                                "nothing to compare the twin with")

LIMIT = 64 * 1024

ENVELOPED = b"""\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>
<!-- a partner file -->
<?partner batch="7"?>
<Envelope xmlns="urn:swift:xsd:envelope" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <h:AppHdr xmlns:h='urn:iso:std:iso:20022:tech:xsd:head.001.001.02'>
    <h:BizMsgIdr>B&amp;1</h:BizMsgIdr><h:Empty/><![CDATA[<not-a-tag>]]>
  </h:AppHdr>
  <doc:Document xmlns:doc="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">
    <doc:FIToFICstmrCdtTrf/>
  </doc:Document>
</Envelope>
"""


def outcome(module: ModuleType, data: bytes, final: bool, limit: int = LIMIT) -> object:
    try:
        return ("ok", module.sniff(data, final, limit))
    except ParseError as exc:
        return ("error", type(exc).__name__, exc.message, exc.line)


def assert_same(mods: dict[str, ModuleType], data: bytes, final: bool,
                limit: int = LIMIT) -> object:
    results = {name: outcome(m, data, final, limit) for name, m in mods.items()}
    assert results["compiled"] == results["python"], data[:200]
    return results["python"]


def test_an_enveloped_document_is_found_with_its_header(
        sniff_modules: dict[str, ModuleType]) -> None:
    result = assert_same(sniff_modules, ENVELOPED, True)
    assert result == ("ok", ("Envelope", "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08",
                             "urn:iso:std:iso:20022:tech:xsd:head.001.001.02",
                             ENVELOPED.index(b"<doc:Document"), 8))


def test_every_truncation_is_incomplete_or_the_same_error(
        sniff_modules: dict[str, ModuleType]) -> None:
    for cut in range(len(ENVELOPED) + 1):
        for final in (False, True):
            assert_same(sniff_modules, ENVELOPED[:cut], final)
        if cut < ENVELOPED.index(b"<doc:Document") + 20:
            assert outcome(sniff_modules["python"], ENVELOPED[:cut], False) in (
                ("ok", None),) or cut < 4


def test_the_limit_is_the_same(sniff_modules: dict[str, ModuleType]) -> None:
    for limit in (10, 100, 300, 400, 1000):
        assert_same(sniff_modules, ENVELOPED, False, limit)
        assert_same(sniff_modules, ENVELOPED, True, limit)


@pytest.mark.corpus
def test_every_corpus_head_gives_the_same_answer(sniff_modules: dict[str, ModuleType]) -> None:
    require_corpus()
    for rel, _, _ in corpus_rows():
        data = (CORPUS / rel).read_bytes()
        assert_same(sniff_modules, data, True)
        assert_same(sniff_modules, data[: len(data) // 3], False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_heads_give_the_same_answer(sniff_modules: dict[str, ModuleType],
                                            data: st.DataObject) -> None:
    doc = bytearray(ENVELOPED)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        pos = data.draw(st.integers(0, len(doc) - 1))
        if kind == "flip":
            doc[pos] = data.draw(st.sampled_from(b"<>/=\"' !?-[]:xD\n\x00\xff"))
        elif kind == "insert":
            doc[pos:pos] = data.draw(st.sampled_from([
                b"<", b">", b"<!DOCTYPE x>", b"</a>", b"<b/>", b"<!--", b"-->", b'"',
                b"xmlns:q='u'",
            ]))
        else:
            del doc[pos : pos + data.draw(st.integers(1, 8))]
    final = data.draw(st.booleans())
    assert_same(sniff_modules, bytes(doc), final)


@given(st.binary(max_size=300), st.booleans())
@settings(max_examples=300, deadline=None)
def test_random_bytes_give_the_same_answer(sniff_modules: dict[str, ModuleType],
                                           blob: bytes, final: bool) -> None:
    assert_same(sniff_modules, blob, final)


_DOC_NS = b"urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"
_HEAD_NS = b"urn:iso:std:iso:20022:tech:xsd:head.001.001.02"


@pytest.mark.parametrize("head", [
    # a prefix declared on an element that has closed is not in scope any more
    b"<E><a:X xmlns:a='" + _DOC_NS + b"'/><a:Document xmlns:b='u'/></E>",
    b"<E><X xmlns:a='" + _DOC_NS + b"'></X><a:Document/></E>",
    # an inner default namespace hides the outer one, and only inside its element
    b"<E xmlns='" + _DOC_NS + b"'><I xmlns='urn:other'></I><Document/></E>",
    b"<E xmlns='urn:other'><I xmlns='" + _DOC_NS + b"'><Document/></I></E>",
    b"<E xmlns='" + _DOC_NS + b"'><I xmlns='urn:other'><Document/></I></E>",
    # declarations of one tag: the last of a prefix wins; they bind the tag's own name
    b"<E><d:Document xmlns:d='urn:other' xmlns:d='" + _DOC_NS + b"'/></E>",
    b"<E xmlns:h='urn:other'><h:AppHdr xmlns:h='" + _HEAD_NS + b"'></h:AppHdr>"
    b"<Document xmlns='" + _DOC_NS + b"'/></E>",
    b"<E xmlns:h='" + _HEAD_NS + b"'><h:AppHdr xmlns:h='urn:other'></h:AppHdr>"
    b"<h:Document xmlns:h='" + _DOC_NS + b"'/></E>",
    # xmlns: with an empty prefix, and the xml prefix
    b"<E xmlns:='" + _DOC_NS + b"'><Document/></E>",
    b"<E><xml:Document/></E>",
])
def test_namespace_scopes_are_the_same(sniff_modules: dict[str, ModuleType], head: bytes) -> None:
    for final in (False, True):
        assert_same(sniff_modules, head, final)
