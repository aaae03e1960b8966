"""camt.053 / camt.054 statement parser: the corpus against lxml, and targeted documents.

Each test runs on both implementations (``use_implementation``); test_camt_twins.py
compares them with each other.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from iso20022.errors import (
    InvalidValueError,
    LimitExceededError,
    ParseError,
    UnsafeXMLError,
    UnsupportedMessageError,
)
from iso20022.limits import Limits
from iso20022.msgid import MessageId
from iso20022.parse.camt import CAMT_SPECS, parse_entries, parse_statements
from iso20022.records import Money
from iso20022.statements import StatementEntry

from support import CORPUS, corpus_rows, require_corpus

# Every test here runs on the compiled scanner and on the pure-Python twin.
pytestmark = pytest.mark.usefixtures("use_implementation")

_STATEMENTS = [r for r in corpus_rows() if r[1].startswith(("camt.053.", "camt.054."))]
_VALID_SUPPORTED = [r for r in _STATEMENTS if r[2] and MessageId.parse(r[1]) in CAMT_SPECS]
_INVALID_SUPPORTED = [r for r in _STATEMENTS if not r[2] and MessageId.parse(r[1]) in CAMT_SPECS]
_OTHER_VERSIONS = [r for r in _STATEMENTS if MessageId.parse(r[1]) not in CAMT_SPECS]


def _params(rows: list[tuple[str, str, bool]]) -> list[object]:
    if not rows:
        return [pytest.param(None, id="no-corpus")]
    return [pytest.param(r, id=r[0]) for r in rows]


def _lxml_entries(path: Path) -> tuple[int, list[etree._Element]]:
    """(number of Stmt / Ntfctn, every Ntry) of the Document, read by plain lxml xpath."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    root = "*[local-name()='BkToCstmrStmt' or local-name()='BkToCstmrDbtCdtNtfctn']"
    scopes = tree.xpath(f"//*[local-name()='Document']/{root}"
                        "/*[local-name()='Stmt' or local-name()='Ntfctn']")
    entries = tree.xpath(f"//*[local-name()='Document']/{root}/*/*[local-name()='Ntry']")
    return len(scopes), entries


def _xpath_text(elem: etree._Element, name: str) -> str:
    (text,) = elem.xpath(f"*[local-name()='{name}']/text()")
    return str(text).strip()


def _sums(pairs: Iterator[tuple[str, Decimal]]) -> dict[str, Decimal]:
    sums = {"CRDT": Decimal(0), "DBIT": Decimal(0)}
    for indicator, amount in pairs:
        sums[indicator] += amount
    return sums


@pytest.mark.corpus
@pytest.mark.parametrize("row", _params(_VALID_SUPPORTED))
def test_valid_statement_samples_parse_like_lxml_reads_them(
    row: tuple[str, str, bool] | None,
) -> None:
    require_corpus()
    assert row is not None
    path = CORPUS / row[0]
    entries = list(parse_entries(path))
    statements = list(parse_statements(path))
    expected_statements, expected = _lxml_entries(path)
    assert len(statements) == expected_statements > 0
    assert len(entries) == len(expected)
    assert _sums((e.credit_debit, e.amount.amount) for e in entries) == _sums(
        (_xpath_text(n, "CdtDbtInd"), Decimal(_xpath_text(n, "Amt"))) for n in expected
    )
    for entry, ntry in zip(entries, expected, strict=True):
        assert entry.message.message_type == row[1]
        assert entry.amount.currency == ntry.xpath("*[local-name()='Amt']/@Ccy")[0]
        assert entry.source.file == str(path)
        assert entry.source.line == ntry.sourceline
        assert entry.statement in statements


@pytest.mark.corpus
@pytest.mark.parametrize("row", _params(_INVALID_SUPPORTED))
def test_invalid_statement_samples_parse_or_fail_with_a_located_error(
    row: tuple[str, str, bool] | None,
) -> None:
    require_corpus()
    assert row is not None
    try:
        list(parse_entries(CORPUS / row[0]))
    except ParseError as exc:
        assert exc.file == str(CORPUS / row[0])
        assert exc.path is not None and exc.path.startswith("/")


