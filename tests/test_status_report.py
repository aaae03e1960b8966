"""Status reports (pain.002 / pacs.002) built from verdicts: what they say, and that they validate.

Every report is read back with lxml and validated against its official XSD
(bundled in schemas/, or ../shared/xsd and ../shared/xsd/extra through
ISO20022_SCHEMA_PATH; those versions skip when ../shared is absent).
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

import iso20022
from iso20022 import schemas
from iso20022.build import REPORT_VERSIONS, report_message_id, report_version_for, status_report
from iso20022.errors import Iso20022Error, ReportError
from iso20022.keys import sender_of, transfer_key
from iso20022.msgid import MessageId
from iso20022.parse.tables import SPECS
from iso20022.records import Money
from iso20022.validation.verdict import Issue, MessageVerdict, PaymentVerdict, TransactionVerdict

from support import CORPUS, SHARED, corpus_rows, require_corpus, require_shared

CREATED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ORIGINAL_CREATED = datetime(2026, 11, 25, 9, 30, 15, tzinfo=timezone(timedelta(hours=1)))
ORIGINAL_MSG_ID = "MSG/2026&<Ü>-1"
UETR = "e8b5a3b4-9c1d-4f6e-8a2b-1c3d4e5f6a7b"
LONG_TEXT = "Creditor name 'Zoë & Søn <GmbH>' does not match the account holder; " * 4

# The input whose natural report each version is (report_version_for must agree).
INPUT_FOR = {
    "pain.002.001.03": "pain.001.001.03",
    "pain.002.001.10": "pain.001.001.09",
    "pain.002.001.11": "pain.001.001.10",
    "pain.002.001.12": "pain.001.001.11",
    "pain.002.001.14": "pain.001.001.12",
    "pain.002.001.15": "pain.001.001.13",
    "pacs.002.001.03": "pacs.008.001.02",
    "pacs.002.001.08": "pacs.008.001.07",
    "pacs.002.001.10": "pacs.008.001.08",
    "pacs.002.001.11": "pacs.008.001.09",
    "pacs.002.001.12": "pacs.008.001.10",
    "pacs.002.001.14": "pacs.008.001.12",
}
UETR_VERSIONS = {v for v in REPORT_VERSIONS if v not in (
    "pain.002.001.03", "pacs.002.001.03", "pacs.002.001.08")}
SCENARIOS = ("ACCP", "ACTC", "PART", "RJCT", "unreadable")


@pytest.fixture
def xsd_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the schema registry at ../shared's official XSDs as well as the bundled ones."""
    if SHARED.is_dir():
        monkeypatch.setenv(schemas.SCHEMA_PATH_ENV, os.pathsep.join(
            str(SHARED / "xsd" / sub) for sub in ("", "extra")))
    else:
        monkeypatch.delenv(schemas.SCHEMA_PATH_ENV, raising=False)


def validated(report: bytes, version: str) -> etree._Element:
    """The report's root, after checking it against the official XSD of ``version``."""
    if not (schemas.BUNDLED_DIR / f"{version}.xsd").is_file():
        require_shared()
    assert report.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(report, parser)
    assert root.tag == f"{{{MessageId.parse(version).namespace}}}Document"
    schema = schemas.load_schema(version)
    assert schema.validate(root), str(schema.error_log)
    return root


def texts(node: etree._Element, path: str) -> list[str]:
    """Texts at ``path`` (``/``-separated local names, ``//`` for any depth) under ``node``."""
    xpath = "/".join(f"*[local-name()='{step}']" if step else "" for step in path.split("/"))
    return [str(t) for t in node.xpath(f"./{xpath}/text()")]


def nodes(node: etree._Element, path: str) -> list[etree._Element]:
    xpath = "/".join(f"*[local-name()='{step}']" if step else "" for step in path.split("/"))
    return list(node.xpath(f"./{xpath}"))


def one(node: etree._Element, path: str) -> str:
    (found,) = texts(node, path)
    return found


