"""Real sample messages from ../shared/corpus, on both implementations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

import iso20022
from iso20022.errors import ParseError, UnsupportedMessageError
from iso20022.jsonio import from_json
from iso20022.msgid import MessageId
from iso20022.parse.tables import SPECS
from iso20022.records import Transfer

from support import CORPUS, corpus_rows, require_corpus

_ROWS = corpus_rows()
_CREDIT_TRANSFERS = [r for r in _ROWS if r[1].startswith(("pain.001.", "pacs.008."))]
_VALID_SUPPORTED = [r for r in _CREDIT_TRANSFERS if r[2] and MessageId.parse(r[1]) in SPECS]
_UNSUPPORTED = [r for r in _ROWS if MessageId.parse(r[1]) not in SPECS]


def _params(rows: list[tuple[str, str, bool]]) -> list[object]:
    if not rows:
        return [pytest.param(None, id="no-corpus")]
    return [pytest.param(r, id=r[0]) for r in rows]


def _lxml_transactions(path: Path) -> list[etree._Element]:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    return tree.xpath("//*[local-name()='Document']//*[local-name()='CdtTrfTxInf']")


def _text(elem: etree._Element, *names: str) -> etree._Element | None:
    node: etree._Element | None = elem
    for name in names:
        assert node is not None
        node = next((c for c in node if etree.QName(c).localname == name), None)
        if node is None:
            return None
    return node


@pytest.mark.corpus
@pytest.mark.parametrize("row", _params(_VALID_SUPPORTED))
def test_valid_credit_transfer_samples_parse_like_lxml_reads_them(
    row: tuple[str, str, bool] | None, use_implementation: str
) -> None:
    require_corpus()
    assert row is not None
    path = CORPUS / row[0]
    transfers = list(iso20022.parse(path))
    expected = _lxml_transactions(path)
    assert len(transfers) == len(expected) > 0
    family = row[1][:8]
    for transfer, tx in zip(transfers, expected, strict=True):
        assert transfer.message.message_type == row[1]
        e2e = _text(tx, "PmtId", "EndToEndId")
        assert e2e is not None and transfer.end_to_end_id == e2e.text
        if family == "pacs.008":
            amount = _text(tx, "IntrBkSttlmAmt")
        else:
            amount = _text(tx, "Amt", "InstdAmt")
            if amount is None:
                amount = _text(tx, "Amt", "EqvtAmt", "Amt")
        assert amount is not None and amount.text is not None
        assert transfer.amount.amount == Decimal(amount.text.strip())
        assert str(transfer.amount.amount) == amount.text.strip()  # exact text, not just value
        assert transfer.amount.currency == amount.get("Ccy")
        assert transfer.source.file == str(path)
        assert transfer.source.line == tx.sourceline


@pytest.mark.corpus
@pytest.mark.parametrize("row", _params(_VALID_SUPPORTED))
def test_every_corpus_record_survives_the_json_round_trip(
    row: tuple[str, str, bool] | None,
) -> None:
    require_corpus()
    assert row is not None
    for transfer in iso20022.parse(CORPUS / row[0]):
        assert Transfer.from_json(transfer.to_json()) == transfer
        assert from_json(transfer.to_json()).to_json() == transfer.to_json()


@pytest.mark.corpus
@pytest.mark.parametrize("row", _params(_UNSUPPORTED))
def test_unsupported_messages_raise_unsupported_message_error(
    row: tuple[str, str, bool] | None, use_implementation: str
) -> None:
    require_corpus()
    assert row is not None
    with pytest.raises(UnsupportedMessageError):
        list(iso20022.parse(CORPUS / row[0]))


@pytest.mark.corpus
@pytest.mark.parametrize("row", _params([r for r in _CREDIT_TRANSFERS if not r[2]]))
def test_invalid_samples_parse_or_fail_with_a_typed_located_error(
    row: tuple[str, str, bool] | None, use_implementation: str
) -> None:
    """Schema-invalid samples: records, or a ParseError naming the file; never a crash."""
    require_corpus()
    assert row is not None
    path = CORPUS / row[0]
    try:
        list(iso20022.parse(path))
    except ParseError as exc:
        assert exc.file == str(path)
        assert exc.line is not None or exc.path is not None
        assert str(path) in str(exc)


@pytest.mark.corpus
def test_detect_names_the_namespace_message_of_every_sample(use_implementation: str) -> None:
    require_corpus()
    seen = 0
    for rel, mid, _ in _ROWS:
        if mid.startswith("head."):
            continue  # header-only files hold no Document
        path = CORPUS / rel
        try:
            found = iso20022.detect(path)
        except UnsupportedMessageError:
            # a Document in a non-ISO namespace inside a wrapper
            assert b"urn:iso:std:iso:20022:tech:xsd:" + mid.encode() not in path.read_bytes()
            continue
        assert str(found.message_id) == mid
        assert found.supported == (found.message_id in SPECS)
        seen += 1
    assert seen > 500
