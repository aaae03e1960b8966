"""Differential tests of the statement parser: the compiled scanner and the lxml reference.

``parse_entries`` / ``parse_statements`` (camt.053 / camt.054) run on the compiled byte
scanner (``iso20022._speedups.scan.scan_statements``) or on its pure-Python twin
(``iso20022.parse.camt.scan_statements``).  For every corpus statement, for generated
documents with random surface syntax, and for truncated or mutated documents, both give
equal records (entries and statements), or errors of the same class (and, for the fixed
malformed constructs, the same element path), as ``test_differential.py`` checks for the
credit transfers.  With ``ISO20022_NO_EXTENSIONS=1`` only the reference runs: the tests
still check what it must do on its own.
"""

from __future__ import annotations

import io
import random
import re
import string
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from conftest import implementation_modules
from docgen import ISO, El, _amount, _amount_surface, _datetime, _datetime_text, _Renderer, _text
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from iso20022 import _impl
from iso20022.errors import InvalidValueError, LimitExceededError, ParseError, UnsafeXMLError
from iso20022.limits import Limits
from iso20022.msgid import MessageId
from iso20022.parse import camt
from iso20022.parse.camt import CAMT_SPECS, parse_entries, parse_statements
from iso20022.statements import Statement, StatementEntry

from support import COMPILED_DISABLED, CORPUS, corpus_rows, require_corpus

Outcome = tuple[Any, ...]


def statement_outcome(data: object, **kwargs: Any) -> Outcome:
    """``("ok", entries, statements)`` or ``("error", error type, path)``."""
    try:
        entries = list(parse_entries(data, **kwargs))  # type: ignore[arg-type]
        if isinstance(data, io.IOBase | _SmallReads):
            data.seek(0)
        statements = list(parse_statements(data, **kwargs))  # type: ignore[arg-type]
    except ParseError as exc:
        return ("error", type(exc), exc.path)
    return ("ok", entries, statements)


def statements_both(data: object, **kwargs: Any) -> dict[str, Outcome]:
    """The outcome of reading ``data`` with each available implementation."""
    kinds = ["python"] if COMPILED_DISABLED else ["compiled", "python"]
    out = {}
    for which in kinds:
        if isinstance(data, io.IOBase | _SmallReads):
            data.seek(0)
        with implementation_modules(which):
            out[which] = statement_outcome(data, **kwargs)
    return out


def assert_same(outcomes: dict[str, Outcome]) -> Outcome:
    """Every implementation's outcome equals the reference's; return the reference's."""
    reference = outcomes["python"]
    for which, outcome in outcomes.items():
        assert outcome == reference, f"{which} differs from the python reference"
    return reference


def assert_same_kind(outcomes: dict[str, Outcome]) -> Outcome:
    """Equal records, or errors of the same class (paths not compared)."""
    def kind(outcome: Outcome) -> Outcome:
        return outcome if outcome[0] == "ok" else outcome[:2]

    reference = kind(outcomes["python"])
    for which, outcome in outcomes.items():
        assert kind(outcome) == reference, f"{which} differs from the python reference"
    return reference


class _SmallReads:
    """A binary stream that hands out 64 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self._io = io.BytesIO(data)

    def read(self, size: int = -1, /) -> bytes:
        return self._io.read(64)

    def seek(self, offset: int) -> None:
        self._io.seek(offset)


# -- a small statement and its variants -------------------------------------------------------

_HEAD = "head.001.001.02"


def small_camt053(*, extra: str = "", envelope: bool = False) -> bytes:
    """A camt.053.001.08 with one statement, one batch entry and two transactions."""
    document = f"""<Document xmlns="{ISO}camt.053.001.08">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-03-05T18:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>S1</Id>
   <ElctrncSeqNb>7.00</ElctrncSeqNb>
   <Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy>
    <Svcr><FinInstnId><BICFI>ABNANL2A</BICFI></FinInstnId></Svcr></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-03-01</Dt></Dt></Bal>
   <Ntry>
    <NtryRef>R1</NtryRef>
    <Amt Ccy="EUR">12.50</Amt>
    <CdtDbtInd>DBIT</CdtDbtInd>
    <RvslInd>false</RvslInd>
    <Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2024-03-04</Dt></BookgDt>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls>
     <Btch><MsgId>PAIN-1</MsgId><NbOfTxs>2</NbOfTxs></Btch>
     <TxDtls><Refs><EndToEndId>E2E-1</EndToEndId><UETR>11111111-2222-4333-8444-555555555555</UETR></Refs>
      <Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
      <RltdPties><Cdtr><Pty><Nm>Creditor</Nm></Pty></Cdtr></RltdPties>
      <RmtInf><Ustrd>inv 1 &amp; 2</Ustrd><Ustrd><![CDATA[<raw>]]></Ustrd></RmtInf></TxDtls>
     <TxDtls><Refs><EndToEndId>E2E-2</EndToEndId></Refs><Amt Ccy="EUR">2.50</Amt></TxDtls>
    </NtryDtls>{extra}
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>"""
    if envelope:
        document = f"""<Envelope>
 <AppHdr xmlns="{ISO}{_HEAD}">
  <Fr><FIId><FinInstnId><BICFI>ABNANL2A</BICFI></FinInstnId></FIId></Fr>
  <To><FIId><FinInstnId><BICFI>INGBNL2A</BICFI></FinInstnId></FIId></To>
  <BizMsgIdr>B1</BizMsgIdr><MsgDefIdr>camt.053.001.08</MsgDefIdr>
  <CreDt>2024-03-05T18:00:00Z</CreDt>
 </AppHdr>
 {document}
