"""The synthetic message generator: schema validity, exact totals, realism, determinism."""

from __future__ import annotations

import functools
import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from iso20022 import synth

SHARED = Path(__file__).resolve().parents[2] / "shared"  # ../shared beside the repository
HEAD = "head.001.001.02"
CASES = [(v, env) for v in (*synth.PAIN001_VERSIONS, *synth.PACS008_VERSIONS)
         for env in (False, True)]
DECIMALS = {"JPY": 0, "KWD": 3}


@functools.cache
def _schema(message_id: str) -> etree.XMLSchema:
    shared = SHARED
    if not shared.is_dir():
        pytest.skip(f"official XSDs not available: {shared} (../shared beside the repo) is absent")
    for path in (shared / "xsd-pypi" / f"{message_id}.xsd", shared / "xsd" / f"{message_id}.xsd"):
        if path.is_file():
            return etree.XMLSchema(etree.parse(str(path)))
    pytest.skip(f"official XSD for {message_id} not found under {shared}")


def _make(version: str, seed: int, envelope: bool, n_tx: int) -> bytes:
    if version.startswith("pain"):
        return synth.pain001(n_tx, version=version, seed=seed, envelope=envelope)
    return synth.pacs008(n_tx, version=version, seed=seed, envelope=envelope)


def _parts(doc: bytes, envelope: bool) -> tuple[etree._Element | None, etree._Element]:
    """(AppHdr, Document), each re-parsed as a standalone root."""
    root = etree.fromstring(doc)
    if not envelope:
        assert etree.QName(root).localname == "Document"
        return None, root
    assert root.tag == "Envelope" and len(root) == 2
    app_hdr, document = (etree.fromstring(etree.tostring(child)) for child in root)
    return app_hdr, document


def _local(elem: etree._Element, path: str) -> list[etree._Element]:
    """Elements at a namespace-agnostic relative path such as ``.//PmtInf/NbOfTxs``."""
    steps = (f"{{*}}{step}" if step[:1].isupper() else step for step in path.split("/"))
    return list(elem.iterfind("/".join(steps)))


def _text(elem: etree._Element, path: str) -> str:
    found = _local(elem, path)
    assert len(found) == 1, path
    return found[0].text or ""


@pytest.mark.parametrize(("version", "envelope"), CASES)
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_every_message_validates_against_its_official_xsd(
    version: str, envelope: bool, seed: int
) -> None:
    doc = _make(version, seed, envelope, n_tx=1 + 17 * seed)
    app_hdr, document = _parts(doc, envelope)
    _schema(version).assertValid(document)
    if app_hdr is not None:
        _schema(HEAD).assertValid(app_hdr)
        assert _text(app_hdr, "MsgDefIdr") == version
        assert _text(app_hdr, "BizMsgIdr") == _text(document, ".//GrpHdr/MsgId")


@pytest.mark.parametrize("version", synth.PAIN001_VERSIONS)
@pytest.mark.parametrize(("n_tx", "n_pmtinf"), [(1, None), (250, None), (250, 1), (97, 7)])
def test_pain001_counts_and_control_sums_are_exact(
    version: str, n_tx: int, n_pmtinf: int | None
) -> None:
    document = etree.fromstring(synth.pain001(n_tx, version=version, seed=n_tx,
                                              n_pmtinf=n_pmtinf))
    blocks = _local(document, ".//PmtInf")
    if n_pmtinf is not None:
        assert len(blocks) == n_pmtinf
    grand = Decimal(0)
    for block in blocks:
        amounts = [Decimal(a.text or "") for a in _local(block, "CdtTrfTxInf/Amt/InstdAmt")]
        assert int(_text(block, "NbOfTxs")) == len(amounts) >= 1
        assert Decimal(_text(block, "CtrlSum")) == sum(amounts)
        grand += sum(amounts, Decimal(0))
    assert len(_local(document, ".//CdtTrfTxInf/PmtId/EndToEndId")) == n_tx
    assert int(_text(document, ".//GrpHdr/NbOfTxs")) == n_tx
    assert Decimal(_text(document, ".//GrpHdr/CtrlSum")) == grand


