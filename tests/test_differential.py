"""Differential tests: the compiled scanner and the lxml reference read every input alike.

For corpus samples, synthetic messages, hypothesis-generated documents with random
surface syntax, and truncated or mutated documents, both implementations give equal
records, or errors of the same class (and, for the fixed malformed constructs, the same
element path).  With ``ISO20022_NO_EXTENSIONS=1`` only the reference runs: the tests
still check what the reference must do on its own (values read back exactly, truncated
files refused, nothing but ``ParseError`` raised), and compare as soon as both exist.
"""

from __future__ import annotations

import copy
import io
import re
from functools import cache
from typing import Any

import docgen
import pytest
from conftest import implementation_modules, parse_both
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from lxml import etree

import iso20022
from iso20022 import _impl, synth
from iso20022.errors import InvalidValueError, ParseError, UnsafeXMLError
from iso20022.msgid import MessageId
from iso20022.parse.tables import SPECS

from support import (
    COMPILED_DISABLED,
    CORPUS,
    PACS008_NS,
    corpus_rows,
    require_corpus,
    require_shared,
    small_pacs008,
)

Outcome = tuple[Any, ...]


def assert_same(outcomes: dict[str, Outcome]) -> Outcome:
    """Every implementation's outcome equals the reference's; return the reference's."""
    reference = outcomes["python"]
    for which, outcome in outcomes.items():
        assert outcome == reference, f"{which} differs from the python reference"
    return reference


def _kind(outcome: Outcome) -> Outcome:
    """The outcome without the error path: ("ok", records) or ("error", class)."""
    return outcome if outcome[0] == "ok" else outcome[:2]


def assert_same_kind(outcomes: dict[str, Outcome]) -> Outcome:
    """Equal records, or errors of the same class (paths not compared)."""
    reference = _kind(outcomes["python"])
    for which, outcome in outcomes.items():
        assert _kind(outcome) == reference, f"{which} differs from the python reference"
    return reference


def test_the_compiled_scanner_takes_part_unless_disabled() -> None:
    """A differential test must never compare the reference with itself."""
    if COMPILED_DISABLED:
        assert list(parse_both(synth.pacs008(1))) == ["python"]
        pytest.skip("compiled implementation disabled by ISO20022_NO_EXTENSIONS")
    assert list(parse_both(synth.pacs008(1))) == ["compiled", "python"]
    with implementation_modules("compiled"):
        assert _impl.scan.__name__ == "iso20022._speedups.scan"
        assert _impl.scan.__file__.endswith((".so", ".pyd"))


# -- corpus ---------------------------------------------------------------------------------

_CREDIT_TRANSFERS = [r for r in corpus_rows() if r[1].startswith(("pain.001.", "pacs.008."))]


@pytest.mark.corpus
@pytest.mark.parametrize(
    "row",
    [pytest.param(r, id=r[0]) for r in _CREDIT_TRANSFERS]
    or [pytest.param(None, id="no-corpus")],
)
def test_corpus_samples_give_equal_outcomes(row: tuple[str, str, bool] | None) -> None:
    require_corpus()
    assert row is not None
    path, message, valid = row
    outcome = assert_same(parse_both(CORPUS / path))
    if valid and MessageId.parse(message) in SPECS:
        assert outcome[0] == "ok" and outcome[1], outcome


# -- synthetic messages ---------------------------------------------------------------------


def _end_to_end_ids(data: bytes) -> list[str]:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    return [e.text for e in root.iter("{*}EndToEndId")]


_SYNTH = [
    pytest.param(version, envelope, n_tx, seed, id=f"{version}-{'env' if envelope else 'bare'}"
                 f"-{n_tx}tx-seed{seed}")
    for version in (*synth.PAIN001_VERSIONS, *synth.PACS008_VERSIONS)
    for envelope in (False, True)
    for n_tx, seed in ((1, 0), (2, 1), (7, 2), (23, 3), (50, 4))
]


@pytest.mark.parametrize(("version", "envelope", "n_tx", "seed"), _SYNTH)
def test_synthetic_messages_give_equal_records(version: str, envelope: bool, n_tx: int,
                                               seed: int) -> None:
    if version.startswith("pain"):
        data = synth.pain001(n_tx, version=version, seed=seed, envelope=envelope,
                             n_pmtinf=min(n_tx, 1 + seed % 3))
    else:
        data = synth.pacs008(n_tx, version=version, seed=seed, envelope=envelope)
    outcome = assert_same(parse_both(data))
    assert outcome[0] == "ok"
    records = outcome[1]
    assert [t.end_to_end_id for t in records] == _end_to_end_ids(data)
    assert {t.message.message_type for t in records} == {version}
    assert all((t.message.app_header is not None) is envelope for t in records)


# -- generated documents with random surface syntax ----------------------------------------


