"""Business rules: each rule broken alone in a real corpus document gives exactly its code."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from iso20022 import schemas
from iso20022.parse import parse
from iso20022.reasons import REASONS
from iso20022.validation import RULE_SETS, RULES, MessageStore, RuleOptions, Status, validate

from support import CORPUS, SHARED, require_corpus

SEPA_DOC = "pain.001.001.03/salesking__sepa_king/spec__examples__pain.001.001.03.xml"
CBPR_DOC = "pacs.008.001.08/phoughton__iso20022-cbpr-ur/test_files__2025__cbprplus_pacs008_2025.xml"

Mutation = Callable[[etree._Element], None]


@pytest.fixture(autouse=True)
def _shared_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    dirs = [SHARED / "xsd", SHARED / "xsd" / "extra"]
    monkeypatch.setenv(schemas.SCHEMA_PATH_ENV, os.pathsep.join(str(d) for d in dirs))


def _all(root: etree._Element, name: str) -> list[etree._Element]:
    return list(root.iter(f"{{*}}{name}"))


def _one(root: etree._Element, *names: str) -> etree._Element:
    node = root
    for name in names:
        node = _all(node, name)[0]
    return node


def _set(name: str, value: str, nth: int = 0) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _all(root, name)[nth].text = value
    return mutate


def _set_amount(value: str) -> Mutation:
    """First transaction's amount, with PmtInf / GrpHdr CtrlSum kept consistent."""
    def mutate(root: etree._Element) -> None:
        amount = (_all(root, "InstdAmt") or _all(root, "IntrBkSttlmAmt"))[0]
        delta = Decimal(value) - Decimal(amount.text or "0")
        amount.text = value
        for ctrl in _all(root, "CtrlSum"):
            ctrl.text = str(Decimal(ctrl.text or "0") + delta)
        for ttl in _all(root, "TtlIntrBkSttlmAmt"):
            ttl.text = str(Decimal(ttl.text or "0") + delta)
    return mutate


def _remove(name: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        element = _all(root, name)[0]
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)
    return mutate


def _mutated(tmp_path: Path, doc: str, mutate: Mutation | None) -> Path:
    require_corpus()
    tree = etree.parse(str(CORPUS / doc), etree.XMLParser(no_network=True, load_dtd=False))
    if mutate is not None:
        mutate(tree.getroot())
    out = tmp_path / Path(doc).name
    tree.write(str(out), xml_declaration=True, encoding="UTF-8")
    return out


def _codes(path: Path, rules: str, **kw: object) -> list[tuple[str, str]]:
    verdict = validate(path, rules=rules, **kw)  # type: ignore[arg-type]
    return sorted({(i.code, i.rule) for i in verdict.all_issues()})


def _second_ustrd(root: etree._Element) -> None:
    ustrd = _all(root, "Ustrd")[0]
    parent = ustrd.getparent()
    assert parent is not None
    extra = etree.SubElement(parent, ustrd.tag)
    extra.text = "second line"


def _other_account(root: etree._Element) -> None:
    account_id = _one(root, "CdtrAcct", "Id")
    ns = etree.QName(account_id).namespace
    for child in list(account_id):
        account_id.remove(child)
    othr = etree.SubElement(account_id, f"{{{ns}}}Othr")
    etree.SubElement(othr, f"{{{ns}}}Id").text = "12345678"


def _address_lines_only(root: etree._Element) -> None:
    address = _one(root, "Dbtr", "PstlAdr")
    ns = etree.QName(address).namespace
    for child in list(address):
        address.remove(child)
    etree.SubElement(address, f"{{{ns}}}AdrLine").text = "35 Strada Negru Voda, Bucuresti"


def _unwrap(root: etree._Element) -> None:
    """Keep only the Document: no AppHdr."""
    header = _all(root, "AppHdr")[0]
    parent = header.getparent()
    assert parent is not None
    parent.remove(header)


def _duplicate_transaction(root: etree._Element) -> None:
    tx = _all(root, "CdtTrfTxInf")[0]
    parent = tx.getparent()
    assert parent is not None
    copy = etree.fromstring(etree.tostring(tx))
    for e2e in copy.iter("{*}EndToEndId"):
        e2e.text = "E2E-SECOND"
    for uetr in copy.iter("{*}UETR"):
        uetr.text = "0f1b6c1e-3d2a-4b8e-9a7c-5e4d3c2b1a09"
    parent.append(copy)
    amount = Decimal(_one(copy, "IntrBkSttlmAmt").text or "0")
    _one(root, "NbOfTxs").text = "2"
    for ttl in _all(root, "TtlIntrBkSttlmAmt"):
        ttl.text = str(Decimal(ttl.text or "0") + amount)


