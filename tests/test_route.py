"""Routing: a table of transfers x expected route, and every kind of config error."""

from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from iso20022.errors import Iso20022Error, RouteConfigError
from iso20022.records import Account, Agent, MessageHeader, Money, Transfer
from iso20022.route import Match, Routes

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "routes.toml"

PAIN = MessageHeader(message_type="pain.001.001.09", message_id="M1",
                     creation_date_time=datetime(2026, 11, 25, 9, 0), number_of_transactions=1)


def transfer(amount: str = "100.00", ccy: str = "EUR", *, cdtr_bic: str | None = None,
             cdtr_iban: str | None = None, dbtr_bic: str | None = "HANSDEHHXXX",
             message: MessageHeader = PAIN, **kwargs: Any) -> Transfer:
    """A pain.001 transfer with just the fields routing looks at."""
    return Transfer(
        message=message, amount=Money(Decimal(amount), ccy), end_to_end_id="E2E",
        debtor_agent=Agent(bic=dbtr_bic) if dbtr_bic else None,
        creditor_agent=Agent(bic=cdtr_bic) if cdtr_bic else None,
        creditor_account=Account(iban=cdtr_iban) if cdtr_iban else None, **kwargs)


@pytest.fixture(scope="module")
def routes() -> Routes:
    return Routes.load(EXAMPLE)


ROUTE_TABLE = [
    # on-us wins over everything else, whatever the currency or the amount
    ("on-us BIC11", transfer("5000000.00", cdtr_bic="HANSDEHHXXX"), "on-us"),
    ("on-us BIC8, other branch", transfer("12.00", "USD", cdtr_bic="HANSDEHH123"), "on-us"),
    ("on-us BIC8 in the message", transfer("12.00", cdtr_bic="HANSDEHH"), "on-us"),
    # instant: EUR + SEPA + INST up to the limit, inclusive
    ("instant", transfer("250.00", service_level="SEPA", local_instrument="INST",
                         cdtr_bic="COBADEFFXXX"), "sepa-instant"),
    ("instant at the limit", transfer("100000.00", service_level="SEPA",
                                      local_instrument="INST"), "sepa-instant"),
    ("instant above the limit -> SEPA bulk", transfer("100000.01", service_level="SEPA",
                                                       local_instrument="INST"), "sepa-sct"),
    ("INST in USD is not SEPA instant", transfer("10.00", "USD", service_level="SEPA",
                                                 local_instrument="INST"), "cbpr-correspondent"),
    # RTGS: urgent, or high value
    ("urgent", transfer("10.00", service_level="URGP"), "rtgs-urgent"),
    ("same-day value", transfer("10.00", service_level="SDVA"), "rtgs-urgent"),
    ("high value SEPA", transfer("1000000.00", service_level="SEPA"), "rtgs-high-value"),
    ("just under high value", transfer("999999.99", service_level="SEPA"), "sepa-sct"),
    ("high value instant stays instant? no: above the instant limit",
     transfer("2000000.00", service_level="SEPA", local_instrument="INST"), "rtgs-high-value"),
    # SEPA by service level, or by the creditor agent's country (BIC, else IBAN)
    ("SEPA", transfer("10.00", service_level="SEPA", cdtr_bic="BNPAFRPPXXX"), "sepa-sct"),
    ("EUR to a French BIC", transfer("10.00", cdtr_bic="BNPAFRPPXXX"), "sepa-sct-by-country"),
    ("EUR to a Dutch IBAN, no BIC", transfer("10.00", cdtr_iban="NL91ABNA0417164300"),
     "sepa-sct-by-country"),
    ("EUR to a US bank", transfer("10.00", cdtr_bic="CHASUS33XXX"), "cbpr-correspondent"),
    ("EUR, no agent, no IBAN", transfer("10.00"), "cbpr-correspondent"),
    # corridors
    ("PKR", transfer("150000.00", "PKR", cdtr_bic="HABBPKKAXXX"), "cbpr-pkr"),
    ("CNY", transfer("8000.00", "CNY", cdtr_bic="ICBKCNBJXXX"), "cbpr-cny"),
    ("USD -> default", transfer("10.00", "USD", cdtr_bic="CITIUS33XXX"), "cbpr-correspondent"),
    ("JPY -> default", transfer("1000", "JPY"), "cbpr-correspondent"),
    # interbank messages that reach us: ours to book, the rest to the suspense book
    ("inbound pacs.008 for us", transfer("10.00", cdtr_bic="HANSDEHHXXX", message=replace(
        PAIN, message_type="pacs.008.001.08")), "on-us"),
    ("inbound pacs.008 for others", transfer("10.00", service_level="SEPA", message=replace(
        PAIN, message_type="pacs.008.001.02")), "inbound-suspense"),
]


