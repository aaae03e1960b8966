"""The ``iso20022`` command, as a user runs it (a real subprocess)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import iso20022
from iso20022.records import Transfer

NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"

PAIN = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>MSG-7</MsgId><CreDtTm>2026-11-25T09:30:00+01:00</CreDtTm><NbOfTxs>2</NbOfTxs>
<CtrlSum>150.75</CtrlSum><InitgPty><Nm>Müller &amp; Söhne GmbH</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>P1</PmtInfId><PmtMtd>TRF</PmtMtd><NbOfTxs>2</NbOfTxs>
<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
<ReqdExctnDt><Dt>2026-11-26</Dt></ReqdExctnDt>
<Dbtr><Nm>Müller &amp; Söhne GmbH</Nm></Dbtr>
<DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
<DbtrAgt><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></DbtrAgt>
<ChrgBr>SLEV</ChrgBr>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-A</EndToEndId></PmtId>
<Amt><InstdAmt Ccy="EUR">100.50</InstdAmt></Amt>
<Cdtr><Nm>Ørsted A/S</Nm></Cdtr><CdtrAcct><Id><IBAN>DK5000400440116243</IBAN></Id></CdtrAcct>
<RmtInf><Ustrd>Invoice 1</Ustrd></RmtInf></CdtTrfTxInf>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-B</EndToEndId></PmtId>
<Amt><InstdAmt Ccy="EUR">50.25</InstdAmt></Amt>
<Cdtr><Nm>Łódź Transport</Nm></Cdtr>
<CdtrAcct><Id><IBAN>PL61109010140000071219812874</IBAN></Id></CdtrAcct>
</CdtTrfTxInf></PmtInf></CstmrCdtTrfInitn></Document>
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("iso20022")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "iso20022"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=cwd, check=False)


@pytest.fixture
def pain_file(tmp_path: Path) -> Path:
    path = tmp_path / "pain.xml"
    path.write_text(PAIN, encoding="utf-8")
    return path


def test_version_shows_the_implementation() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip().startswith(f"iso20022 {iso20022.__version__} (")
    assert f"{iso20022.IMPLEMENTATION} implementation" in done.stdout


def test_detect(pain_file: Path) -> None:
    done = run("detect", str(pain_file))
    assert done.returncode == 0
    assert done.stdout == f"{pain_file}: pain.001.001.09, supported\n"


def test_parse_jsonl_gives_records_a_downstream_system_can_load(pain_file: Path) -> None:
    done = run("parse", str(pain_file))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    first = Transfer.from_json(lines[0])
    assert first.end_to_end_id == "E2E-A"
    assert str(first.amount.amount) == "100.50"
    assert first.debtor is not None and first.debtor.name == "Müller & Söhne GmbH"
    assert first.service_level == "SEPA"
    assert first.payment is not None and str(first.payment.requested_execution_date) == "2026-11-26"
    assert orjson.loads(lines[1])["amount"] == {"amount": "50.25", "currency": "EUR"}


def test_parse_json_and_csv(pain_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = run("parse", str(pain_file), "--format", "json", "--output", str(out))
    assert done.returncode == 0, done.stderr
    data = orjson.loads(out.read_bytes())
    assert [d["end_to_end_id"] for d in data] == ["E2E-A", "E2E-B"]
    done = run("parse", str(pain_file), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["end_to_end_id"], r["amount"], r["currency"], r["creditor_name"]) for r in rows] \
        == [("E2E-A", "100.50", "EUR", "Ørsted A/S"), ("E2E-B", "50.25", "EUR", "Łódź Transport")]


def test_bad_input_is_one_line_on_stderr_no_traceback_and_nothing_written(
        pain_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(PAIN.replace("100.50", "100,50"), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = run("parse", str(pain_file), str(bad), "--output", str(out))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert errors == [
        f"iso20022: error: {bad}:13: /Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]"
        "/Amt/InstdAmt: not a decimal: '100,50' [AM12]"
    ]
    assert not out.exists()  # atomic: nothing half-written
    assert bad.exists() and pain_file.exists()  # inputs are never touched
    assert set(tmp_path.iterdir()) == {bad, pain_file}  # and no temporary file left behind


@pytest.mark.parametrize("content", [b"", b"<<<", b"<!DOCTYPE x><x/>", b"\x00\x01\x02"])
def test_garbage_never_gives_a_traceback(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(content)
    for command in ("detect", "parse", "summary"):
        done = run(command, str(path))
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("iso20022: error: ")


def test_missing_file_and_usage_errors(tmp_path: Path) -> None:
    done = run("parse", str(tmp_path / "missing.xml"))
    assert done.returncode == 2
    assert "cannot read file" in done.stderr and "Traceback" not in done.stderr
    done = run("parse")
    assert done.returncode == 2 and "usage:" in done.stderr


def test_summary_counts_and_sums_per_currency(pain_file: Path) -> None:
    done = run("summary", str(pain_file.parent))
    assert done.returncode == 0
    assert "pain.xml: pain.001.001.09, 2 transfers, 150.75 EUR" in done.stdout


def test_schema_command_prints_the_contract() -> None:
    done = run("schema")
    assert orjson.loads(done.stdout)["title"] == "Transfer"