SEPA_CASES: list[tuple[str, Mutation, dict[str, object], str, str]] = [
    ("iban", _set("IBAN", "DE21500500009876543211", 1), {}, "AC01", "iban"),
    ("bic", _set("BIC", "SPUEXX2UXXX", 1), {}, "RC01", "bic"),
    ("currency", lambda r: _all(r, "InstdAmt")[0].set("Ccy", "EUX"), {}, "AM03", "currency"),
    ("decimals", _set_amount("6543.145"), {}, "AM12", "currency-decimals"),
    ("positive", _set_amount("0"), {}, "AM01", "amount.positive"),
    ("limit", _set_amount("6543.14"),
     {"options": RuleOptions(max_amounts={"EUR": Decimal("5000")})}, "AM02", "amount.limit"),
    ("date-ahead", _set("ReqdExctnDt", "2012-01-02"), {}, "DT01", "dates"),
    ("date-past", _set("ReqdExctnDt", "2010-11-10"), {}, "DT01", "dates"),
    ("nb-group", _set("NbOfTxs", "3", 0), {}, "AM18", "group.number-of-transactions"),
    ("nb-payment", _set("NbOfTxs", "3", 1), {}, "AM18", "payment.number-of-transactions"),
    ("ctrl-payment", _set("CtrlSum", "6655.87"), {}, "AM10", "payment.control-sum"),
    ("e2e-dup", _set("EndToEndId", "OriginatorID1234", 1), {}, "AM05", "end-to-end-id.unique"),
]

SEPA_ONLY_CASES: list[tuple[str, Mutation, str, str]] = [
    ("eur", lambda r: [a.set("Ccy", "USD") for a in _all(r, "InstdAmt")], "AM03", "sepa.eur"),
    ("charges", _set("ChrgBr", "SHAR"), "CH16", "sepa.charges"),
    ("iban-required", _other_account, "AC01", "sepa.iban"),
    ("remittance", _second_ustrd, "CH16", "sepa.remittance"),
    ("charset", _set("Nm", "Łódź Trading", 2), "CH16", "sepa.charset"),
    ("bic-country", _set("BIC", "BANKFRPPXXX", 0), "RC01", "bic-iban-country"),
]

def _currency_and_amount(ccy: str, value: str) -> Mutation:
    """The pacs.008's settlement amount in another currency (the total follows)."""
    def mutate(root: etree._Element) -> None:
        for amount in _all(root, "IntrBkSttlmAmt") + _all(root, "TtlIntrBkSttlmAmt"):
            amount.set("Ccy", ccy)
            amount.text = value
    return mutate


# Generic rules broken alone in the CBPR+ pacs.008 (settlement date, currency decimals).
PACS_CASES: list[tuple[str, Mutation, dict[str, object], str, str]] = [
    ("settlement-date-ahead", _set("IntrBkSttlmDt", "2024-01-02"), {}, "DT01", "dates"),
    ("settlement-date-past", _set("IntrBkSttlmDt", "2022-10-19"), {}, "DT01", "dates"),
    ("jpy-decimals", _currency_and_amount("JPY", "12000000.5"), {}, "AM12", "currency-decimals"),
    ("kwd-decimals", _currency_and_amount("KWD", "1200.1234"), {}, "AM12", "currency-decimals"),
    ("bic-cdtr-agent", _set("BICFI", "WBANXX22", 5), {}, "RC01", "bic"),
    ("limit-pacs", lambda r: None,
     {"options": RuleOptions(max_amount=Decimal("11999999.99"))}, "AM02", "amount.limit"),
]

CBPR_CASES: list[tuple[str, Mutation, str, str]] = [
    ("uetr", _remove("UETR"), "CH21", "uetr.required"),
    ("app-header", _unwrap, "CH21", "app-header.present"),
    ("coherent", _set("BizMsgIdr", "another-id"), "CH16", "app-header.coherent"),
    ("biz-svc", _remove("BizSvc"), "CH21", "app-header.business-service"),
    ("single", _duplicate_transaction, "AM18", "single-transaction"),
    ("address", _address_lines_only, "CH16", "cbpr.address"),
]


@pytest.mark.corpus
@pytest.mark.parametrize("rules", ["generic", "sepa"])
def test_the_unmodified_sepa_document_has_no_issue(tmp_path: Path, rules: str) -> None:
    verdict = validate(_mutated(tmp_path, SEPA_DOC, None), rules=rules)
    assert verdict.all_issues() == [] and verdict.status is Status.ACCP
    assert verdict.transactions_seen == 2
    assert [(m.amount, m.currency) for m in verdict.accepted_amounts] == [
        (Decimal("6655.86"), "EUR")]


@pytest.mark.corpus
@pytest.mark.parametrize(("case", "mutate", "kw", "code", "rule"),
                         SEPA_CASES, ids=[c[0] for c in SEPA_CASES])
