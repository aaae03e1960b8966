"""The validation API and command: verdicts, streaming use, bad input, exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from iso20022 import synth
from iso20022.build.status import status_report
from iso20022.cli import main
from iso20022.validation import Status, check, validate

_DOC = synth.pain001(30, version="pain.001.001.09", seed=11)


def _break_creditor_iban(data: bytes, tx_index: int) -> bytes:
    """Flip a check digit of the creditor IBAN of transaction ``tx_index`` (0-based)."""
    at = -1
    for _ in range(tx_index + 1):
        at = data.index(b"<CdtTrfTxInf>", at + 1)
    iban = data.index(b"<IBAN>", data.index(b"<CdtrAcct>", at)) + len(b"<IBAN>")
    digit = data[iban + 2:iban + 3]
    other = b"0" if digit != b"0" else b"1"
    return data[:iban + 2] + other + data[iban + 3:]


def test_a_clean_message_is_accepted_with_its_sums() -> None:
    verdict = validate(_DOC)
    assert verdict.status is Status.ACCP and verdict.accepted
    assert verdict.message_type == "pain.001.001.09" and verdict.transactions_seen == 30
    assert verdict.rejected == () and verdict.all_issues() == []
    assert verdict.accepted_amounts


def test_schema_only_rule_set_gives_actc() -> None:
    assert validate(_DOC, rules="none").status is Status.ACTC


def test_check_gives_transfers_with_their_issues_then_the_verdict() -> None:
    bad = _break_creditor_iban(_DOC, 4)
    checked = check(bad)
    with pytest.raises(RuntimeError):
        checked.verdict  # noqa: B018 - the property raises before the transfers are read
    seen = list(checked)
    assert len(seen) == 30
    flagged = [t.source.index for t, issues in seen if issues]
    assert flagged == [4]
    assert checked.verdict.status is Status.PART
    assert [tx.index for tx in checked.verdict.rejected] == [4]


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "xml"),
        (b"not xml at all", "xml"),
        (b'<?xml version="1.0"?><!DOCTYPE x><x/>', "xml"),
        (b'<Document xmlns="urn:example:not-iso"><A/></Document>', "xml"),
    ],
    ids=["empty", "not-xml", "doctype", "not-iso"],
)
def test_unusable_input_is_a_rejected_verdict_not_an_exception(data: bytes, rule: str) -> None:
    verdict = validate(data)
    assert verdict.status is Status.RJCT and verdict.message_type is None
    assert [(i.code, i.rule) for i in verdict.issues] == [("FF01", rule)]


def test_a_message_the_service_does_not_accept_is_unusable() -> None:
    camt = (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
            b"<BkToCstmrStmt/></Document>")
    verdict = validate(camt)
    assert verdict.status is Status.RJCT and verdict.message_type == "camt.053.001.08"
    assert [(i.code, i.rule) for i in verdict.issues] == [("FF01", "xml")]
    assert "not a message this service accepts" in verdict.issues[0].text


def test_cli_answers_an_unaccepted_message_with_a_report(tmp_path: Path) -> None:
    camt = tmp_path / "statement.xml"
    camt.write_bytes(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
                     b"<BkToCstmrStmt/></Document>")
    good = tmp_path / "good.xml"
    good.write_bytes(_DOC)
    reports = tmp_path / "reports"
    assert main(["validate", "--report", str(reports), str(camt), str(good)]) == 2
    assert sorted(p.name for p in reports.iterdir()) == ["good.xml.status.xml",
                                                         "statement.xml.status.xml"]
    root = etree.fromstring((reports / "statement.xml.status.xml").read_bytes())
    assert _local(root.find(".//{*}GrpSts")) == "RJCT"
    assert _local(root.find(".//{*}OrgnlMsgNmId")) == "camt.053.001.08"


def test_schema_invalid_file_is_rejected_whole_and_keeps_its_references() -> None:
    bad = _DOC.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>", 1)
    verdict = validate(bad)
    assert verdict.status is Status.RJCT
    assert [(i.code, i.rule) for i in verdict.issues] == [("FF01", "xsd")]
    assert verdict.message_id is not None and verdict.number_of_transactions == 30


def test_unknown_rule_set_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown rule set"):
        validate(_DOC, rules="swiss")


@pytest.mark.slow
def test_100k_transactions_with_three_bad_ones_is_part_naming_exactly_them(
        tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    synth.write_pain001(path, 100_000, version="pain.001.001.09", seed=5)
    data = path.read_bytes()
    bad_ones = [17, 50_000, 99_990]
    for index in bad_ones:
        data = _break_creditor_iban(data, index)
    path.write_bytes(data)
    del data
    verdict = validate(path)
    assert verdict.status is Status.PART
    assert verdict.transactions_seen == 100_000
    assert [tx.index for tx in verdict.rejected] == bad_ones
    assert {(i.code, i.rule) for tx in verdict.rejected for i in tx.issues} == {("AC01", "iban")}
    assert verdict.issues == () and all(not p.issues for p in verdict.payments)
    report = etree.fromstring(status_report(verdict))
    assert _local(report.find(".//{*}GrpSts")) == "PART"
    rejected = [(_local(tx.find("{*}OrgnlEndToEndId")), _local(tx.find(".//{*}Cd")))
                for tx in report.iter("{*}TxInfAndSts")]
    assert rejected == [(tx.end_to_end_id, "AC01") for tx in verdict.rejected]


def _local(element: etree._Element | None) -> str | None:
    return None if element is None else element.text


# -- the command --------------------------------------------------------------------------


def test_cli_exit_status_is_0_1_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(_DOC)
    part = tmp_path / "part.xml"
    part.write_bytes(_break_creditor_iban(_DOC, 2).replace(b"<MsgId>", b"<MsgId>2", 1))
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"<<<")
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(good), str(part)]) == 1
    out = capsys.readouterr().out
    assert f"{part}: PART pain.001.001.09" in out and "AC01 iban: line " in out
    assert main(["validate", str(good), str(junk)]) == 2


def test_cli_same_msgid_twice_in_one_run_is_du01(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_bytes(_DOC)
    second.write_bytes(_DOC)
    assert main(["validate", str(first), str(second)]) == 1
    out = capsys.readouterr().out
    assert f"{second}: RJCT" in out and "DU01 message-id.unique" in out


def test_cli_writes_status_reports(tmp_path: Path) -> None:
    part = tmp_path / "part.xml"
    part.write_bytes(_break_creditor_iban(_DOC, 2))
    report = tmp_path / "report.xml"
    assert main(["validate", "--report", str(report), str(part)]) == 1
    root = etree.fromstring(report.read_bytes())
    assert etree.QName(root).namespace == "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
    assert _local(root.find(".//{*}OrgnlMsgId")) == validate(part).message_id
    reports = tmp_path / "reports"
    assert main(["validate", "--report", str(reports), str(part), str(part)]) == 1
    assert sorted(p.name for p in reports.iterdir()) == ["part.xml.status.xml"]
    assert part.exists()  # inputs are never touched


def test_cli_json_lists_every_issue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    part = tmp_path / "part.xml"
    part.write_bytes(_break_creditor_iban(_DOC, 2))
    assert main(["validate", "--format", "json", "--rules", "sepa", str(part)]) == 1
    (verdict,) = json.loads(capsys.readouterr().out)
    assert verdict["status"] in ("PART", "RJCT") and verdict["rules"] == "sepa"
    codes = {i["code"] for tx in verdict["transactions"] for i in tx["issues"]}
    assert "AC01" in codes
    assert all(isinstance(tx["amount"]["amount"], str) for tx in verdict["transactions"])


def test_cli_never_prints_a_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"\xff\xfe\x00<")
    missing = tmp_path / "missing.xml"
    run = subprocess.run([sys.executable, "-m", "iso20022", "validate", str(junk), str(missing)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr + run.stdout
    assert str(missing) in run.stdout