def counts(node: etree._Element) -> dict[str, int]:
    return {one(row, "DtldSts"): int(one(row, "DtldNbOfTxs"))
            for row in nodes(node, "NbOfTxsPerSts")}


def reasons(node: etree._Element) -> list[tuple[str, str]]:
    """``(code, joined AddtlInf)`` of each StsRsnInf directly under ``node``."""
    return [(one(info, "Rsn/Cd"), "".join(texts(info, "AddtlInf")))
            for info in nodes(node, "StsRsnInf")]


def rejected_tx(index: int, payment: int | None, *issues: Issue, amount: str = "12.50",
                uetr: str | None = UETR) -> TransactionVerdict:
    return TransactionVerdict(
        index=index, payment_index=payment, key=f"key-{index}", end_to_end_id=f"E2E-{index}",
        instruction_id=f"INSTR-{index}", transaction_id=f"TX-{index}", uetr=uetr,
        amount=Money(Decimal(amount), "EUR"), line=100 + index, issues=issues)


def make_verdict(scenario: str, message_type: str) -> MessageVerdict:
    """A verdict on 100 transactions (two PmtInf of 60 and 40 for pain) in ``scenario``."""
    pain = message_type.startswith("pain")
    payments = (
        PaymentVerdict(payment_information_id="PMT-1", index=1, number_of_transactions=60,
                       control_sum=Decimal("600.05"), transactions_seen=60),
        PaymentVerdict(payment_information_id="PMT-2", index=2, number_of_transactions=40,
                       control_sum=Decimal("400.05"), transactions_seen=40),
    ) if pain else ()
    base = MessageVerdict(
        file="/drop/in/payments.xml", rules="generic", message_type=message_type,
        message_id=ORIGINAL_MSG_ID, creation_date_time=ORIGINAL_CREATED,
        sender="BANKDEFFXXX", number_of_transactions=100, control_sum=Decimal("1000.10"),
        transactions_seen=100, payments=payments)
    if scenario == "ACCP":
        return base
    if scenario == "ACTC":
        return replace(base, rules="none")
    if scenario == "PART":
        rejected = (
            rejected_tx(3, 1 if pain else None, Issue(
                code="AC01", rule="iban.checksum", text="IBAN check digits wrong",
                path="/Document/x/CdtTrfTxInf[4]/CdtrAcct/Id/IBAN", line=103)),
            rejected_tx(57, 1 if pain else None,
                        Issue(code="AM05", rule="end-to-end-id.unique", text="duplicate"),
                        Issue(code="RC01", rule="bic.form", text="BIC 'X&Y' is not a BIC")),
            rejected_tx(88, 2 if pain else None, Issue(
                code="BE01", rule="name.match", text=LONG_TEXT, line=188), amount="7.5"),
        )
        return replace(base, rejected=rejected)
    if scenario == "RJCT":
        return replace(base, issues=(
            Issue(code="FF01", rule="xsd", text="Element 'Foo': not expected.", line=7),
            Issue(code="DU01", rule="message-id.unique", text="MsgId already received"),
            Issue(code="AM18", rule="group.nb-of-txs", text="NbOfTxs 100, found 99",
                  path="/Document/x/GrpHdr/NbOfTxs"),
        ))
    assert scenario == "unreadable"
    return MessageVerdict(
        file="/drop/in/bad & <file> éü.xml", transactions_seen=0,
        issues=(Issue(code="FF01", rule="well-formed", text="not well-formed", line=3),))


def expected_group(scenario: str, accepted: str) -> tuple[str, dict[str, int]]:
    return {
        "ACCP": ("ACCP", {"ACCP": 100}),
        "ACTC": ("ACTC", {"ACTC": 100}),
        "PART": ("PART", {accepted: 97, "RJCT": 3}),
        "RJCT": ("RJCT", {"RJCT": 100}),
        "unreadable": ("RJCT", {}),
    }[scenario]