def test_each_generic_rule_broken_alone(tmp_path: Path, case: str, mutate: Mutation,
                                        kw: dict[str, object], code: str, rule: str) -> None:
    path = _mutated(tmp_path, SEPA_DOC, mutate)
    assert _codes(path, "generic", **kw) == [(code, rule)]


@pytest.mark.corpus
@pytest.mark.parametrize(("case", "mutate", "code", "rule"),
                         SEPA_ONLY_CASES, ids=[c[0] for c in SEPA_ONLY_CASES])
def test_each_sepa_rule_broken_alone(tmp_path: Path, case: str, mutate: Mutation, code: str,
                                     rule: str) -> None:
    path = _mutated(tmp_path, SEPA_DOC, mutate)
    assert _codes(path, "sepa") == [(code, rule)]
    assert rule not in RULE_SETS["generic"] or _codes(path, "generic") == [(code, rule)]
    if rule not in RULE_SETS["generic"]:
        assert _codes(path, "generic") == []


@pytest.mark.corpus
def test_the_unmodified_cbpr_document_has_no_issue(tmp_path: Path) -> None:
    path = _mutated(tmp_path, CBPR_DOC, None)
    assert _codes(path, "cbpr") == []


@pytest.mark.corpus
@pytest.mark.parametrize(("case", "mutate", "code", "rule"),
                         CBPR_CASES, ids=[c[0] for c in CBPR_CASES])
def test_each_cbpr_rule_broken_alone(tmp_path: Path, case: str, mutate: Mutation, code: str,
                                     rule: str) -> None:
    path = _mutated(tmp_path, CBPR_DOC, mutate)
    assert _codes(path, "cbpr") == [(code, rule)]
    assert _codes(path, "generic") == []


@pytest.mark.corpus
@pytest.mark.parametrize(("case", "mutate", "kw", "code", "rule"),
                         PACS_CASES, ids=[c[0] for c in PACS_CASES])
def test_each_generic_rule_broken_alone_in_a_pacs008(tmp_path: Path, case: str, mutate: Mutation,
                                                     kw: dict[str, object], code: str,
                                                     rule: str) -> None:
    path = _mutated(tmp_path, CBPR_DOC, mutate)
    assert _codes(path, "generic", **kw) == [(code, rule)]
    assert _codes(path, "cbpr", **kw) == [(code, rule)]


@pytest.mark.corpus
@pytest.mark.parametrize(("ccy", "value"), [("JPY", "12000000"), ("KWD", "1200.123"),
                                            ("KWD", "1200.1"), ("CLF", "12.1234")])
def test_amounts_within_their_currency_decimals_have_no_issue(tmp_path: Path, ccy: str,
                                                              value: str) -> None:
    path = _mutated(tmp_path, CBPR_DOC, _currency_and_amount(ccy, value))
    assert _codes(path, "generic") == []


@pytest.mark.corpus
def test_date_windows_are_configurable(tmp_path: Path) -> None:
    ahead = _mutated(tmp_path, SEPA_DOC, _set("ReqdExctnDt", "2012-01-02"))
    assert _codes(ahead, "generic") == [("DT01", "dates")]
    assert _codes(ahead, "generic", options=RuleOptions(max_days_ahead=500)) == []
    (tmp_path / "past").mkdir()
    past = _mutated(tmp_path / "past", SEPA_DOC, _set("ReqdExctnDt", "2010-11-10"))
    assert _codes(past, "generic", options=RuleOptions(max_days_back=1)) == []
    # The processing date can be given instead of the message's creation date.
    unchanged = _mutated(tmp_path, SEPA_DOC, None)
    assert _codes(unchanged, "generic", options=RuleOptions(today=date(2010, 11, 26))) == [
        ("DT01", "dates")]


@pytest.mark.corpus
def test_a_malformed_uetr_is_refused_by_the_schema_and_by_the_rule(tmp_path: Path) -> None:
    # Every schema with a UETR types it UUIDv4Identifier, so in a message a UETR
    # that is not a lower-case UUID v4 is a schema error (FF01) at its path...
    path = _mutated(tmp_path, CBPR_DOC, _set("UETR", "174C245F-2682-4291-AD67-2A41E530CD27"))
    verdict = validate(path, rules="generic")
    assert [(i.code, i.rule) for i in verdict.all_issues()] == [("FF01", "xsd")]
    assert verdict.issues[0].path is not None
    assert verdict.issues[0].path.endswith("/CdtTrfTxInf[1]/PmtId/UETR")
    # ... and the uetr.form rule refuses it in records that come from elsewhere
    # (JSON through the gateway), on the same real transaction.
    (transfer,) = parse(_mutated(tmp_path, CBPR_DOC, None))
    rule = RULES["uetr.form"]
    assert rule.check is not None and rule.code == "CH16"
    assert list(rule.check(transfer, RuleOptions())) == []
    for bad in ("174C245F-2682-4291-AD67-2A41E530CD27", "174c245f-2682-1291-ad67-2a41e530cd27",
                "174c245f26824291ad672a41e530cd27"):
        findings = list(rule.check(replace(transfer, uetr=bad), RuleOptions()))
        assert [p for p, _ in findings] == ["PmtId/UETR"], bad