@pytest.mark.parametrize(("case", "t", "expected"), ROUTE_TABLE, ids=[c[0] for c in ROUTE_TABLE])
def test_route_table(routes: Routes, case: str, t: Transfer, expected: str) -> None:
    decision = routes.route(t)
    assert decision.route.name == expected, decision.why
    assert decision.route is routes.by_name(expected)


def test_why_names_the_criteria_and_values(routes: Routes) -> None:
    d = routes.route(transfer("250.00", service_level="SEPA", local_instrument="INST"))
    assert d.why == ("route[3] 'sepa-instant': currency EUR in [EUR]; service level SEPA in "
                     "[SEPA]; local instrument INST in [INST]; amount 250.00 <= 100000.00")
    d = routes.route(transfer("10.00", cdtr_iban="NL91ABNA0417164300"))
    assert "creditor agent country NL in [AT, " in d.why
    d = routes.route(transfer("10.00", "USD"))
    assert d.route.is_default and d.why == "no route matched; default route"
    d = routes.route(transfer("1.00", cdtr_bic="HANSDEHH"))
    assert d.why == "route[1] 'on-us': creditor agent BIC HANSDEHHXXX in [HANSDEHH]"


def test_message_type_and_category_purpose_criteria() -> None:
    routes = Routes.from_dict({
        "route": [
            {"name": "salaries", "adapter": "ledger", "rail": "payroll", "format": "book",
             "match": {"category_purpose": ["SALA", "PENS"], "message_type": "pain.001"}},
            {"name": "pacs-v08", "adapter": "ledger", "rail": "fwd", "format": "book",
             "match": {"message_type": "pacs.008.001.08"}},
            {"name": "to-coba-head-office", "adapter": "ledger", "rail": "ho", "format": "book",
             "match": {"creditor_agent_bic": "COBADEFFXXX"}},
            {"name": "from-commerzbank", "adapter": "ledger", "rail": "cb", "format": "book",
             "match": {"debtor_agent_bic": "COBA", "debtor_agent_country": "DE"}},
        ],
        "default": {"name": "rest", "adapter": "ledger", "rail": "rest", "format": "book"},
    })
    pacs8 = replace(PAIN, message_type="pacs.008.001.08")
    pacs2 = replace(PAIN, message_type="pacs.008.001.02")
    assert routes.route(transfer(category_purpose="SALA")).route.name == "salaries"
    assert routes.route(transfer(category_purpose="SUPP")).route.name == "rest"
    assert routes.route(transfer(category_purpose="SALA", message=pacs8)).route.name == "pacs-v08"
    assert routes.route(transfer(message=pacs2)).route.name == "rest"
    assert routes.route(transfer(dbtr_bic="COBADEFFXXX")).route.name == "from-commerzbank"
    assert routes.route(transfer(dbtr_bic="COBAFRPPXXX")).route.name == "rest"
    assert routes.route(transfer(dbtr_bic=None)).route.name == "rest"
    # a BIC8 is its head office, branch XXX; an 11-character pattern is exact
    for bic, expected in (("COBADEFF", "to-coba-head-office"),
                          ("COBADEFFXXX", "to-coba-head-office"), ("COBADEFF123", "rest")):
        assert routes.route(transfer(cdtr_bic=bic, dbtr_bic=None)).route.name == expected


# -- config errors ------------------------------------------------------------------------

BOOK = {"adapter": "ledger", "rail": "book", "format": "book"}
PACS = {"adapter": "file", "rail": "out", "format": "pacs.008.001.08",
        "settlement_method": "INDA"}
DEFAULT = {"name": "default", **BOOK}


def config(*routes: dict[str, Any], default: dict[str, Any] | None = DEFAULT) -> dict[str, Any]:
    data: dict[str, Any] = {"route": [dict(r) for r in routes]}
    if default is not None:
        data["default"] = default
    return data