@pytest.mark.parametrize("version", synth.PACS008_VERSIONS)
def test_pacs008_counts_and_totals(version: str) -> None:
    for n_tx in (1, 5):
        _, document = _parts(synth.pacs008(n_tx, version=version, seed=n_tx), True)
        amounts = [Decimal(a.text or "") for a in _local(document, ".//CdtTrfTxInf/IntrBkSttlmAmt")]
        assert int(_text(document, ".//GrpHdr/NbOfTxs")) == n_tx == len(amounts)
        if version.endswith(".02"):
            assert Decimal(_text(document, ".//GrpHdr/CtrlSum")) == sum(amounts)
            assert Decimal(_text(document, ".//GrpHdr/TtlIntrBkSttlmAmt")) == sum(amounts)


def test_same_seed_same_bytes_and_different_seed_different_bytes() -> None:
    assert synth.pain001(300, seed=11) == synth.pain001(300, seed=11)
    assert synth.pain001(300, seed=11) != synth.pain001(300, seed=12)
    assert synth.pacs008(seed=11) == synth.pacs008(seed=11)
    assert synth.pacs008(seed=11) != synth.pacs008(seed=12)
    assert synth.pacs008(3, version="pacs.008.001.02", seed=4) == synth.pacs008(
        3, version="pacs.008.001.02", seed=4)


@pytest.mark.parametrize("version", synth.PAIN001_VERSIONS)
@pytest.mark.parametrize("envelope", [False, True])
def test_streamed_file_equals_in_memory_bytes(
    tmp_path: Path, version: str, envelope: bool
) -> None:
    expected = synth.pain001(1234, version=version, seed=5, envelope=envelope)
    for chunk_tx in (1, 100, 5000):
        path = tmp_path / f"{chunk_tx}.xml"
        written = synth.write_pain001(path, 1234, version=version, seed=5, envelope=envelope,
                                      chunk_tx=chunk_tx)
        assert written == len(expected) == path.stat().st_size
        assert path.read_bytes() == expected


def test_bytes_target_lands_near_the_target(tmp_path: Path) -> None:
    n_tx, written = synth.write_pain001_bytes_target(tmp_path / "t.xml", 3_000_000, seed=1)
    assert written == (tmp_path / "t.xml").stat().st_size
    assert 0.9 < written / 3_000_000 < 1.1
    document = etree.parse(str(tmp_path / "t.xml")).getroot()
    assert int(_text(document, ".//GrpHdr/NbOfTxs")) == n_tx


def test_ibans_and_bics_are_valid_and_agree_on_country() -> None:
    schwifty = pytest.importorskip("schwifty")
    docs = [synth.pain001(1500, version=v, seed=7) for v in synth.PAIN001_VERSIONS]
    docs += [synth.pacs008(4, version=v, seed=s) for v in synth.PACS008_VERSIONS for s in range(40)]
    countries: set[str] = set()
    for doc in docs:
        root = etree.fromstring(doc)
        for iban in _local(root, ".//IBAN"):
            parsed = schwifty.IBAN(iban.text)
            countries.add(parsed.country_code)
            if parsed.country_code in ("BE", "ES", "FR", "IT"):  # national check digits too
                schwifty.IBAN(iban.text, validate_bban=True)
        bics = _local(root, ".//BIC") + _local(root, ".//BICFI")
        assert bics
        for bic in bics:
            assert len(bic.text or "") in (8, 11)
            schwifty.BIC(bic.text)
        for role in ("Dbtr", "Cdtr"):
            for parent in _local(root, f".//{role}Agt/.."):
                agent = _local(parent, f"{role}Agt/FinInstnId/*")[0].text or ""
                account = _local(parent, f"{role}Acct/Id/IBAN")
                if account:
                    assert agent[4:6] == (account[0].text or "")[:2]
    assert {"DE", "FR", "NL", "GB", "ES", "IT", "BE", "CH", "PK", "AE", "SA"} <= countries