@pytest.mark.corpus
@pytest.mark.parametrize("row", _params(_OTHER_VERSIONS))
def test_other_statement_versions_raise_unsupported_message_error(
    row: tuple[str, str, bool] | None,
) -> None:
    require_corpus()
    assert row is not None
    with pytest.raises(UnsupportedMessageError, match="not a supported statement"):
        list(parse_statements(CORPUS / row[0]))


@pytest.mark.corpus
def test_the_corpus_covers_every_supported_version() -> None:
    require_corpus()
    assert {MessageId.parse(r[1]) for r in _VALID_SUPPORTED} == set(CAMT_SPECS)


# -- targeted documents ---------------------------------------------------------------------

_NS = "urn:iso:std:iso:20022:tech:xsd:"

_V08_ENTRIES = """
      <Ntry>
        <NtryRef>E1</NtryRef>
        <Amt Ccy="EUR">300.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2024-03-01</Dt></BookgDt>
        <ValDt><Dt>2024-03-04</Dt></ValDt>
        <AcctSvcrRef>BANKREF-1</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">1.50</TtlChrgsAndTaxAmt></Chrgs>
        <NtryDtls>
          <Btch><MsgId>PAIN-1</MsgId><PmtInfId>PMT-1</PmtInfId><NbOfTxs>2</NbOfTxs>
            <TtlAmt Ccy="EUR">300.00</TtlAmt><CdtDbtInd>DBIT</CdtDbtInd></Btch>
          <TxDtls>
            <Refs><MsgId>PAIN-1</MsgId><PmtInfId>PMT-1</PmtInfId><InstrId>I-1</InstrId>
              <EndToEndId>E2E-1</EndToEndId><UETR>11111111-2222-4333-8444-555555555555</UETR>
              <TxId>TX-1</TxId></Refs>
            <Amt Ccy="EUR">100.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
            <RltdPties><Cdtr><Pty><Nm>Alice</Nm></Pty></Cdtr>
              <CdtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></CdtrAcct></RltdPties>
            <RmtInf><Ustrd>invoice 1</Ustrd><Ustrd>part 2</Ustrd></RmtInf>
          </TxDtls>
          <TxDtls>
            <Refs><EndToEndId>E2E-2</EndToEndId></Refs>
            <Amt Ccy="EUR">200.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">100.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <RvslInd>true</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><DtTm>2024-03-05T10:00:00+01:00</DtTm></BookgDt>
        <ValDt><Dt>2024-03-05</Dt></ValDt>
        <BkTxCd><Prtry><Cd>RVSL</Cd></Prtry></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-1</EndToEndId></Refs>
          <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def _camt053_v08(entries: str = _V08_ENTRIES, *, statements: int = 1) -> bytes:
    statement = f"""
    <Stmt>
      <Id>STMT-1</Id>
      <ElctrncSeqNb>7.00</ElctrncSeqNb>
      <CreDtTm>2024-03-05T18:00:00</CreDtTm>
      <Acct>
        <Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy>
        <Ownr><Nm>Owner BV</Nm></Ownr>
        <Svcr><FinInstnId><BICFI>ABNANL2A</BICFI></FinInstnId></Svcr>
      </Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-03-01</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">800.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><DtTm>2024-03-05T18:00:00</DtTm></Dt></Bal>
      <TxsSummry><TtlNtries><NbOfNtries>2</NbOfNtries></TtlNtries></TxsSummry>{entries}
    </Stmt>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{_NS}camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-053</MsgId><CreDtTm>2024-03-05T18:00:00</CreDtTm></GrpHdr>{
        statement * statements}
  </BkToCstmrStmt>
</Document>
""".encode()


_CAMT054_V02 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{_NS}camt.054.001.02">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>MSG-054</MsgId><CreDtTm>2024-03-05T18:00:00Z</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>N-1</Id>
      <Acct><Id><Othr><Id>12345678</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id>
        <Svcr><FinInstnId><BIC>INGBNL2A</BIC></FinInstnId></Svcr></Acct>
      <Ntry>
        <Amt Ccy="EUR">42.10</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <ValDt><Dt>2024-03-06</Dt></ValDt>
        <BkTxCd/>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-V2</EndToEndId><TxId>TX-V2</TxId></Refs>
          <AmtDtls><InstdAmt><Amt Ccy="USD">45.00</Amt></InstdAmt>
            <TxAmt><Amt Ccy="EUR">42.10</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>Bob</Nm></Dbtr></RltdPties>
        </TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
""".encode()