@pytest.mark.usefixtures("xsd_path")
@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("version", REPORT_VERSIONS)
def test_each_version_and_status_validates_and_says_what_the_verdict_says(
        version: str, scenario: str) -> None:
    verdict = make_verdict(scenario, INPUT_FOR[version])
    # The natural version is the default; an unreadable input needs it named.
    chosen = version if scenario == "unreadable" else None
    report = status_report(verdict, version=chosen, created=CREATED, sender="BANKFRPPXXX")
    root = validated(report, version)
    body = root[0]
    assert one(body, "GrpHdr/MsgId") == report_message_id(
        verdict, version=version, sender="BANKFRPPXXX")
    assert len(one(body, "GrpHdr/MsgId")) <= 35
    assert one(body, "GrpHdr/CreDtTm") == "2026-11-25T12:00:00+00:00"
    group = nodes(body, "OrgnlGrpInfAndSts")[0]
    status, per_status = expected_group(scenario, "ACCP")
    assert one(group, "GrpSts") == status
    assert counts(group) == per_status
    assert [code for code, _ in reasons(group)] == [i.code for i in verdict.issues]
    if scenario == "unreadable":
        assert one(group, "OrgnlMsgId") == "bad & <file> éü.xml"
        assert one(group, "OrgnlMsgNmId") == "UNKNOWN"
        for absent in ("OrgnlCreDtTm", "OrgnlNbOfTxs", "OrgnlCtrlSum"):
            assert texts(group, absent) == []
        assert reasons(group) == [("FF01", "not well-formed [line 3]")]
    else:
        assert one(group, "OrgnlMsgId") == ORIGINAL_MSG_ID
        assert one(group, "OrgnlMsgNmId") == INPUT_FOR[version]
        assert one(group, "OrgnlCreDtTm") == "2026-11-25T09:30:15+01:00"
        assert one(group, "OrgnlNbOfTxs") == "100"
        assert one(group, "OrgnlCtrlSum") == "1000.10"
    transactions = nodes(body, "/TxInfAndSts")
    expected_ids = [f"E2E-{tx.index}" for tx in verdict.rejected]
    assert [one(tx, "OrgnlEndToEndId") for tx in transactions] == expected_ids
    for element, tx in zip(transactions, verdict.rejected, strict=True):
        assert one(element, "TxSts") == "RJCT"
        assert one(element, "OrgnlInstrId") == tx.instruction_id
        assert [code for code, _ in reasons(element)] == [i.code for i in tx.issues]
        assert texts(element, "OrgnlUETR") == ([UETR] if version in UETR_VERSIONS else [])
        if version.startswith("pain"):
            assert texts(element, "OrgnlTxId") == []
            assert texts(element, "OrgnlTxRef/Amt/InstdAmt") == [str(tx.amount.amount)]
            assert nodes(element, "OrgnlTxRef/Amt/InstdAmt")[0].get("Ccy") == "EUR"
        else:
            assert one(element, "OrgnlTxId") == tx.transaction_id
            assert texts(element, "OrgnlTxRef/IntrBkSttlmAmt") == [str(tx.amount.amount)]
    blocks = nodes(body, "OrgnlPmtInfAndSts")
    if version.startswith("pacs") or scenario != "PART":
        assert blocks == []
    else:
        assert [one(b, "OrgnlPmtInfId") for b in blocks] == ["PMT-1", "PMT-2"]
        assert [one(b, "PmtInfSts") for b in blocks] == ["PART", "PART"]
        assert [one(b, "OrgnlCtrlSum") for b in blocks] == ["600.05", "400.05"]
        assert [counts(b) for b in blocks] == [{"ACCP": 58, "RJCT": 2}, {"ACCP": 39, "RJCT": 1}]
        assert [[one(t, "OrgnlEndToEndId") for t in nodes(b, "TxInfAndSts")] for b in blocks] \
            == [["E2E-3", "E2E-57"], ["E2E-88"]]