@pytest.mark.corpus
def test_sepa_bic_is_optional(tmp_path: Path) -> None:
    def drop_creditor_agent_bic(root: etree._Element) -> None:
        bic = _one(root, "CdtrAgt", "BIC")
        parent = bic.getparent()
        assert parent is not None
        parent.remove(bic)
    path = _mutated(tmp_path, SEPA_DOC, drop_creditor_agent_bic)
    assert _codes(path, "sepa") == []


@pytest.mark.corpus
def test_every_issue_of_a_transaction_is_collected(tmp_path: Path) -> None:
    def two_faults(root: etree._Element) -> None:
        _set("IBAN", "DE21500500009876543211", 1)(root)
        _set_amount("6543.145")(root)
    path = _mutated(tmp_path, SEPA_DOC, two_faults)
    verdict = validate(path, rules="sepa")
    (tx,) = verdict.rejected
    assert sorted((i.code, i.rule) for i in tx.issues) == [("AC01", "iban"),
                                                           ("AM12", "currency-decimals")]
    assert all(i.path and i.line and i.text for i in tx.issues)
    assert verdict.status is Status.PART


# Rules whose break is tested elsewhere in this file or in test_validate_xsd.py.
_COVERED_ELSEWHERE = {
    "xml": "test_validate_xsd.py::test_not_well_formed_is_ff01_with_a_line",
    "xsd": "test_validate_xsd.py::test_corpus_samples_validate_as_the_index_says",
    "group.control-sum": "test_group_control_sum",
    "message-id.unique": "test_duplicate_message_id_across_files_needs_the_store",
    "uetr.form": "test_a_malformed_uetr_is_refused_by_the_schema_and_by_the_rule",
}


def test_every_rule_has_a_test_breaking_it_alone() -> None:
    broken = {c[-1] for c in (*SEPA_CASES, *SEPA_ONLY_CASES, *CBPR_CASES, *PACS_CASES)}
    assert set(RULES) - broken - set(_COVERED_ELSEWHERE) == set()


@pytest.mark.corpus
def test_group_control_sum(tmp_path: Path) -> None:
    def add_group_ctrl_sum(root: etree._Element) -> None:
        header = _one(root, "GrpHdr")
        nb = _one(header, "NbOfTxs")
        ctrl = etree.Element(f"{{{etree.QName(nb).namespace}}}CtrlSum")
        ctrl.text = "6655.85"
        nb.addnext(ctrl)
    path = _mutated(tmp_path, SEPA_DOC, add_group_ctrl_sum)
    assert _codes(path, "generic") == [("AM10", "group.control-sum")]


@pytest.mark.corpus
def test_duplicate_message_id_across_files_needs_the_store(tmp_path: Path) -> None:
    first = _mutated(tmp_path, SEPA_DOC, None)
    second = tmp_path / "again.xml"
    second.write_bytes(first.read_bytes())
    db = tmp_path / "seen.db"
    with MessageStore(db) as store:
        assert validate(first, store=store).status is Status.ACCP
    with MessageStore(db) as store:  # a new process: the store persists
        verdict = validate(second, store=store)
    assert [(i.code, i.rule) for i in verdict.issues] == [("DU01", "message-id.unique")]
    assert str(first) in verdict.issues[0].text
    assert verdict.status is Status.RJCT


@pytest.mark.corpus
def test_a_rejected_transaction_names_its_place(tmp_path: Path) -> None:
    path = _mutated(tmp_path, SEPA_DOC, _set("IBAN", "DE21500500009876543211", 1))
    verdict = validate(path)
    assert verdict.status is Status.PART
    (tx,) = verdict.rejected
    assert tx.end_to_end_id == "OriginatorID1234" and tx.index == 0
    (issue,) = tx.issues
    assert issue.path == "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/CdtrAcct/Id/IBAN"
    assert issue.line is not None and issue.line > 30
    assert [(m.amount, m.currency) for m in verdict.accepted_amounts] == [
        (Decimal("112.72"), "EUR")]


def test_every_rule_code_is_a_known_reason_and_every_set_names_known_rules() -> None:
    assert all(rule.code in REASONS for rule in RULES.values())
    assert all(name in RULES for names in RULE_SETS.values() for name in names)
    assert {r.level for r in RULES.values()} == {"message", "payment", "transaction"}


def test_readme_documents_every_rule_with_its_code() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"| `{rule.name}` | {rule.code} | {rule.level} | {rule.description} |" in readme