@settings(max_examples=250, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(doc=docgen.documents())
def test_generated_documents_decode_to_the_generated_values(doc: docgen.Doc) -> None:
    note(repr(doc.data))
    note(doc.notes)
    outcome = assert_same(parse_both(doc.data))
    assert outcome[0] == "ok", outcome
    assert docgen.observe(outcome[1]) == doc.expected


@cache
def _lxml_schema(message: str) -> etree.XMLSchema | None:
    path = require_shared() / "xsd" / f"{message}.xsd"
    return etree.XMLSchema(etree.parse(str(path))) if path.exists() else None


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(doc=docgen.documents())
def test_generated_documents_are_schema_valid(doc: docgen.Doc) -> None:
    """The generator's claim: its Document (and AppHdr) validate against the official XSD."""
    note(repr(doc.data))
    root = etree.fromstring(doc.data, etree.XMLParser(resolve_entities=False, no_network=True))
    parts = {etree.QName(e).localname: e for e in [root, *root] if isinstance(e.tag, str)}
    for name, message in (("Document", doc.message), ("AppHdr", docgen.HEAD)):
        schema = _lxml_schema(message)
        if schema is None:
            pytest.skip(f"no XSD for {message} in ../shared/xsd")
        if name in parts:
            valid = schema.validate(etree.ElementTree(copy.deepcopy(parts[name])))
            assert valid, schema.error_log


# -- truncation and mutation ----------------------------------------------------------------

_SMALL_PACS = synth.pacs008(1, seed=11, envelope=True)  # about 3.5 KB


def test_truncation_at_every_byte_offset() -> None:
    data = _SMALL_PACS
    assert 3000 < len(data) < 4500
    complete = len(data.rstrip())  # only trailing whitespace may go missing
    for cut in range(len(data) + 1):
        outcome = assert_same_kind(parse_both(data[:cut]))
        if cut < complete:
            assert outcome[0] == "error", f"truncated at byte {cut} of {len(data)} was accepted"
        else:
            assert outcome[0] == "ok" and len(outcome[1]) == 1


_BASES = [
    _SMALL_PACS,
    synth.pacs008(2, version="pacs.008.001.02", seed=5, envelope=False),
    synth.pain001(2, version="pain.001.001.09", seed=6, n_pmtinf=2, envelope=False),
    synth.pain001(1, version="pain.001.001.03", seed=7, envelope=True),
]
_TAG_NAME = re.compile(rb"</?([A-Za-z_][^\s/>]*)")
_INTERESTING = b"<>&;/=\"'![]-?#x\x00\x01\x7f\x80\xc3\xef\xff \t\r\n"


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_BASES)))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "swap"]))
        if op == "flip":
            pos = draw(st.integers(0, len(data) - 1))
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "insert":
            pos = draw(st.integers(0, len(data)))
            byte = draw(st.sampled_from(_INTERESTING) | st.integers(0, 255))
            data[pos:pos] = bytes((byte,)) * draw(st.integers(1, 3))
        elif op == "delete":
            pos = draw(st.integers(0, len(data) - 1))
            del data[pos : pos + draw(st.integers(1, 8))]
        else:
            names = list(_TAG_NAME.finditer(bytes(data)))
            if len(names) < 2:
                continue
            i, j = sorted(draw(st.lists(st.integers(0, len(names) - 1), min_size=2,
                                        max_size=2, unique=True)))
            a, b = names[i], names[j]
            data[b.start(1) : b.end(1)] = a.group(1)
            data[a.start(1) : a.end(1)] = b.group(1)
    return bytes(data)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=_mutated())
def test_mutated_documents_give_the_same_outcome(data: bytes) -> None:
    """Byte flips, insertions, deletions, swapped tag names: same records or error class.

    ``parse_both`` lets anything but a ``ParseError`` through, so a crash fails here too.
    """
    note(repr(data))
    assert_same_kind(parse_both(data))


# -- fixed malformed constructs -------------------------------------------------------------

BASE = small_pacs008(extra="\n   <!-- a comment -->")

_TX = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]"
_NM = f"{_TX}/Dbtr/Nm"


def _edit(old: bytes, new: bytes) -> bytes:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