def test_statement_account_balances_and_header() -> None:
    (statement,) = parse_statements(_camt053_v08())
    assert statement.kind == "statement"
    assert statement.statement_id == "STMT-1"
    assert statement.index == 1
    assert statement.electronic_sequence_number == 7
    assert statement.account.iban == "NL91ABNA0417164300"
    assert statement.account.currency == "EUR"
    assert statement.account_owner_name == "Owner BV"
    assert statement.account_servicer is not None
    assert statement.account_servicer.bic == "ABNANL2A"
    assert statement.number_of_entries == 2
    opening, closing = statement.balance("OPBD"), statement.balance("CLBD")
    assert opening is not None and closing is not None
    assert opening.amount == Money(Decimal("1000.00"), "EUR")
    assert opening.date == date(2024, 3, 1)
    assert closing.date is None and closing.date_time == datetime(2024, 3, 5, 18)
    entries = list(parse_entries(_camt053_v08()))
    assert opening.signed_amount + sum(e.signed_amount for e in entries) == Decimal("800.00")
    assert all(e.statement == statement for e in entries)
    assert entries[0].message.message_id == "MSG-053"
    assert entries[0].message.message_type == "camt.053.001.08"


def test_batch_entry_carries_every_transaction_and_its_references() -> None:
    batch = next(parse_entries(_camt053_v08()))
    assert batch.amount == Money(Decimal("300.00"), "EUR")
    assert (batch.credit_debit, batch.status, batch.reversal) == ("DBIT", "BOOK", False)
    assert batch.entry_reference == "E1"
    assert batch.account_servicer_reference == "BANKREF-1"
    assert (batch.bank_transaction_domain, batch.bank_transaction_family,
            batch.bank_transaction_sub_family) == ("PMNT", "ICDT", "ESCT")
    assert batch.charges_total == Money(Decimal("1.50"), "EUR")
    assert batch.batch_message_id == "PAIN-1"
    assert batch.batch_payment_information_id == "PMT-1"
    assert batch.batch_number_of_transactions == 2
    assert batch.batch_total_amount == Money(Decimal("300.00"), "EUR")
    first, second = batch.details
    assert (first.message_id, first.payment_information_id, first.instruction_id,
            first.end_to_end_id, first.uetr, first.transaction_id) == (
        "PAIN-1", "PMT-1", "I-1", "E2E-1", "11111111-2222-4333-8444-555555555555", "TX-1")
    assert first.amount == Money(Decimal("100.00"), "EUR")
    assert first.credit_debit == "DBIT"
    assert first.creditor_name == "Alice"
    assert first.creditor_iban == "DE89370400440532013000"
    assert first.remittance_unstructured == ("invoice 1", "part 2")
    assert second.end_to_end_id == "E2E-2" and second.uetr is None
    assert sum(d.amount.amount for d in batch.details if d.amount) == batch.amount.amount


def test_reversal_indicator_dates_and_proprietary_code() -> None:
    _, reversal = parse_entries(_camt053_v08())
    assert reversal.reversal is True
    assert reversal.signed_amount == Decimal("100.00")
    assert reversal.booking_date is None
    assert reversal.booking_date_time == datetime.fromisoformat("2024-03-05T10:00:00+01:00")
    assert reversal.value_date == date(2024, 3, 5)
    assert reversal.bank_transaction_proprietary == "RVSL"
    assert reversal.details[0].return_reason == "AC04"
    assert reversal.source.index == 1