@pytest.mark.parametrize(("message_type", "expected"), [
    *[(source, report) for report, source in INPUT_FOR.items()],
    ("pain.001.001.05", "pain.002.001.03"),
    ("pain.001.001.08", "pain.002.001.03"),
    ("urn:iso:std:iso:20022:tech:xsd:pain.001.001.09", "pain.002.001.10"),
    (MessageId("pain", 1, 1, 9), "pain.002.001.10"),
    ("pain.008.001.02", "pain.002.001.03"),
    ("pain.008.001.08", "pain.002.001.10"),
    ("pacs.008.001.11", "pacs.002.001.12"),  # .13 has no XSD: .12 and .14 tie, the older wins
    ("pacs.008.001.13", "pacs.002.001.14"),  # .15 has no XSD
    ("pacs.008.001.03", "pacs.002.001.03"),  # .04 has no XSD
    ("pacs.008.001.06", "pacs.002.001.08"),  # .07 has no XSD
    (None, "pain.002.001.03"),
])
def test_report_version_follows_the_generation_of_the_input(
        message_type: str | MessageId | None, expected: str) -> None:
    assert report_version_for(message_type) == expected


@pytest.mark.parametrize("message_type", ["camt.053.001.08", "pacs.008", "not an id"])
def test_report_version_refuses_what_has_no_report(message_type: str) -> None:
    with pytest.raises(ReportError, match=r"pass version=|not an ISO 20022"):
        report_version_for(message_type)


@pytest.mark.usefixtures("xsd_path")
def test_version_override_and_mismatches() -> None:
    verdict = make_verdict("PART", "pain.001.001.09")
    root = validated(status_report(verdict, version="pain.002.001.12", created=CREATED),
                     "pain.002.001.12")
    assert one(root[0], "OrgnlGrpInfAndSts/OrgnlMsgNmId") == "pain.001.001.09"
    with pytest.raises(ReportError, match=r"answered with a pain\.002"):
        status_report(verdict, version="pacs.002.001.10")
    with pytest.raises(ReportError, match=r"cannot write a pain\.002\.001\.05"):
        status_report(verdict, version="pain.002.001.05")
    with pytest.raises(ReportError) as caught:
        status_report(replace(verdict, message_type="camt.053.001.08"))
    assert isinstance(caught.value, Iso20022Error) and isinstance(caught.value, ValueError)
    # An explicit version answers any other message (the group is still referenced exactly).
    other = validated(status_report(replace(verdict, message_type="camt.053.001.08", payments=(),
                                            rejected=()),
                                    version="pacs.002.001.10", created=CREATED),
                      "pacs.002.001.10")
    assert one(other[0], "OrgnlGrpInfAndSts/OrgnlMsgNmId") == "camt.053.001.08"
    # A type that is not even an id needs version= and then gets its report.
    odd = replace(verdict, message_type="pain.001.1.9", payments=(), rejected=())
    with pytest.raises(ReportError, match="not an ISO 20022 message id"):
        status_report(odd)
    root = validated(status_report(odd, version="pain.002.001.03", created=CREATED),
                     "pain.002.001.03")
    assert one(root[0], "OrgnlGrpInfAndSts/OrgnlMsgNmId") == "pain.001.1.9"


def test_same_verdict_same_bytes_and_a_different_one_a_different_msgid() -> None:
    verdict = make_verdict("PART", "pain.001.001.03")
    first = status_report(verdict, created=CREATED, sender="BANKFRPPXXX")
    assert status_report(verdict, created=CREATED, sender="BANKFRPPXXX") == first
    msg_id = report_message_id(verdict, sender="BANKFRPPXXX")
    assert msg_id.startswith("PART-") and len(msg_id) == 35
    # Without created= the time differs from run to run, the MsgId does not.
    unstamped = etree.fromstring(status_report(verdict, sender="BANKFRPPXXX"))
    assert one(unstamped[0], "GrpHdr/MsgId") == msg_id
    # The same message read from another path is the same report.
    assert report_message_id(replace(verdict, file="/archive/x.xml"),
                             sender="BANKFRPPXXX") == msg_id
    changed = [
        replace(verdict, rejected=verdict.rejected[:2]),
        replace(verdict, message_id="MSG-2"),
        replace(verdict, rejected=(replace(verdict.rejected[0], issues=(
            Issue(code="AC01", rule="iban.checksum", text="other text"),)),
            *verdict.rejected[1:])),
    ]
    ids = {report_message_id(v, sender="BANKFRPPXXX") for v in changed}
    ids |= {report_message_id(verdict, sender="BANKGB2LXXX"),
            report_message_id(verdict, sender="BANKFRPPXXX", version="pain.002.001.12")}
    assert len(ids) == 5 and msg_id not in ids
    # An unreadable input is known by its file name.
    unreadable = make_verdict("unreadable", "pain.001.001.03")
    assert report_message_id(unreadable) != report_message_id(replace(unreadable, file="b.xml"))


