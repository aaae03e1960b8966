"""Bad input: every case gets a typed error with a clear message, on both implementations."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import iso20022
from iso20022 import Limits
from iso20022.errors import (
    InvalidValueError,
    LimitExceededError,
    ParseError,
    UnsafeXMLError,
    UnsupportedMessageError,
)

from support import small_pacs008

pytestmark = pytest.mark.usefixtures("use_implementation")

def pacs008(amount: str = "12.50", ccy: str = "EUR", extra: str = "") -> bytes:
    return small_pacs008(amount=amount, ccy=ccy, extra=extra)


def parse_all(data: object, **kwargs: object) -> list[iso20022.Transfer]:
    return list(iso20022.parse(data, **kwargs))  # type: ignore[arg-type]


def test_a_good_document_parses() -> None:
    (t,) = parse_all(pacs008())
    assert (t.end_to_end_id, str(t.amount.amount), t.amount.currency) == ("E2E-1", "12.50", "EUR")


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", ParseError, "no root element"),
        (b"   \n  ", ParseError, "no root element"),
        (b"hello, this is not XML", ParseError, "not XML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ParseError, "not XML"),
        (b'{"json": true}', ParseError, "not XML"),
        (b"<Payments><Payment/></Payments>", UnsupportedMessageError, "no ISO 20022 Document"),
        (b'<Document xmlns="urn:example:payments"><X/></Document>', UnsupportedMessageError,
         "not an ISO 20022 message"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:nonsense"/>',
         UnsupportedMessageError, "unknown ISO 20022 namespace"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>',
         UnsupportedMessageError, "camt.053.001.08 is not supported"),
        (b"\xff\xfe<\x00D\x00", ParseError, "not UTF-8"),
    ],
    ids=["empty", "blank", "text", "binary", "json", "wrong-root", "foreign-namespace",
         "bad-iso-namespace", "unsupported-version", "utf16"],
)
def test_unusable_documents_get_typed_errors(data: bytes, error: type[Exception],
                                             words: str) -> None:
    with pytest.raises(error, match=words) as info:
        parse_all(data)
    assert type(info.value) is error
    assert info.value.code == "FF01"  # type: ignore[attr-defined]


@pytest.mark.parametrize("cut", [10, 60, 150, 300, -40, -12, -2])
def test_a_truncated_document_is_a_parse_error(cut: int) -> None:
    data = pacs008()
    with pytest.raises(ParseError) as info:
        parse_all(data[:cut])
    assert info.value.line is not None


def test_wrong_root_inside_the_document() -> None:
    data = pacs008().replace(b"FIToFICstmrCdtTrf", b"CstmrCdtTrfInitn")
    with pytest.raises(ParseError, match="expected FIToFICstmrCdtTrf") as info:
        parse_all(data)
    assert info.value.path == "/Document/CstmrCdtTrfInitn"
    assert info.value.line == 3


def test_mismatched_tags_name_line_and_path() -> None:
    data = pacs008().replace(b"</EndToEndId>", b"</EndToEndIdX>")
    with pytest.raises(ParseError, match="not well-formed") as info:
        parse_all(data)
    assert info.value.line == 7
    assert info.value.path is not None
    assert info.value.path.startswith("/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/PmtId")


@pytest.mark.parametrize("amount", ["12,50", "1e3", "NaN", "Infinity", "", "12.5.0", "EUR 5"])
def test_an_amount_that_is_not_a_decimal(amount: str) -> None:
    with pytest.raises(InvalidValueError, match="not a decimal") as info:
        parse_all(pacs008(amount=amount))
    exc = info.value
    assert exc.path == "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/IntrBkSttlmAmt"
    assert exc.line == 8
    assert exc.code == "AM12"


def test_amount_whitespace_is_collapsed_and_the_scale_kept() -> None:
    (t,) = parse_all(pacs008(amount=" 0012.500\n"))
    assert str(t.amount.amount) == "12.500"  # leading zeros carry nothing; the scale stays


def test_a_bad_date_names_its_element() -> None:
    data = pacs008(extra="<IntrBkSttlmDt>2026-13-45</IntrBkSttlmDt>")
    with pytest.raises(InvalidValueError, match="date") as info:
        parse_all(data)
    assert info.value.path == "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/IntrBkSttlmDt"
    assert info.value.code == "DT01"


def test_missing_required_element() -> None:
    data = pacs008().replace(b"<PmtId><EndToEndId>E2E-1</EndToEndId></PmtId>", b"")
    with pytest.raises(ParseError, match="PmtId/EndToEndId") as info:
        parse_all(data)
    assert info.value.path == "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]"


def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(pacs008())
    small = Limits(max_bytes=100)
    with pytest.raises(LimitExceededError, match="larger than the limit") as info:
        parse_all(path, limits=small)
    assert info.value.file == str(path)
    with pytest.raises(LimitExceededError):
        parse_all(pacs008(), limits=small)
    with pytest.raises(LimitExceededError):  # a stream that does not say its size
        parse_all(io.BytesIO(pacs008()), limits=small)


def test_nesting_deeper_than_the_limit() -> None:
    deep = "<Nest>" * 80 + "</Nest>" * 80
    data = pacs008(extra=f"<SplmtryData><Envlp>{deep}</Envlp></SplmtryData>")
    with pytest.raises(LimitExceededError, match="nested deeper than 64"):
        parse_all(data)
    assert len(parse_all(data, limits=Limits(max_depth=200))) == 1


def test_a_text_node_over_the_limit() -> None:
    data = pacs008(extra=f"<Purp><Prtry>{'x' * 5000}</Prtry></Purp>")
    with pytest.raises(LimitExceededError, match="text longer than 4096 bytes"):
        parse_all(data, limits=Limits(max_text_bytes=4096))


def test_undefined_entities_are_errors_not_expanded() -> None:
    data = pacs008().replace(b"E2E-1", b"&secret;")
    with pytest.raises(ParseError, match="secret"):
        parse_all(data)


def test_predefined_entities_and_character_references_are_decoded() -> None:
    data = pacs008().replace(b"E2E-1", b"A&amp;B&lt;&#x4E2D;&#25991;<![CDATA[<x>]]>")
    (t,) = parse_all(data)
    assert t.end_to_end_id == "A&B<\u4e2d\u6587<x>"


def test_comments_inside_values_do_not_split_them() -> None:
    data = pacs008().replace(b"E2E-1", b"E2E<!-- note -->-1")
    (t,) = parse_all(data)
    assert t.end_to_end_id == "E2E-1"


def test_a_declared_latin1_document_is_read() -> None:
    data = pacs008().replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').replace(
        b"E2E-1", "Müller".encode("latin-1"))
    (t,) = parse_all(data)
    assert t.end_to_end_id == "Müller"


def test_message_mismatch_is_refused() -> None:
    with pytest.raises(UnsupportedMessageError, match=r"expected pain\.001\.001\.09, found "
                       r"pacs\.008\.001\.08"):
        parse_all(pacs008(), message="pain.001.001.09")
    assert len(parse_all(pacs008(), message="pacs.008.001.08")) == 1


def test_a_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read file"):
        parse_all(tmp_path / "nope.xml")


# -- security ---------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><X>&lol9;</X></Document>
"""


