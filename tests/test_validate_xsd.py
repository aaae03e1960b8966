"""Streaming XSD validation: the corpus verdicts, exact error locations, envelopes."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from iso20022 import schemas, synth
from iso20022.errors import UnsafeXMLError, UnsupportedMessageError
from iso20022.validation import Status, validate, validate_xsd
from iso20022.validation.xsd import check_xsd

from support import CORPUS, SHARED, corpus_rows, require_corpus, small_pacs008

_ROWS = corpus_rows()  # every sample with an XSD verdict, head.001 headers included


@pytest.fixture
def shared_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reach the official XSDs not bundled (../shared/xsd, ../shared/xsd/extra)."""
    dirs = [SHARED / "xsd", SHARED / "xsd" / "extra"]
    if not dirs[0].is_dir():
        pytest.skip(f"official XSDs not found at {dirs[0]} (../shared is absent)")
    monkeypatch.setenv(schemas.SCHEMA_PATH_ENV, os.pathsep.join(str(d) for d in dirs))


def _params() -> list[object]:
    if not _ROWS:
        return [pytest.param(None, id="no-corpus")]
    return [pytest.param(r, id=r[0]) for r in _ROWS]


@pytest.mark.corpus
@pytest.mark.parametrize("row", _params())
def test_corpus_samples_validate_as_the_index_says(row: tuple[str, str, bool] | None,
                                                   shared_schemas: None) -> None:
    require_corpus()
    assert row is not None
    path, mid, valid = row
    # INDEX.md judged the Document alone (its notes give the AppHdr result);
    # a head.001 sample is its AppHdr.
    checked = check_xsd(CORPUS / path, message=mid, app_header=False)
    issue = checked.issue
    assert str(checked.message_id) == mid
    if valid:
        assert issue is None, f"{path}: {issue}"
    else:
        assert issue is not None, f"{path} validated, INDEX says it does not"
        assert issue.code == "FF01"
        assert issue.path and issue.path.startswith("/"), issue
        # The element the libxml2 message names is on the path (the last step,
        # or its parent for text where only elements are allowed).
        if issue.rule == "xsd" and issue.text.startswith("Element '"):
            named = issue.text.split("'")[1].rsplit("}", 1)[-1]
            steps = [step.split("[")[0] for step in issue.path.split("/")]
            assert named in steps[-2:], issue


_DOC = synth.pain001(60, version="pain.001.001.09", seed=7)


def _replace_nth(data: bytes, old: bytes, new: bytes, n: int) -> tuple[bytes, int]:
    at = -1
    for _ in range(n):
        at = data.index(old, at + 1)
    return data[:at] + new + data[at + len(old):], data.count(b"\n", 0, at) + 1


def test_valid_document_has_no_issue() -> None:
    assert validate_xsd(_DOC) is None


@pytest.mark.parametrize("as_stream", [False, True])
def test_a_bad_value_deep_in_the_file_is_located_exactly(as_stream: bool) -> None:
    n = _DOC.count(b"<IBAN>") - 3
    start = 0
    for _ in range(n):
        start = _DOC.index(b"<IBAN>", start) + 1
    end = _DOC.index(b"</IBAN>", start)
    bad = _DOC[:start - 1] + b"<IBAN>12XX" + _DOC[end:]
    line = _DOC.count(b"\n", 0, start) + 1
    issue = validate_xsd(io.BytesIO(bad) if as_stream else bad)
    assert issue is not None
    # The value is checked when the element ends: the column is the end tag's.
    column = bad.index(b"</IBAN>", start) - bad.rfind(b"\n", 0, start)
    assert (issue.code, issue.rule, issue.line, issue.column) == ("FF01", "xsd", line, column)
    assert issue.path is not None and issue.path.endswith("/Id/IBAN")
    assert "/CdtTrfTxInf[" in issue.path and "'12XX'" in issue.text