def test_explicit_message_id_is_used_and_checked() -> None:
    verdict = make_verdict("ACCP", "pacs.008.001.08")
    report = status_report(verdict, message_id="STS-0001", created=CREATED)
    assert one(etree.fromstring(report)[0], "GrpHdr/MsgId") == "STS-0001"
    for bad in ("", "x" * 36, "bad\x00id"):
        with pytest.raises(ReportError, match="1-35"):
            status_report(verdict, message_id=bad)


@pytest.mark.usefixtures("xsd_path")
def test_special_characters_are_escaped_and_come_back_exactly() -> None:
    verdict = make_verdict("PART", "pain.001.001.09")
    report = status_report(verdict, created=CREATED, sender="Zoë & Søn <Bank>")
    assert b"MSG/2026&amp;&lt;\xc3\x9c&gt;-1" in report  # UTF-8, not character references
    root = validated(report, "pain.002.001.10")
    assert one(root[0], "GrpHdr/InitgPty/Nm") == "Zoë & Søn <Bank>"
    assert one(root[0], "OrgnlGrpInfAndSts/OrgnlMsgId") == ORIGINAL_MSG_ID
    first_block = nodes(root[0], "OrgnlPmtInfAndSts")[0]
    assert reasons(first_block) == []  # the issues belong to its transactions
    tx57 = nodes(first_block, "TxInfAndSts")[1]
    assert reasons(tx57) == [("AM05", "duplicate"), ("RC01", "BIC 'X&Y' is not a BIC")]


@pytest.mark.usefixtures("xsd_path")
@pytest.mark.parametrize("version", ["pain.002.001.03", "pacs.002.001.10"])
def test_long_texts_are_split_into_pieces_of_at_most_105_characters(version: str) -> None:
    verdict = make_verdict("PART", INPUT_FOR[version])
    root = validated(status_report(verdict, created=CREATED), version)
    (tx88,) = [t for t in nodes(root[0], "/TxInfAndSts") if one(t, "OrgnlEndToEndId") == "E2E-88"]
    pieces = texts(tx88, "StsRsnInf/AddtlInf")
    assert len(pieces) == 3 and all(len(p) <= 105 for p in pieces)
    assert "".join(pieces) == f"{LONG_TEXT} [line 188]"
    (tx3,) = [t for t in nodes(root[0], "/TxInfAndSts") if one(t, "OrgnlEndToEndId") == "E2E-3"]
    assert reasons(tx3) == [
        ("AC01", "IBAN check digits wrong [line 103, /Document/x/CdtTrfTxInf[4]/CdtrAcct/Id/IBAN]")]


@pytest.mark.usefixtures("xsd_path")
@pytest.mark.parametrize("version", ["pain.002.001.03", "pain.002.001.12", "pacs.002.001.03",
                                     "pacs.002.001.10"])