def test_camt054_v02_notification_with_transaction_amount_details() -> None:
    (entry,) = parse_entries(_CAMT054_V02)
    assert entry.statement.kind == "notification"
    assert entry.statement.account.iban is None
    assert entry.statement.account.other_id is not None
    assert entry.statement.account.other_id.id == "12345678"
    assert entry.statement.account_servicer is not None
    assert entry.statement.account_servicer.bic == "INGBNL2A"
    assert entry.status == "BOOK"
    assert entry.value_date == date(2024, 3, 6)
    assert entry.booking_date is None
    (details,) = entry.details
    assert details.amount == Money(Decimal("42.10"), "EUR")
    assert details.instructed_amount == Money(Decimal("45.00"), "USD")
    assert (details.end_to_end_id, details.transaction_id) == ("E2E-V2", "TX-V2")
    assert details.debtor_name == "Bob"


def test_statements_are_numbered_and_entries_indexed_across_them() -> None:
    entries = list(parse_entries(_camt053_v08(statements=2)))
    assert [e.statement.index for e in entries] == [1, 1, 2, 2]
    assert [e.source.index for e in entries] == [0, 1, 2, 3]
    assert [s.index for s in parse_statements(_camt053_v08(statements=2))] == [1, 2]


def test_a_statement_without_entries_is_still_reported() -> None:
    (statement,) = parse_statements(_camt053_v08(""))
    assert statement.balance("OPBD") is not None
    assert list(parse_entries(_camt053_v08(""))) == []