def test_unexpected_element_in_the_group_header(tmp_path: Path) -> None:
    bad, line = _replace_nth(_DOC, b"<MsgId>", b"<MsgIdent>", 1)
    bad = bad.replace(b"</MsgId>", b"</MsgIdent>", 1)
    target = tmp_path / "bad.xml"
    target.write_bytes(bad)
    issue = validate_xsd(target)
    assert issue is not None
    assert issue.path == "/Document/CstmrCdtTrfInitn/GrpHdr/MsgIdent"
    assert issue.line == line


def test_missing_mandatory_element_is_located_in_its_transaction() -> None:
    start = _DOC.index(b"<Amt>")
    end = _DOC.index(b"</Amt>", start) + len(b"</Amt>")
    issue = validate_xsd(_DOC[:start] + _DOC[end:])
    assert issue is not None and issue.path is not None
    assert issue.path.startswith("/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/"), issue
    assert "Amt" in issue.text


@pytest.mark.parametrize("cut", [len(_DOC) // 2, len(_DOC) - 30, len(_DOC) - 2])
def test_not_well_formed_is_ff01_with_a_line(cut: int) -> None:
    issue = validate_xsd(_DOC[:cut])
    assert issue is not None and issue.code == "FF01" and issue.line


def test_doctype_is_refused_before_any_parser_sees_it() -> None:
    with pytest.raises(UnsafeXMLError):
        validate_xsd(small_pacs008(doctype='<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'))


def test_enveloped_message_validates_its_document_and_app_header(shared_schemas: None) -> None:
    env = synth.pacs008(1, version="pacs.008.001.08", seed=3)
    assert env.lstrip().startswith(b"<?xml") and b"<Envelope>" in env and b"<AppHdr" in env
    assert validate_xsd(env) is None
    bad = env.replace(b"<MsgId>", b"<MsgIdX>", 1).replace(b"</MsgId>", b"</MsgIdX>", 1)
    issue = validate_xsd(bad)
    assert issue is not None
    assert issue.path == "/Envelope/Document/FIToFICstmrCdtTrf/GrpHdr/MsgIdX"
    assert issue.line == bad.count(b"\n", 0, bad.index(b"<MsgIdX>")) + 1
    bad_header = env.replace(b"<BizMsgIdr>", b"<BizMsgId>", 1).replace(
        b"</BizMsgIdr>", b"</BizMsgId>", 1)
    issue = validate_xsd(bad_header)
    assert issue is not None and issue.path == "/Envelope/AppHdr/BizMsgId"
    assert check_xsd(bad_header, app_header=False).issue is None


def _app_header_rows() -> list[object]:
    """(path, head.001 id, valid) of every sample whose INDEX notes judge an enveloped AppHdr."""
    index = CORPUS / "INDEX.md"
    if not index.exists():
        return [pytest.param(None, id="no-corpus")]
    rows = re.findall(r"^\| `([^`]+)` \| \S+ \| .*?contains AppHdr "
                      r"(head\.\d{3}\.\d{3}\.\d{2}): (valid|invalid)",
                      index.read_text(encoding="utf-8"), re.M)
    assert len(rows) > 200, "the INDEX notes format changed"
    return [pytest.param((p, h, v == "valid"), id=p) for p, h, v in rows]


@pytest.mark.corpus
@pytest.mark.parametrize("row", _app_header_rows())
def test_enveloped_app_headers_validate_as_the_index_notes_say(
        row: tuple[str, str, bool] | None, shared_schemas: None) -> None:
    require_corpus()
    assert row is not None
    path, head_id, valid = row
    checked = check_xsd(CORPUS / path, message=head_id)
    assert str(checked.message_id) == head_id
    if valid:
        assert checked.issue is None, f"{path}: {checked.issue}"
    else:
        issue = checked.issue
        assert issue is not None and issue.code == "FF01" and issue.rule == "xsd", issue
        assert issue.path and "/AppHdr" in issue.path and issue.line, issue


_HEADER = b"""<?xml version="1.0" encoding="UTF-8"?>
<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">
  <Fr><FIId><FinInstnId><BICFI>BANKDEFFXXX</BICFI></FinInstnId></FIId></Fr>
  <To><FIId><FinInstnId><BICFI>BANKFRPPXXX</BICFI></FinInstnId></FIId></To>
  <BizMsgIdr>B-1</BizMsgIdr>
  <MsgDefIdr>pacs.008.001.08</MsgDefIdr>
  <CreDt>2026-11-25T10:00:00Z</CreDt>
</AppHdr>
"""


def test_a_standalone_app_header_is_validated_against_its_schema(shared_schemas: None) -> None:
    checked = check_xsd(_HEADER)
    assert (str(checked.message_id), checked.issue) == ("head.001.001.02", None)
    bad = _HEADER.replace(b"<BizMsgIdr>B-1</BizMsgIdr>", b"")
    issue = validate_xsd(io.BytesIO(bad))
    assert issue is not None and (issue.code, issue.rule) == ("FF01", "xsd")
    assert issue.path == "/AppHdr/MsgDefIdr" and issue.line == 6 and "BizMsgIdr" in issue.text
    # The service answers a header-only file as unusable input, without raising.
    verdict = validate(_HEADER)
    assert verdict.status is Status.RJCT and verdict.message_type == "head.001.001.02"
    assert [(i.code, i.rule) for i in verdict.issues] == [("FF01", "xml")]


def test_asking_for_the_app_header_of_a_file_without_one_is_a_typed_error() -> None:
    with pytest.raises(UnsupportedMessageError, match="AppHdr"):
        check_xsd(_DOC, message="head.001.001.02")
    with pytest.raises(UnsupportedMessageError):  # no Document and no AppHdr
        validate_xsd(b'<?xml version="1.0"?><Other xmlns="urn:example"><A/></Other>')


def test_an_envelope_with_an_app_header_validates_the_header_when_asked(
        shared_schemas: None) -> None:
    env = synth.pacs008(1, version="pacs.008.001.08", seed=3)
    checked = check_xsd(env, message="head.001.001.02")
    assert (str(checked.message_id), checked.issue) == ("head.001.001.02", None)
    bad = env.replace(b"<BizMsgIdr>", b"<BizMsgId>", 1).replace(b"</BizMsgIdr>", b"</BizMsgId>", 1)
    issue = check_xsd(bad, message="head.001.001.02").issue
    assert issue is not None and issue.path == "/Envelope/AppHdr/BizMsgId"


# -- the quick pass and the pass that reports ----------------------------------------


def _with_country(text: bytes) -> bytes:
    doc = synth.pain001(3, seed=2, n_pmtinf=1)
    start = doc.find(b"<Ctry>") + len(b"<Ctry>")
    return doc[:start] + text + doc[doc.find(b"</Ctry>", start):]


@pytest.mark.parametrize("value", [b"  <!-- c -->IT", b"  <![CDATA[IT]]>", b"  <?p?>IT"])
def test_blank_text_next_to_a_comment_cdata_or_pi_is_part_of_the_value(value: bytes) -> None:
    """``  IT`` is not a country code: the quick pass drops blank text, so must not judge this."""
    issue = validate_xsd(_with_country(value))
    assert issue is not None and issue.rule == "xsd" and "pattern" in issue.text
    assert issue.path == "/Document/CstmrCdtTrfInitn/PmtInf[1]/Dbtr/PstlAdr/Ctry"


def test_a_comment_in_the_document_is_still_valid() -> None:
    assert validate_xsd(_with_country(b"<!-- c -->IT")) is None


@pytest.mark.parametrize("as_path", [False, True])
def test_a_valid_document_is_judged_by_the_quick_pass_alone(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, as_path: bool) -> None:
    import iso20022.validation.xsd as xsd

    def refused(*args: object) -> None:
        raise AssertionError("the reporting pass ran on a valid document")

    monkeypatch.setattr(xsd, "_stream_blocks", refused)
    monkeypatch.setattr(xsd, "CHUNK", 4096)  # many reads, so many prunes
    data = synth.pain001(300, seed=4, n_pmtinf=3)
    source: bytes | Path = data
    if as_path:
        source = tmp_path / "p.xml"
        source.write_bytes(data)
    assert validate_xsd(source) is None