def test_amounts_have_the_currency_minor_units_and_ids_have_their_forms() -> None:
    text = (synth.pain001(2000, seed=3).decode() + synth.pain001(500, version="pain.001.001.03",
                                                              seed=3).decode()
            + "".join(synth.pacs008(2, seed=s).decode() for s in range(60)))
    seen = set()
    for ccy, value in re.findall(r'Ccy="([A-Z]{3})">([^<]+)<', text):
        seen.add(ccy)
        places = len(value.partition(".")[2])
        assert places == DECIMALS.get(ccy, 2), (ccy, value)
        assert Decimal(value) > 0
    assert {"EUR", "USD", "PKR", "CNY"} <= seen
    uetrs = re.findall(r"<UETR>([^<]+)</UETR>", text)
    assert uetrs and all(uuid.UUID(u).version == 4 for u in uetrs)
    refs = re.findall(r"<Ref>(RF[^<]+)</Ref>", text)
    assert refs
    for ref in refs:  # ISO 11649: move RF+check to the end, letters as numbers, mod 97 == 1
        assert int("".join(str(int(c, 36)) for c in ref[4:] + ref[:4])) % 97 == 1
    assert all(len(u) <= 140 for u in re.findall(r"<Ustrd>([^<]*)</Ustrd>", text))
    e2e = re.findall(r"<EndToEndId>([^<]+)</EndToEndId>", synth.pain001(2000, seed=3).decode())
    assert len(set(e2e)) == len(e2e) == 2000


def test_special_characters_are_escaped_and_round_trip() -> None:
    names: set[str] = set()
    raw = b""
    for seed in range(4):
        raw = synth.pain001(1500, seed=seed)
        names |= {e.text or "" for e in _local(etree.fromstring(raw), ".//Nm")}
    assert any("&" in n for n in names)
    assert any("<" in n and ">" in n for n in names), "expected e.g. 'Société Générale <Paris>'"
    assert "Société Générale <Paris>" in names
    assert b"&amp;" in raw


def test_multibyte_utf8_content() -> None:
    doc = synth.pain001(2000, seed=2)
    assert doc.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    text = doc.decode("utf-8")
    assert any(0x7F < ord(c) <= 0x7FF for c in text)  # e.g. ü, Ł, Ø: two bytes
    assert any(ord(c) > 0x7FF for c in text)  # e.g. CJK, three bytes


def test_single_pacs008_with_app_header_is_about_3_5_kb() -> None:
    sizes = [len(synth.pacs008(seed=s)) for s in range(200)]
    assert 3000 < sum(sizes) / len(sizes) < 4000
    assert len(set(synth.pacs008(seed=s) for s in range(200))) == 200


@pytest.mark.parametrize("bad", ["pain.001.001.10", "pacs.008.001.08", "camt.053.001.08"])
def test_unsupported_versions_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        synth.pain001(1, version=bad)


def test_bad_counts_are_rejected() -> None:
    with pytest.raises(ValueError):
        synth.pain001(0)
    with pytest.raises(ValueError):
        synth.pain001(3, n_pmtinf=4)
    with pytest.raises(ValueError):
        synth.pacs008(0)


def test_command_line_writes_the_same_bytes(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    out = tmp_path / "f.xml"
    assert synth.main(["pain.001.001.09", "--tx", "120", "--seed", "1", "-o", str(out)]) == 0
    assert out.read_bytes() == synth.pain001(120, seed=1)
    assert synth.main(["pacs.008.001.08", "--seed", "2", "--no-envelope", "-o", "-"]) == 0
    assert capsysbinary.readouterr().out == synth.pacs008(seed=2, envelope=False)