CONFIG_ERRORS = [
    ("no default", config({"name": "a", **BOOK}, default=None), "default", "is required"),
    ("unknown top-level field", {**config(), "routes": []}, "routes", "unknown field"),
    ("unknown route field", config({"name": "a", "adaptor": "file", **BOOK}),
     "route[1] 'a'.adaptor", "unknown field"),
    ("unknown match field", config({"name": "a", **BOOK, "match": {"ccy": "EUR"}}),
     "route[1] 'a'.match.ccy", "unknown field"),
    ("unknown adapter", config({"name": "a", **BOOK, "adapter": "fax"}),
     "route[1] 'a'.adapter", "unknown adapter 'fax'"),
    ("unknown adapter in default", config(default={**DEFAULT, "adapter": "fax"}),
     "default.adapter", "unknown adapter"),
    ("unknown format", config({"name": "a", **PACS, "format": "pacs.008.001.13"}),
     "route[1] 'a'.format", "unknown format"),
    ("missing name", config({**BOOK}), "route[1].name", "required"),
    ("missing rail", config({"name": "a", "adapter": "ledger", "format": "book"}),
     "route[1] 'a'.rail", "required"),
    ("duplicate name", config({"name": "a", **BOOK, "match": {"currency": "EUR"}},
                              {"name": "a", **BOOK, "match": {"currency": "USD"}}),
     "route[2] 'a'.name", "duplicate route name"),
    ("default with match", config(default={**DEFAULT, "match": {"currency": "EUR"}}),
     "default.match", "has no match"),
    ("unreachable: catch-all above", config({"name": "all", **BOOK},
                                            {"name": "eur", **BOOK, "match": {"currency": "EUR"}}),
     "route[2] 'eur'", "unreachable: every transfer it matches is taken by route[1] 'all'"),
    ("unreachable default", config({"name": "eur", **BOOK, "match": {"currency": "EUR"}},
                                   {"name": "all", **BOOK, "match": {}}),
     "default", "unreachable: route[2] 'all' has no criteria"),
    ("unreachable: narrower below wider",
     config({"name": "eur-usd", **BOOK, "match": {"currency": ["EUR", "USD"]}},
            {"name": "big-eur", **BOOK, "match": {"currency": "EUR", "min_amount": "1000"}}),
     "route[2] 'big-eur'", "unreachable"),
    ("unreachable: BIC under a BIC prefix",
     config({"name": "coba", **BOOK, "match": {"creditor_agent_bic": "COBA"}},
            {"name": "coba-ffm", **BOOK, "match": {"creditor_agent_bic": "COBADEFFXXX"}}),
     "route[2] 'coba-ffm'", "unreachable"),
    ("unreachable: version under a family",
     config({"name": "pain", **BOOK, "match": {"message_type": "pain.001"}},
            {"name": "pain9", **BOOK, "match": {"message_type": "pain.001.001.09"}}),
     "route[2] 'pain9'", "unreachable"),
    ("unreachable: amount range inside a range",
     config({"name": "mid", **BOOK, "match": {"min_amount": 10, "max_amount": "1000"}},
            {"name": "in", **BOOK, "match": {"min_amount": "100", "max_amount": "200.50"}}),
     "route[2] 'in'", "unreachable"),
    ("unreachable: empty amount range",
     config({"name": "a", **BOOK, "match": {"min_amount": "10", "max_amount": "9.99"}}),
     "route[1] 'a'.match.max_amount", "unreachable: max_amount 9.99 is below"),
    ("unreachable: empty list", config({"name": "a", **BOOK, "match": {"currency": []}}),
     "route[1] 'a'.match.currency", "unreachable: an empty list"),
    ("float amount", config({"name": "a", **BOOK, "match": {"min_amount": 0.1}}),
     "route[1] 'a'.match.min_amount", "TOML float is not exact"),
    ("bad amount", config({"name": "a", **BOOK, "match": {"max_amount": "1,000"}}),
     "route[1] 'a'.match.max_amount", "is not an amount"),
    ("negative amount", config({"name": "a", **BOOK, "match": {"max_amount": "-1"}}),
     "route[1] 'a'.match.max_amount", "non-negative"),
    ("bad currency", config({"name": "a", **BOOK, "match": {"currency": ["EUR", "euro"]}}),
     "route[1] 'a'.match.currency", "'euro' is not an ISO 4217 code"),
    ("bad BIC prefix", config({"name": "a", **BOOK, "match": {"creditor_agent_bic": "COBADEF"}}),
     "route[1] 'a'.match.creditor_agent_bic", "is not a BIC"),
    ("bad country", config({"name": "a", **BOOK, "match": {"creditor_agent_country": "DEU"}}),
     "route[1] 'a'.match.creditor_agent_country", "country code"),
    ("bad message type", config({"name": "a", **BOOK, "match": {"message_type": "pacs_v08"}}),
     "route[1] 'a'.match.message_type", "message id"),
    ("not a list", config({"name": "a", **BOOK, "match": {"currency": 978}}),
     "route[1] 'a'.match.currency", "string or a list of strings"),
    ("book on a file adapter", config({"name": "a", **BOOK, "adapter": "file"}),
     "route[1] 'a'.adapter", "use 'ledger'"),
    ("pacs without settlement method",
     config({"name": "a", **{k: v for k, v in PACS.items() if k != "settlement_method"}}),
     "route[1] 'a'.settlement_method", "required"),
    ("unknown settlement method", config({"name": "a", **PACS, "settlement_method": "GROS"}),
     "route[1] 'a'.settlement_method", "unknown settlement method"),
    ("CLRG without clearing system", config({"name": "a", **PACS, "settlement_method": "CLRG"}),
     "route[1] 'a'.clearing_system", "CLRG needs"),
    ("both clearing systems", config({"name": "a", **PACS, "clearing_system": "TGT",
                                      "clearing_system_proprietary": "ST2"}),
     "route[1] 'a'.clearing_system_proprietary", "not both"),
    ("bad instructed agent", config({"name": "a", **PACS, "instructed_agent": "CHAS"}),
     "route[1] 'a'.instructed_agent", "is not a BIC"),
    ("bad charge bearer", config({"name": "a", **PACS, "charge_bearer": "OUR"}),
     "route[1] 'a'.charge_bearer", "unknown charge bearer"),
    ("business service on a bulk format",
     config({"name": "a", **PACS, "format": "pacs.008.001.02-bulk", "business_service": "x"}),
     "route[1] 'a'.business_service", "only for pacs.008.001.08"),
    ("max_transactions on a single format", config({"name": "a", **PACS, "max_transactions": 5}),
     "route[1] 'a'.max_transactions", "only for pacs.008.001.02-bulk"),
    ("settlement method on book", config({"name": "a", **BOOK, "settlement_method": "INDA"}),
     "route[1] 'a'.settlement_method", "not 'book'"),
    ("route is not a table list", {"route": {"name": "a"}, "default": DEFAULT}, "route",
     "[[route]]"),
]