def test_values_that_do_not_fit_their_xsd_type_are_cut_or_left_out(version: str) -> None:
    bad_tx = replace(
        rejected_tx(5, 1, Issue(code="NOTACODE", rule="x", text="control \x01 char")),
        end_to_end_id="E" * 40, uetr="not-a-uuid", amount=Money(Decimal("1.123456"), "EUR"))
    negative = replace(rejected_tx(6, 1, Issue(code="AM12", rule="x", text="negative")),
                       amount=Money(Decimal("-5.00"), "EUR"))
    currency = replace(rejected_tx(7, 1, Issue(code="AM03", rule="x", text="currency")),
                       amount=Money(Decimal("5.00"), "EURO"))
    verdict = replace(make_verdict("PART", INPUT_FOR[version]),
                      message_id="M" * 40, control_sum=Decimal("1" * 19),
                      rejected=(bad_tx, negative, currency), payments=())
    root = validated(status_report(verdict, created=CREATED), version)
    group = nodes(root[0], "OrgnlGrpInfAndSts")[0]
    assert one(group, "OrgnlMsgId") == "M" * 35
    assert texts(group, "OrgnlCtrlSum") == []
    first, second, third = nodes(root[0], "/TxInfAndSts")
    assert one(first, "OrgnlEndToEndId") == "E" * 35
    assert texts(first, "OrgnlUETR") == []
    assert nodes(first, "OrgnlTxRef") == nodes(second, "OrgnlTxRef") == []
    assert nodes(third, "OrgnlTxRef") == []
    assert texts(first, "StsRsnInf/Rsn/Prtry") == ["NOTACODE"]
    assert texts(first, "StsRsnInf/AddtlInf") == ["control \ufffd char"]
    if version.startswith("pain"):  # orphans: no PmtInf described in the verdict
        assert [one(b, "OrgnlPmtInfId") for b in nodes(root[0], "OrgnlPmtInfAndSts")] \
            == ["UNKNOWN"]


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("1000.10"), "1000.10"),
    (Decimal("1E+3"), "1000"),
    (Decimal("0.00"), "0.00"),
    (Decimal("-12.5"), "-12.5"),
    (Decimal("5.000000000000000000"), "5"),  # 18 fraction digits: the same value, shorter
    (Decimal("123456789012345678"), "123456789012345678"),
    (Decimal("1234567890123456789"), None),
    (Decimal("0.123456789012345678"), None),
])
def test_control_sums_keep_their_text_exactly_or_are_left_out(
        value: Decimal, text: str | None) -> None:
    verdict = replace(make_verdict("ACCP", "pacs.008.001.02"), control_sum=value)
    root = etree.fromstring(status_report(verdict, created=CREATED))
    assert texts(root[0], "OrgnlGrpInfAndSts/OrgnlCtrlSum") == ([text] if text else [])


@pytest.mark.usefixtures("xsd_path")
@pytest.mark.parametrize("version", ["pain.002.001.03", "pain.002.001.14"])
def test_a_payment_block_rejected_on_its_own_reports_its_reasons_and_counts(
        version: str) -> None:
    verdict = make_verdict("PART", INPUT_FOR[version])
    pmt2 = replace(verdict.payments[1], issues=(
        Issue(code="AM10", rule="payment.control-sum", text="CtrlSum 400.05, sum 399.00"),))
    verdict = replace(verdict, payments=(verdict.payments[0], pmt2),
                      rejected=verdict.rejected[:2])  # the block's own issue rejects all 40
    root = validated(status_report(verdict, created=CREATED), version)
    group = nodes(root[0], "OrgnlGrpInfAndSts")[0]
    assert one(group, "GrpSts") == "PART"
    assert counts(group) == {"ACCP": 58, "RJCT": 42}
    first, second = nodes(root[0], "OrgnlPmtInfAndSts")
    assert (one(first, "PmtInfSts"), counts(first)) == ("PART", {"ACCP": 58, "RJCT": 2})
    assert (one(second, "PmtInfSts"), counts(second)) == ("RJCT", {"RJCT": 40})
    assert reasons(second) == [("AM10", "CtrlSum 400.05, sum 399.00")]
    assert nodes(second, "TxInfAndSts") == []


@pytest.mark.usefixtures("xsd_path")
@pytest.mark.parametrize("version", ["pain.002.001.03", "pain.002.001.10", "pacs.002.001.03",
                                     "pacs.002.001.08", "pacs.002.001.10"])