MALFORMED = [
    ("mismatched-end-tag", _edit(b"</Nm>", b"</Name>"), ParseError, _NM),
    ("unclosed-element-at-eof", BASE[: BASE.index(b"</Document>")], ParseError, "/Document"),
    ("second-root-element", BASE + f'<Document xmlns="{PACS008_NS}"/>\n'.encode(), ParseError,
     None),
    ("text-after-the-root", BASE + b"trailing text\n", ParseError, None),
    ("lt-in-attribute-value", _edit(b'Ccy="EUR"', b'Ccy="E<R"'), ParseError, _TX),
    ("undefined-entity", _edit(b">Debtor<", b">Deb&foo;tor<"), ParseError, _NM),
    ("char-ref-zero", _edit(b">Debtor<", b">Deb&#0;tor<"), ParseError, _NM),
    ("duplicated-attribute", _edit(b'Ccy="EUR"', b'Ccy="EUR" Ccy="EUR"'), ParseError, _TX),
    ("attribute-without-quotes", _edit(b'Ccy="EUR"', b"Ccy=EUR"), ParseError, _TX),
    ("attribute-without-closing-quote", _edit(b'Ccy="EUR"', b'Ccy="EUR'), ParseError, _TX),
    ("cdata-end-in-text", _edit(b">Debtor<", b">Deb]]>tor<"), ParseError, _NM),
    ("control-character-in-text", _edit(b">Debtor<", b">Deb\x01tor<"), ParseError, _NM),
    ("invalid-utf8-in-text", _edit(b">Debtor<", b">Deb\xff\xfetor<"), ParseError, _NM),
    ("invalid-utf8-sequence", _edit(b">Debtor<", b">Deb\xc3\x28tor<"), ParseError, _NM),
    ("double-dash-in-comment", _edit(b"<!-- a comment -->", b"<!-- a -- comment -->"),
     ParseError, _TX),
    ("xml-declaration-not-first", b" " + BASE, ParseError, None),
    ("xml-declaration-inside", _edit(b"<ChrgBr>", b'<?xml version="1.0"?><ChrgBr>'),
     ParseError, _TX),
    ("unbound-prefix", _edit(b"<Nm>Debtor</Nm>", b"<q:Nm>Debtor</q:Nm>"), ParseError,
     f"{_TX}/Dbtr/q:Nm"),
    ("cdata-after-the-root", BASE + b"<![CDATA[x]]>", ParseError, None),
    ("cdata-before-the-root", _edit(b"<Document", b"<![CDATA[x]]><Document"),
     UnsafeXMLError, None),
]


@pytest.mark.parametrize(("data", "error", "path"), [pytest.param(*m[1:], id=m[0])
                                                      for m in MALFORMED])
def test_malformed_constructs_give_the_same_error_and_path(
    data: bytes, error: type[ParseError], path: str | None
) -> None:
    outcomes = parse_both(data)
    for which, outcome in outcomes.items():
        assert outcome == ("error", error, path), which


def test_the_malformed_base_document_is_fine() -> None:
    outcome = assert_same(parse_both(BASE))
    assert outcome[0] == "ok"
    assert [t.debtor.name for t in outcome[1] if t.debtor] == ["Debtor"]


class _SmallReads:
    """A binary stream that hands out 64 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self._io = io.BytesIO(data)

    def read(self, size: int = -1, /) -> bytes:
        return self._io.read(64)


@pytest.mark.parametrize("form", ["bytes", "small-reads"])
def test_the_first_error_in_document_order_wins(use_implementation: str, form: str) -> None:
    """A bad value before a well-formedness error is reported, whatever the read sizes."""
    data = _edit(b"<CreDtTm>2026-11-25T10:00:00</CreDtTm>", b"<CreDtTm>x2026</CreDtTm>")
    data = data.replace(b"</ChrgBr>", b"</ChrgBrX>")
    source = data if form == "bytes" else _SmallReads(data)
    with pytest.raises(ParseError) as info:
        list(iso20022.parse(source))
    assert type(info.value) is InvalidValueError
    assert (info.value.path, info.value.line) == ("/Document/FIToFICstmrCdtTrf/GrpHdr/CreDtTm", 4)


_SMALL = synth.pacs008(1, seed=3, envelope=True)


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        (b'version="1.0"', b'version="1."', True),
        (b'version="1.0"', b'version="0.0"', False),
        (b'version="1.0"', b'version="1.x"', False),
        (b'encoding="UTF-8"', b'encoding="U8"', False),
        (b'encoding="UTF-8"', b'encoding="latin-1"', False),
        (b'encoding="UTF-8"', b'encoding="latin1"', True),
        (b"<?xml ", b"<?xml\x0b", False),
        (b"<?xml ", b"<?:ml ", False),
        (b'xmlns="urn:iso:std:iso:20022:tech:xsd:head', b'xmlns=";urn:iso:std:iso:20022:tech:xsd:h',
         False),
        (b'xmlns="urn:iso:std:iso:20022:tech:xsd:head', b'xmlns="urn:x[y:iso:std:iso:20022:xsd:h',
         False),
    ],
)
def test_divergences_found_by_mutation_stay_fixed(old: bytes, new: bytes, ok: bool) -> None:
    """Each of these once parsed differently in the two implementations.

    Records must be equal, or the error class the same (libxml2 reports a bad
    namespace name only after the parse, without an element path).
    """
    assert old in _SMALL
    outcomes = parse_both(_SMALL.replace(old, new, 1))
    first = next(iter(outcomes.values()))
    for outcome in outcomes.values():
        assert outcome[:2] == first[:2]
    assert (first[0] == "ok") is ok