</Envelope>"""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{document}\n'.encode()


_CAMT054_V02 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ISO}camt.054.001.02">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>MSG-054</MsgId><CreDtTm>2024-03-05T18:00:00Z</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>N-1</Id>
      <Acct><Id><Othr><Id>12345678</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id>
        <Svcr><FinInstnId><BIC>INGBNL2A</BIC></FinInstnId></Svcr></Acct>
      <Ntry>
        <Amt Ccy="EUR">42.10</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <ValDt><Dt>2024-03-06</Dt></ValDt>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-V2</EndToEndId><TxId>TX-V2</TxId></Refs>
          <AmtDtls><InstdAmt><Amt Ccy="USD">45.00</Amt></InstdAmt>
            <TxAmt><Amt Ccy="EUR">42.10</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>Bob</Nm></Dbtr></RltdPties>
        </TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
    <Ntfctn><Id>N-2</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct></Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
""".encode()


def test_the_compiled_statement_scanner_takes_part_unless_disabled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A differential test must never compare the reference with itself."""
    if COMPILED_DISABLED:
        assert list(statements_both(_CAMT054_V02)) == ["python"]
        pytest.skip("compiled implementation disabled by ISO20022_NO_EXTENSIONS")
    assert list(statements_both(_CAMT054_V02)) == ["compiled", "python"]
    with implementation_modules("compiled"):
        assert _impl.scan.__file__.endswith((".so", ".pyd"))
        assert _impl.scan.scan_statements.__module__ == "iso20022._speedups.scan"
        # The compiled path must not fall back on the twin's walk.
        def refuse(*args: object) -> None:
            raise AssertionError("the compiled path ran the pure-Python walk")

        monkeypatch.setattr(camt, "scan_statements", refuse)
        assert len(list(parse_entries(_CAMT054_V02))) == 1
    with implementation_modules("python"):
        assert _impl.scan.scan_statements.__module__ == "iso20022.parse._scan_py"
        with pytest.raises(AssertionError, match="pure-Python walk"):
            list(parse_entries(_CAMT054_V02))


def test_the_small_documents_parse_alike() -> None:
    for data in (small_camt053(), small_camt053(envelope=True), _CAMT054_V02):
        outcome = assert_same(statements_both(data))
        assert outcome[0] == "ok" and outcome[1] and outcome[2]
    _, (entry,), (statement,) = assert_same(statements_both(small_camt053(envelope=True)))
    assert entry.message.app_header is not None
    assert entry.message.app_header.business_message_id == "B1"
    assert [d.remittance_unstructured for d in entry.details] == [("inv 1 & 2", "<raw>"), ()]
    assert statement.electronic_sequence_number == 7
    _, _, statements = assert_same(statements_both(_CAMT054_V02))
    assert [s.statement_id for s in statements] == ["N-1", "N-2"]


@pytest.mark.parametrize("form", ["bytes", "small-reads", "file"])
def test_every_way_of_reading_gives_the_same_records(form: str, tmp_path: Any) -> None:
    data = small_camt053(envelope=True)
    source: object = data
    if form == "small-reads":
        source = _SmallReads(data)
    elif form == "file":
        source = tmp_path / "camt053.xml"
        source.write_bytes(data)
    outcome = assert_same(statements_both(source))
    assert outcome[0] == "ok"
    bytes_outcome = statement_outcome(data)
    if form != "file":  # a file's records name it
        assert outcome == bytes_outcome


def test_line_numbers_agree_past_line_65535() -> None:
    entry = small_camt053().split(b"<Ntry>", 1)[1].split(b"</Ntry>", 1)[0]
    many = b"".join([b"<Ntry>" + entry + b"</Ntry>\n"] * 4200)
    data = small_camt053().replace(b"<Ntry>" + entry + b"</Ntry>", many, 1)
    assert data.count(b"\n") > 70_000
    _, entries, _ = assert_same(statements_both(data))
    lines = [i + 1 for i, line in enumerate(data.split(b"\n"))
             if line.lstrip().startswith(b"<Ntry>")]
    assert [e.source.line for e in entries] == lines
    assert entries[-1].source.line > 65535


# -- corpus -----------------------------------------------------------------------------------

_STATEMENTS = [r for r in corpus_rows() if r[1].startswith(("camt.053.", "camt.054."))]


@pytest.mark.corpus
@pytest.mark.parametrize(
    "row",
    [pytest.param(r, id=r[0]) for r in _STATEMENTS] or [pytest.param(None, id="no-corpus")],
)
def test_corpus_statements_give_equal_outcomes(row: tuple[str, str, bool] | None) -> None:
    require_corpus()
    assert row is not None
    path, message, valid = row
    outcome = assert_same(statements_both(CORPUS / path))
    if valid and MessageId.parse(message) in CAMT_SPECS:
        assert outcome[0] == "ok" and outcome[2], outcome


# -- generated documents with random surface syntax -------------------------------------------


@dataclass(frozen=True)
class _Doc:
    data: bytes
    expected: tuple[Any, ...]  # observe()'s view
    notes: str


def observe(entries: list[StatementEntry], statements: list[Statement]) -> tuple[Any, ...]:
    """The values a generated document must decode to."""
    header = entries[0].message if entries else None
    return (
        (header.message_id, header.creation_date_time,
         header.app_header.business_message_id if header and header.app_header else None)
        if header else None,
        tuple((s.index, s.statement_id, s.account.iban, s.electronic_sequence_number,
               tuple((b.type_code, b.amount.amount, b.amount.currency, b.credit_debit, b.date)
                     for b in s.balances))
              for s in statements),
        tuple((e.statement.index, e.source.index, e.entry_reference, e.amount.amount,
               e.amount.currency, e.credit_debit, e.reversal, e.status, e.value_date,
               tuple((d.end_to_end_id, d.remittance_unstructured) for d in e.details),
               e.additional_info)
              for e in entries),
    )


_CODES = st.sampled_from(["BOOK", "PDNG", "INFO"])
_INDICATORS = st.sampled_from(["CRDT", "DBIT"])
_DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def _entry(draw: st.DrawFn, new: bool, rng: random.Random) -> tuple[El, dict[str, Any]]:
    ccy, amount = draw(_amount())
    cdi = draw(_INDICATORS)
    status = draw(_CODES)
    ref = draw(st.none() | _text(20))
    reversal = draw(st.none() | st.booleans())
    value_date = draw(st.none() | _DATES)
    info = draw(st.none() | _text(30))
    details = []
    for _ in range(draw(st.integers(0, 3))):
        e2e = draw(st.none() | _text(20))
        lines = tuple(draw(st.lists(_text(20), max_size=2)))
        details.append((e2e, lines))
    children: list[El] = []
    if ref is not None:
        children.append(El("NtryRef", ref))
    children.append(El("Amt", _amount_surface(rng, amount), [("Ccy", ccy)], collapse=True))
    children.append(El("CdtDbtInd", cdi))
    if reversal is not None:
        children.append(El("RvslInd", rng.choice(["true", "1"] if reversal else ["false", "0"]),
                           collapse=True))
    children.append(El("Sts", [El("Cd", status)]) if new else El("Sts", status))
    if draw(st.booleans()):  # an element no table reads: skipped with its subtree
        children.append(El("AddtlInfInd", [El("MsgNmId", draw(_text(10)))]))
    if value_date is not None:
        children.append(El("ValDt", [El("Dt", value_date.isoformat(), collapse=True)]))
    if details:
        txs = []
        for e2e, lines in details:
            tx: list[El] = []
            if e2e is not None:
                tx.append(El("Refs", [El("EndToEndId", e2e)]))
            if lines:
                tx.append(El("RmtInf", [El("Ustrd", line) for line in lines]))
            txs.append(El("TxDtls", tx))
        children.append(El("NtryDtls", txs))
    if info is not None:
        children.append(El("AddtlNtryInf", info))
    values = {"ref": ref, "amount": amount, "ccy": ccy, "cdi": cdi, "reversal": bool(reversal),
              "status": status, "value_date": value_date, "details": tuple(details),
              "info": info}
    return El("Ntry", children), values


@st.composite
def statement_documents(draw: st.DrawFn) -> _Doc:
    """A random camt.053 / camt.054 of a supported version, and what it must decode to."""
    message = draw(st.sampled_from(sorted(CAMT_SPECS)))
    spec = CAMT_SPECS[message]
    new = message.version >= 8
    rng = random.Random(draw(st.integers(0, 2**64 - 1)))  # the surface
    msg_id = draw(_text(35))
    created = draw(_datetime())
    grp = El("GrpHdr", [El("MsgId", msg_id),
                        El("CreDtTm", _datetime_text(rng, created), collapse=True)])
    statements = []
    statement_views = []
    entry_views = []
    entry_index = 0
    for index in range(1, draw(st.integers(1, 2)) + 1):
        stmt_id = draw(_text(35))
        iban = draw(st.text(string.ascii_uppercase + string.digits, min_size=5, max_size=34))
        sequence = draw(st.none() | st.integers(0, 10**6))
        children = [El("Id", stmt_id)]
        if sequence is not None:
            children.append(El("ElctrncSeqNb", rng.choice([str(sequence), f"{sequence}.00"]),
                               collapse=True))
        children.append(El("Acct", [El("Id", [El("IBAN", iban)])]))
        balances = []
        for code in draw(st.lists(st.sampled_from(["OPBD", "CLBD", "ITBD"]), max_size=2)):
            ccy, amount = draw(_amount())
            cdi = draw(_INDICATORS)
            day = draw(_DATES)
            children.append(El("Bal", [
                El("Tp", [El("CdOrPrtry", [El("Cd", code)])]),
                El("Amt", _amount_surface(rng, amount), [("Ccy", ccy)], collapse=True),
                El("CdtDbtInd", cdi),
                El("Dt", [El("Dt", day.isoformat(), collapse=True)]),
            ]))
            balances.append((code, amount, ccy, cdi, day))
        for _ in range(draw(st.integers(0, 3))):
            entry, v = draw(_entry(new, rng))
            children.append(entry)
            entry_views.append((index, entry_index, v["ref"], v["amount"], v["ccy"], v["cdi"],
                                v["reversal"], v["status"], v["value_date"], v["details"],
                                v["info"]))
            entry_index += 1
        statements.append(El(spec.scope, children))
        statement_views.append((index, stmt_id, iban, sequence, tuple(balances)))
    envelope = draw(st.booleans())
    biz = draw(_text(35)) if envelope else None
    expected = (
        (msg_id, created, biz) if entry_views else None,
        tuple(statement_views),
        tuple(entry_views),
    )

    r = _Renderer(rng)
    ns = ISO + str(message)
    prefix = rng.choice([None, None, "c", "camt", "ü"])
    doc_attrs = [("xmlns" if prefix is None else f"xmlns:{prefix}", ns)]
    document = El("Document", [El(spec.root, [grp, *statements])])
    if rng.random() < 0.5:
        r.out.append('<?xml version="1.0" encoding="UTF-8"?>' + r.nl())
    if biz is None:
        r.element(document, 0, prefix, ns, doc_attrs)
    else:
        r.out.append("<Envelope>")
        r.out.append(r.between(1))
        header = El("AppHdr", [El("BizMsgIdr", biz), El("MsgDefIdr", str(message))])
        r.element(header, 1, None, ISO + _HEAD, [("xmlns", ISO + _HEAD)])
        r.out.append(r.between(1))
        r.element(document, 1, prefix, ns, doc_attrs)
        r.out.append(r.between(0) + "</Envelope>")
    r.out.append(rng.choice(["", r.nl()]))
    return _Doc("".join(r.out).encode("utf-8"), expected, f"{message} prefix={prefix!r}")


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(doc=statement_documents())
def test_generated_statements_decode_to_the_generated_values(doc: _Doc) -> None:
    note(repr(doc.data))
    note(doc.notes)
    outcome = assert_same(statements_both(doc.data))
    assert outcome[0] == "ok", outcome
    assert observe(outcome[1], outcome[2]) == doc.expected


# -- truncation and mutation ------------------------------------------------------------------

_SMALL = small_camt053(envelope=True)


def test_truncation_at_every_byte_offset() -> None:
    data = _SMALL
    assert 1500 < len(data) < 4000
    complete = len(data.rstrip())  # only trailing whitespace may go missing
    for cut in range(len(data) + 1):
        outcome = assert_same_kind(statements_both(data[:cut]))
        if cut < complete:
            assert outcome[0] == "error", f"truncated at byte {cut} of {len(data)} was accepted"
        else:
            assert outcome[0] == "ok" and len(outcome[1]) == 1 and len(outcome[2]) == 1


_BASES = [
    _SMALL,
    _CAMT054_V02,
    _CAMT054_V02.replace(b"camt.054.001.02", b"camt.053.001.02")
    .replace(b"BkToCstmrDbtCdtNtfctn", b"BkToCstmrStmt").replace(b"Ntfctn", b"Stmt"),
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


def test_the_mutation_bases_parse() -> None:
    for data in _BASES:
        assert assert_same(statements_both(data))[0] == "ok"


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=_mutated())
def test_mutated_statements_give_the_same_outcome(data: bytes) -> None:
    """Byte flips, insertions, deletions, swapped tag names: same records or error class.

    ``statements_both`` lets anything but a ``ParseError`` through, so a crash fails here.
    """
    note(repr(data))
    assert_same_kind(statements_both(data))


# -- fixed malformed constructs and located errors --------------------------------------------

BASE = small_camt053(extra="\n    <!-- a comment -->")

_STMT = "/Document/BkToCstmrStmt/Stmt[1]"
_NTRY = f"{_STMT}/Ntry[1]"
_NM = f"{_NTRY}/NtryDtls/TxDtls/RltdPties/Cdtr/Pty/Nm"


def _edit(old: bytes, new: bytes) -> bytes:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


MALFORMED = [
    ("mismatched-end-tag", _edit(b"</Nm>", b"</Name>"), ParseError, _NM),
    ("unclosed-element-at-eof", BASE[: BASE.index(b"</Document>")], ParseError, "/Document"),
    ("cut-inside-a-value", BASE[: BASE.index(b"2024-03-05T18")] + b"2024-03", ParseError,
     "/Document/BkToCstmrStmt/GrpHdr/CreDtTm"),
    ("second-root-element", BASE + f'<Document xmlns="{ISO}camt.053.001.08"/>\n'.encode(),
     ParseError, None),
    ("text-after-the-root", BASE + b"trailing text\n", ParseError, None),
    ("lt-in-attribute-value", _edit(b'Ccy="EUR">12.50', b'Ccy="E<R">12.50'), ParseError, _NTRY),
    ("undefined-entity", _edit(b">Creditor<", b">Cred&foo;itor<"), ParseError, _NM),
    ("char-ref-zero", _edit(b">Creditor<", b">Cred&#0;itor<"), ParseError, _NM),
    ("duplicated-attribute", _edit(b'Ccy="EUR">12.50', b'Ccy="EUR" Ccy="EUR">12.50'),
     ParseError, _NTRY),
    ("attribute-without-quotes", _edit(b'Ccy="EUR">12.50', b"Ccy=EUR>12.50"), ParseError,
     _NTRY),
    ("cdata-end-in-text", _edit(b">Creditor<", b">Cred]]>itor<"), ParseError, _NM),
    ("control-character-in-text", _edit(b">Creditor<", b">Cred\x01itor<"), ParseError, _NM),
    ("invalid-utf8-in-text", _edit(b">Creditor<", b">Cred\xff\xfeitor<"), ParseError, _NM),
    ("double-dash-in-comment", _edit(b"<!-- a comment -->", b"<!-- a -- comment -->"),
     ParseError, _NTRY),
    ("xml-declaration-not-first", b" " + BASE, ParseError, None),
    ("xml-declaration-inside", _edit(b"<RvslInd>", b'<?xml version="1.0"?><RvslInd>'),
     ParseError, _NTRY),
    ("unbound-prefix", _edit(b"<Nm>Creditor</Nm>", b"<q:Nm>Creditor</q:Nm>"), ParseError,
     f"{_NTRY}/NtryDtls/TxDtls/RltdPties/Cdtr/Pty/q:Nm"),
    ("cdata-after-the-root", BASE + b"<![CDATA[x]]>", ParseError, None),
    ("cdata-before-the-root", _edit(b"<Document", b"<![CDATA[x]]><Document"), UnsafeXMLError,
     None),
    # the statement walk's own errors
    ("bad-amount", _edit(b">12.50<", b">12,50<"), InvalidValueError, f"{_NTRY}/Amt"),
    ("bad-sequence-number", _edit(b">7.00<", b">7.5<"), InvalidValueError,
     f"{_STMT}/ElctrncSeqNb"),
    ("bad-indicator", _edit(b">false<", b">no<"), InvalidValueError, f"{_NTRY}/RvslInd"),
    ("bad-date", _edit(b"<Dt>2024-03-04</Dt>", b"<Dt>2024-13-04</Dt>"), InvalidValueError,
     f"{_NTRY}/BookgDt/Dt"),
    ("bad-count", _edit(b"<NbOfTxs>2<", b"<NbOfTxs>two<"), InvalidValueError,
     f"{_NTRY}/NtryDtls/Btch/NbOfTxs"),
    ("missing-status", _edit(b"<Sts><Cd>BOOK</Cd></Sts>", b""), ParseError, _NTRY),
    ("missing-account", re.sub(rb"<Acct>.*?</Acct>", b"", BASE, count=1, flags=re.S),
     ParseError, _STMT),
    ("missing-message-id", _edit(b"<MsgId>M1</MsgId>", b""), ParseError,
     "/Document/BkToCstmrStmt/GrpHdr"),
    ("statement-before-the-header", re.sub(rb"<GrpHdr>.*?</GrpHdr>", b"", BASE, count=1),
     ParseError, "/Document/BkToCstmrStmt/Stmt"),
    ("no-header-at-all", re.sub(rb"<GrpHdr>.*?</GrpHdr>|<Stmt>.*</Stmt>", b"", BASE,
                                flags=re.S),
     ParseError, "/Document/BkToCstmrStmt"),
    ("wrong-root", BASE.replace(b"BkToCstmrStmt>", b"BkToCstmrDbtCdtNtfctn>"), ParseError,
     "/Document/BkToCstmrDbtCdtNtfctn"),
]


@pytest.mark.parametrize(("data", "error", "path"), [pytest.param(*m[1:], id=m[0])
                                                      for m in MALFORMED])
def test_malformed_statements_give_the_same_error_and_path(
    data: bytes, error: type[ParseError], path: str | None
) -> None:
    for which, outcome in statements_both(data).items():
        assert outcome == ("error", error, path), which


def test_the_malformed_base_document_is_fine() -> None:
    outcome = assert_same(statements_both(BASE))
    assert outcome[0] == "ok"
    assert [d.creditor_name for d in outcome[1][0].details] == ["Creditor", None]


@pytest.mark.parametrize(("limits", "path"), [
    (Limits(max_depth=6), f"{_STMT}/Acct/Svcr/FinInstnId/BICFI"),
    (Limits(max_text_bytes=12), "/Document/BkToCstmrStmt/GrpHdr/CreDtTm"),
])
def test_limits_give_the_same_error_and_path(limits: Limits, path: str) -> None:
    for which, outcome in statements_both(BASE, limits=limits).items():
        assert outcome == ("error", LimitExceededError, path), which


@pytest.mark.parametrize("form", ["bytes", "small-reads"])
def test_the_first_error_in_document_order_wins(use_implementation: str, form: str) -> None:
    """A bad value before a well-formedness error is reported, whatever the read sizes."""
    data = _edit(b"<CreDtTm>2024-03-05T18:00:00</CreDtTm>", b"<CreDtTm>x2024</CreDtTm>")
    data = data.replace(b"</Nm>", b"</NmX>")
    source = data if form == "bytes" else _SmallReads(data)
    with pytest.raises(ParseError) as info:
        list(parse_entries(source))  # type: ignore[arg-type]
    assert type(info.value) is InvalidValueError
    assert (info.value.path, info.value.line) == ("/Document/BkToCstmrStmt/GrpHdr/CreDtTm", 4)


def test_errors_carry_the_same_line(use_implementation: str) -> None:
    data = _edit(b">12.50<", b">12,50<")
    with pytest.raises(InvalidValueError) as info:
        list(parse_entries(data))
    assert info.value.line == data[:data.index(b"12,50")].count(b"\n") + 1