def test_the_reporting_party_is_a_bic_in_the_versions_form_or_a_name(version: str) -> None:
    verdict = make_verdict("ACCP", INPUT_FOR[version])
    pain = version.startswith("pain")
    where = "GrpHdr/InitgPty" if pain else "GrpHdr/InstgAgt/FinInstnId"
    bic_path = {"pain.002.001.03": "Id/OrgId/BICOrBEI", "pain.002.001.10": "Id/OrgId/AnyBIC",
                "pacs.002.001.03": "BIC"}.get(version, "BICFI")
    root = validated(status_report(verdict, created=CREATED, sender="BANKFRPPXXX"), version)
    assert texts(root[0], f"{where}/{bic_path}") == ["BANKFRPPXXX"]
    # A 2014-form BIC with digits in the bank code is not a BIC to a 2009 schema: it is named.
    root = validated(status_report(verdict, created=CREATED, sender="1234FRPP"), version)
    if version in ("pain.002.001.03", "pacs.002.001.03", "pacs.002.001.08"):
        assert texts(root[0], f"{where}/Nm") == ["1234FRPP"]
    else:
        assert texts(root[0], f"{where}/{bic_path}") == ["1234FRPP"]
    root = validated(status_report(verdict, created=CREATED), version)
    assert nodes(root[0], where.split("/FinInstnId")[0]) == []
    if not pain:  # the original sender, a BIC, is the instructed agent
        assert texts(root[0], "GrpHdr/InstdAgt/FinInstnId/" + bic_path) == ["BANKDEFFXXX"]
        unknown = validated(status_report(replace(verdict, sender="Some Corp"),
                                          created=CREATED), version)
        assert nodes(unknown[0], "GrpHdr/InstdAgt") == []


def xml_safe(text: str) -> str:
    """``text`` as a report carries it: characters XML 1.0 cannot hold become U+FFFD."""
    return "".join(c if c in "\t\n\r" or "\x20" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd"
                   or c >= "\U00010000" else "\ufffd" for c in text)


ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=60)


@pytest.mark.usefixtures("xsd_path")
@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version=st.sampled_from(["pain.002.001.03", "pain.002.001.14", "pacs.002.001.10"]),
       e2e=ANY_TEXT, msg_id=ANY_TEXT, text=ANY_TEXT, code=st.text(max_size=6),
       amount=st.decimals(allow_nan=False, allow_infinity=False),
       sender=st.none() | ANY_TEXT)
@example(version="pain.002.001.14", e2e="", msg_id="", text="", code="",
         amount=Decimal("0.0050847"), sender=None)  # 5 digits, 7 after the point: left out
def test_any_verdict_content_gives_a_valid_report_that_reads_back(
        version: str, e2e: str, msg_id: str, text: str, code: str, amount: Decimal,
        sender: str | None) -> None:
    tx = replace(rejected_tx(0, 1, Issue(code=code, rule="r", text=text)), end_to_end_id=e2e,
                 amount=Money(amount, "EUR"))
    verdict = replace(make_verdict("PART", INPUT_FOR[version]), message_id=msg_id or None,
                      rejected=(tx,))
    root = validated(status_report(verdict, created=CREATED, sender=sender), version)
    group = nodes(root[0], "OrgnlGrpInfAndSts")[0]
    assert one(group, "OrgnlMsgId") == (xml_safe(msg_id[:35]) or "payments.xml")
    (element,) = nodes(root[0], "/TxInfAndSts")
    assert texts(element, "OrgnlEndToEndId") == ([xml_safe(e2e[:35])] if e2e else [])
    written_code = texts(element, "StsRsnInf/Rsn/Cd") + texts(element, "StsRsnInf/Rsn/Prtry")
    assert written_code == ([xml_safe(code)] if code else [])
    assert "".join(texts(element, "StsRsnInf/AddtlInf")) == xml_safe(text)
    written = [str(t) for t in element.xpath(
        "./*[local-name()='OrgnlTxRef']//text()[normalize-space()]")]
    assert [Decimal(w) for w in written] in ([], [amount])
    # Left out only when the amount cannot be written exactly as the XSD's amount
    # (at least 0, at most 5 digits after the point and 18 in all): 0.0050847 has 5
    # significant digits but 7 after the point.
    _, digits, exponent = amount.normalize().as_tuple()
    assert isinstance(exponent, int)
    fraction, integer = max(-exponent, 0), max(len(digits) + exponent, 0)
    assert written or amount < 0 or fraction > 5 or integer + fraction > 18