@pytest.mark.parametrize(("case", "data", "key", "text"), CONFIG_ERRORS,
                         ids=[c[0] for c in CONFIG_ERRORS])
def test_config_errors(case: str, data: dict[str, Any], key: str, text: str) -> None:
    with pytest.raises(RouteConfigError) as info:
        Routes.from_dict(data, file="routes.toml")
    assert info.value.key == key
    assert text in info.value.message
    assert str(info.value) == f"routes.toml: {key}: {info.value.message}"
    assert isinstance(info.value, Iso20022Error)


def test_extra_adapters_can_be_registered() -> None:
    data = config({"name": "a", **PACS, "adapter": "sftp", "match": {"currency": "EUR"}})
    with pytest.raises(RouteConfigError, match="unknown adapter 'sftp'"):
        Routes.from_dict(data)
    assert Routes.from_dict(data, adapters={"sftp", "ledger"}).routes[0].adapter == "sftp"


def test_load_reports_toml_syntax_and_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "routes.toml"
    bad.write_text('[[route]]\nname = "a\n', encoding="utf-8")
    with pytest.raises(RouteConfigError, match=r"not valid TOML: .*line 2") as info:
        Routes.load(bad)
    assert info.value.file == str(bad)
    with pytest.raises(RouteConfigError, match="cannot read routes file"):
        Routes.load(tmp_path / "missing.toml")


def test_example_file_and_error_pickling(routes: Routes) -> None:
    names = [r.name for r in routes]
    assert names[-1] == "cbpr-correspondent" and len(set(names)) == len(names)
    assert {r.format for r in routes} == {"book", "pacs.008.001.08", "pacs.008.001.02-bulk"}
    error = RouteConfigError("bad", file="f.toml", key="route[1]")
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.key, again.file) == (str(error), "route[1]", "f.toml")


def test_match_covers() -> None:
    assert Match().covers(Match(currency=frozenset({"EUR"})))
    assert not Match(currency=frozenset({"EUR"})).covers(Match())
    assert not Match(min_amount=Decimal(10)).covers(Match(max_amount=Decimal(100)))
    assert Match(max_amount=Decimal(100)).covers(Match(min_amount=Decimal(1),
                                                       max_amount=Decimal(100)))
    assert not Match(creditor_agent_bic=("COBADEFF",)).covers(
        Match(creditor_agent_bic=("COBA",)))