def test_billion_laughs_is_refused_before_expansion() -> None:
    with pytest.raises(UnsafeXMLError, match="DOCTYPE") as info:
        parse_all(BILLION_LAUGHS)
    assert info.value.line == 2
    with pytest.raises(UnsafeXMLError):
        iso20022.detect(BILLION_LAUGHS)


def test_external_entities_are_refused_and_the_file_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    doc = (f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
           ).encode() + pacs008().split(b"?>", 1)[1].replace(b"E2E-1", b"&xxe;")
    with pytest.raises(UnsafeXMLError) as info:
        parse_all(doc)
    assert "TOP-SECRET" not in str(info.value)
    # Even a DOCTYPE after a long prolog of comments is seen.
    padded = b"<?xml version='1.0'?>" + b"<!-- pad -->" * 1000 + doc.split(b"?>", 1)[1]
    with pytest.raises(UnsafeXMLError):
        parse_all(padded)


def test_a_doctype_inside_the_document_is_not_well_formed() -> None:
    data = pacs008().replace(b"<ChrgBr>", b'<!DOCTYPE x SYSTEM "http://example.invalid/x"><ChrgBr>')
    with pytest.raises(ParseError):
        parse_all(data)


@pytest.mark.parametrize("kwargs", [{"max_depth": 256}, {"max_depth": 0}, {"max_bytes": 0},
                                    {"max_text_bytes": -1}])
def test_limits_out_of_range_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="Limits"):
        Limits(**kwargs)