_CORPUS_ROWS = [r for r in corpus_rows() if r[2] and r[1].startswith(("pain.001.", "pacs.008."))
                and MessageId.parse(r[1]) in SPECS]


def _group_header_text(path: object, name: str) -> str | None:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True,
                                                  load_dtd=False))
    found = tree.xpath(f"//*[local-name()='Document']/*/*[local-name()='GrpHdr']"
                       f"/*[local-name()='{name}']/text()")
    return str(found[0]).strip() if found else None


@pytest.mark.corpus
@pytest.mark.usefixtures("xsd_path")
@pytest.mark.parametrize("row", [pytest.param(r, id=r[0]) for r in _CORPUS_ROWS]
                         or [pytest.param(None, id="no-corpus")])
def test_reports_on_real_samples_reference_the_original_exactly(
        row: tuple[str, str, bool] | None) -> None:
    require_corpus()
    assert row is not None
    path = CORPUS / row[0]
    transfers = list(iso20022.parse(path))
    header = transfers[0].message
    first = transfers[0]
    rejected = TransactionVerdict(
        index=first.source.index, key=transfer_key(first), end_to_end_id=first.end_to_end_id,
        payment_index=first.payment.index if first.payment else None,
        instruction_id=first.instruction_id, transaction_id=first.transaction_id,
        uetr=first.uetr, amount=first.amount, line=first.source.line,
        issues=(Issue(code="AC01", rule="iban.checksum", text="test rejection"),))
    payments = ()
    if first.payment is not None:
        seen = sum(1 for t in transfers if t.payment and t.payment.index == first.payment.index)
        payments = (PaymentVerdict(
            payment_information_id=first.payment.payment_information_id,
            index=first.payment.index, number_of_transactions=first.payment.number_of_transactions,
            control_sum=first.payment.control_sum, transactions_seen=seen),)
    verdict = MessageVerdict(
        file=str(path), message_type=header.message_type, message_id=header.message_id,
        creation_date_time=header.creation_date_time, sender=sender_of(header),
        number_of_transactions=header.number_of_transactions, control_sum=header.control_sum,
        transactions_seen=len(transfers), payments=payments, rejected=(rejected,))
    version = report_version_for(row[1])
    root = validated(status_report(verdict, created=CREATED), version)
    group = nodes(root[0], "OrgnlGrpInfAndSts")[0]
    assert one(group, "OrgnlMsgId") == _group_header_text(path, "MsgId")
    assert one(group, "OrgnlNbOfTxs") == _group_header_text(path, "NbOfTxs")
    original_sum = _group_header_text(path, "CtrlSum")
    if original_sum is None:
        assert texts(group, "OrgnlCtrlSum") == []
    else:  # the same value with the same number of decimals
        written = one(group, "OrgnlCtrlSum")
        assert Decimal(written) == Decimal(original_sum)
        assert Decimal(written).as_tuple().exponent == Decimal(original_sum).as_tuple().exponent
    assert datetime.fromisoformat(one(group, "OrgnlCreDtTm")) == header.creation_date_time
    assert one(group, "GrpSts") == ("RJCT" if len(transfers) == 1 else "PART")
    (element,) = nodes(root[0], "/TxInfAndSts")
    assert one(element, "OrgnlEndToEndId") == first.end_to_end_id
    assert Decimal(element.xpath("string(./*[local-name()='OrgnlTxRef']//*[@Ccy])")) \
        == first.amount.amount