class _Chunks(io.RawIOBase):
    """A binary file that hands out ``data`` in small chunks and counts the reads."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size, self.reads = data, size, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        chunk, self.data = self.data[:self.size], self.data[self.size:]
        return chunk


def test_entries_stream_before_the_document_ends() -> None:
    document = _camt053_v08(_V08_ENTRIES * 50)
    source = _Chunks(document, 512)
    entries = parse_entries(source)
    next(entries)
    assert source.data, "the first entry came only after the whole document was read"
    assert len(list(entries)) == 99


def test_memory_stays_flat_with_the_whitespace_between_entries() -> None:
    # Entries are dropped as they close; the whitespace between them must go too, or
    # the statement's own text grows with every entry (and trips max_text_bytes).  Past
    # line 65534 the parser is fed line by line, so that whitespace arrives after the
    # entry before it has been dropped.
    document = _camt053_v08(_V08_ENTRIES * 1800)
    assert document.count(b"\n") > 70_000
    entries = parse_entries(_Chunks(document, 4096), limits=Limits(max_text_bytes=2048))
    assert sum(1 for _ in entries) == 3600


def test_truncated_document_fails_after_the_complete_entries() -> None:
    document = _camt053_v08()
    cut = document.index(b"<RvslInd>")
    entries = parse_entries(document[:cut])
    assert next(entries).entry_reference == "E1"
    with pytest.raises(ParseError) as info:
        next(entries)
    assert info.value.path is not None
    assert info.value.path.startswith("/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]")


def test_bad_amount_names_the_element_path_and_line() -> None:
    document = _camt053_v08().replace(b'<Amt Ccy="EUR">100.00</Amt>\n        <CdtDbtInd>CRDT',
                                      b'<Amt Ccy="EUR">1O0.00</Amt>\n        <CdtDbtInd>CRDT')
    with pytest.raises(InvalidValueError) as info:
        list(parse_entries(document))
    assert info.value.path == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt"
    assert info.value.code == "AM12"
    assert info.value.line == document[:document.index(b"1O0.00")].count(b"\n") + 1


def test_bad_date_and_indicator_are_invalid_values() -> None:
    bad_date = _camt053_v08().replace(b"<Dt>2024-03-04</Dt>", b"<Dt>2024-02-30</Dt>")
    with pytest.raises(InvalidValueError) as info:
        list(parse_entries(bad_date))
    assert info.value.path == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/ValDt/Dt"
    bad_bool = _camt053_v08().replace(b"<RvslInd>true", b"<RvslInd>yes")
    with pytest.raises(InvalidValueError, match="boolean"):
        list(parse_entries(bad_bool))


def test_missing_status_is_a_located_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "camt053.xml"
    path.write_bytes(_camt053_v08().replace(b"<Sts><Cd>BOOK</Cd></Sts>", b"", 1))
    with pytest.raises(ParseError, match="missing required element Sts/Cd or Sts/Prtry") as info:
        list(parse_entries(path))
    assert type(info.value) is ParseError
    assert info.value.file == str(path)
    assert info.value.path == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]"
    assert info.value.line == 19


@pytest.mark.parametrize(("broken", "reason"), [
    (b"<Id>STMT-1", "not well-formed"),
    (b'<Id x:y="1">STMT-1</Id>', "prefix 'x' of attribute"),
    (b"<x:Id>STMT-1</x:Id>", "prefix 'x' is not declared"),
])
def test_malformed_xml_is_a_parse_error_at_the_statement(broken: bytes, reason: str) -> None:
    document = _camt053_v08().replace(b"<Id>STMT-1</Id>", broken, 1)
    with pytest.raises(ParseError, match=reason) as info:
        list(parse_entries(document))
    assert info.value.path is not None
    assert info.value.path.startswith("/Document/BkToCstmrStmt/Stmt[1]")
    assert info.value.line is not None


def test_missing_account_names_the_element() -> None:
    document = re.sub(rb"<Acct>.*?</Acct>", b"", _camt053_v08(), count=1, flags=re.S)
    with pytest.raises(ParseError) as info:
        list(parse_statements(document))
    assert info.value.message == "missing required element Acct"
    assert info.value.path == "/Document/BkToCstmrStmt/Stmt[1]"


def test_other_messages_and_versions_are_unsupported() -> None:
    pacs = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"/>'
    with pytest.raises(UnsupportedMessageError, match=r"camt\.053\.001\.02"):
        list(parse_entries(pacs))
    v04 = _CAMT054_V02.replace(b"camt.054.001.02", b"camt.054.001.04")
    with pytest.raises(UnsupportedMessageError):
        list(parse_statements(v04))
    with pytest.raises(UnsupportedMessageError, match=r"expected camt\.053\.001\.08"):
        list(parse_entries(_CAMT054_V02, message="camt.053.001.08"))


def test_doctype_and_entities_are_refused() -> None:
    document = _camt053_v08().replace(
        b"<Document", b'<!DOCTYPE d [<!ENTITY x "boom">]>\n<Document', 1)
    with pytest.raises(UnsafeXMLError):
        list(parse_entries(document))


def test_limits_apply() -> None:
    with pytest.raises(LimitExceededError):
        list(parse_entries(_camt053_v08(), limits=Limits(max_depth=6)))


def test_records_are_statement_entries() -> None:
    assert all(isinstance(e, StatementEntry) for e in parse_entries(_CAMT054_V02))


@pytest.mark.parametrize("version", ["camt.053.001.02", "camt.053.001.08", "camt.054.001.02",
                                     "camt.054.001.08"])
def test_charge_records_without_a_total(version: str) -> None:
    """``Chrgs/Amt`` (2009, repeated) and ``Chrgs/Rcrd/Amt`` (2019+) are read as charge
    records; without ``TtlChrgsAndTaxAmt`` the entry has no total, only the records."""
    from iso20022.reconcile.synth import Differences, make_transfers, write_statement

    transfers = list(make_transfers(2, debtor_account="DE89370400440532013000"))
    out = io.BytesIO()
    write_statement(out, transfers, account_iban="DE89370400440532013000", currency="EUR",
                    message_id="M1", statement_id="S1", booking_date=date(2026, 12, 1),
                    version=version, differences=Differences(
                        charges={transfers[0].transfer_key: Decimal("2.50")}))
    with_total = list(parse_entries(out.getvalue()))
    assert with_total[0].charges_total == Money(Decimal("2.50"), "EUR")
    assert [(c.amount, c.credit_debit) for c in with_total[0].charges] == [
        (Money(Decimal("2.50"), "EUR"), "DBIT")]
    assert with_total[1].charges == () and with_total[1].charges_total is None
    bare = re.sub(rb"\s*<TtlChrgsAndTaxAmt[^>]*>[^<]*</TtlChrgsAndTaxAmt>", b"",
                  out.getvalue())
    assert bare != out.getvalue()
    entries = list(parse_entries(bare))
    assert entries[0].charges_total is None
    assert [c.amount for c in entries[0].charges] == [Money(Decimal("2.50"), "EUR")]
