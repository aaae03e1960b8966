"""The rule screen: a transfer it passes is one that no screened check reports.

The engine runs the transaction checks only on transfers the screen does not
pass (:func:`iso20022.validation.rules.screen`), so a screen that passed a
transfer a check would report would lose that issue.  Held here on transfers
varied field by field (hypothesis) and on whole documents, against the checks
themselves and against the engine run without a screen, on both
implementations of the screen (``iso20022._speedups.screen`` and its twin
``iso20022.validation._screen_py``), which must also give the same answers.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from iso20022 import _impl, synth
from iso20022.parse import parse
from iso20022.records import Account, Agent, Charge, Money, Transfer
from iso20022.validation import RULE_SETS, RULES, RuleOptions, engine, validate
from iso20022.validation.rules import screen

from support import COMPILED_DISABLED

_BASE = list(parse(synth.pain001(20, seed=5, n_pmtinf=2)))
_PACS = list(parse(synth.pacs008(3, seed=6)))

_IBANS = st.sampled_from([
    "DE89370400440532013000", "DE89370400440532013001", "IT54F0200849965239171627001",
    "GB29NWBK60161331926819", "GB29NWBK6016133192681", "XX89370400440532013000",
    "de89370400440532013000", "", "FR1420041010050500013M02606"])
_BICS = st.sampled_from(["DEUTDEFF", "DEUTDEFF500", "DEUTXXFF", "deutdeff", "UNCRITMMXXX",
                         "BANKFRPP", "DEUTDEF", ""])
_CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD", "CLF", "XAU", "XXX", "EUX", "USD", "BHD"])
_AMOUNTS = st.builds(lambda digits, exp, sign: Decimal((sign, digits, exp)),
                     st.tuples(*[st.integers(0, 9)] * 3), st.integers(-6, 2), st.integers(0, 1))
_DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
_UETRS = st.sampled_from([None, "bad39548-2d83-43f3-bf7f-e661533022db",
                          "bad39548-2d83-53f3-bf7f-e661533022db",
                          "BAD39548-2D83-43F3-BF7F-E661533022DB"])
_OPTIONS = st.builds(
    RuleOptions,
    today=st.one_of(st.none(), _DATES),
    max_days_back=st.sampled_from([0, 1, 30, -1, 10**6, 10**9]),
    max_days_ahead=st.sampled_from([0, 3, 365, -2, 10**6, 10**9]),
    max_amounts=st.sampled_from([{}, {"EUR": Decimal("5000")}, {"JPY": Decimal(0)}]),
    max_amount=st.sampled_from([None, Decimal("100"), Decimal("-1")]),
)


def _money() -> st.SearchStrategy[Money]:
    return st.builds(lambda a, c: Money(amount=a, currency=c), _AMOUNTS, _CURRENCIES)


@st.composite
def _transfers(draw: st.DrawFn) -> Transfer:
    t = draw(st.sampled_from(_BASE + _PACS))
    changes: dict[str, object] = {}
    if draw(st.booleans()):
        changes["debtor_account"] = Account(iban=draw(st.one_of(st.none(), _IBANS)))
    if draw(st.booleans()):
        changes["creditor_account"] = Account(iban=draw(st.one_of(st.none(), _IBANS)))
    for attr in ("debtor_agent", "creditor_agent", "instructing_agent", "instructed_agent"):
        if draw(st.booleans()):
            changes[attr] = draw(st.one_of(st.none(), st.builds(Agent, bic=_BICS)))
    if draw(st.booleans()):
        changes["amount"] = draw(_money())
    for attr in ("instructed_amount", "equivalent_amount", "interbank_settlement_amount"):
        if draw(st.booleans()):
            changes[attr] = draw(st.one_of(st.none(), _money()))
    if draw(st.booleans()):
        changes["charges"] = tuple(Charge(amount=m) for m in draw(st.lists(_money(), max_size=2)))
    if draw(st.booleans()):
        changes["interbank_settlement_date"] = draw(st.one_of(st.none(), _DATES))
    if draw(st.booleans()):
        changes["uetr"] = draw(_UETRS)
    if t.payment is not None and draw(st.booleans()):
        moment = draw(st.one_of(st.none(), _DATES))
        changes["payment"] = replace(
            t.payment, requested_execution_date=draw(st.one_of(st.none(), _DATES)),
            requested_execution_date_time=None if moment is None else datetime(
                moment.year, moment.month, moment.day, 12))
    return replace(t, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("rules", [r for r in RULE_SETS if r != "none"])
@settings(max_examples=300, deadline=None)
@given(transfers=st.lists(_transfers(), min_size=1, max_size=6), options=_OPTIONS)
def test_a_transfer_the_screen_passes_breaks_no_screened_rule(
        implementation: str, rules: str, transfers: list[Transfer],
        options: RuleOptions) -> None:
    names = [n for n in RULE_SETS[rules] if RULES[n].check is not None]
    with _impl.using(implementation):
        passes, screened = screen(names, options)
    assert passes is not None and screened <= set(names)
    for t in transfers:  # one screen for several: what it remembers must not leak
        if passes(t):
            for name in screened:
                check = RULES[name].check
                assert check is not None
                assert list(check(t, options)) == [], (name, t)


def test_the_screen_passes_clean_transfers(use_implementation: str) -> None:
    """Without this the engine would be right but slow: every transfer through every check."""
    names = [n for n in RULE_SETS["generic"] if RULES[n].check is not None]
    passes, screened = screen(names, RuleOptions(max_days_back=10**4, max_days_ahead=10**4))
    assert passes is not None and screened == {n for n in names}
    assert all(passes(t) for t in _BASE + _PACS)


def _mutants(data: bytes, n: int, seed: int) -> list[bytes]:
    """Documents with a few values changed: schema-valid mostly, rule-breaking often."""
    rng = random.Random(seed)
    values = {
        "IBAN": ["DE89370400440532013001", "GB29NWBK60161331926819", "IT54F0200849965239171627001"],
        "BIC": ["DEUTXXFF", "DEUTDEFF500", "BANKFRPP"],
        "BICFI": ["DEUTXXFF", "DEUTDEFF500", "BANKFRPP"],
        "InstdAmt": ["0.00", "1.5", "100.123", "15000", "12"],
        "IntrBkSttlmAmt": ["0.00", "1.5", "100.123", "15000", "12"],
        "ReqdExctnDt": ["2024-03-05", "2024-03-07", "2026-03-07", "2023-01-01"],
        "Dt": ["2024-03-05", "2024-03-07", "2026-03-07"],
        "IntrBkSttlmDt": ["2024-03-05", "2024-03-07", "2026-03-07"],
        "UETR": ["bad39548-2d83-53f3-bf7f-e661533022db"],
        "EndToEndId": ["E2E-1", "NOTPROVIDED"],
    }
    out = []
    for _ in range(n):
        root = etree.fromstring(data)
        for _ in range(rng.randint(1, 3)):
            tag = rng.choice(sorted(values))
            found = list(root.iter(f"{{*}}{tag}"))
            if found:
                rng.choice(found).text = rng.choice(values[tag])
        if rng.random() < 0.3:
            for amount in rng.sample(list(root.iter("{*}InstdAmt", "{*}IntrBkSttlmAmt")), 1):
                amount.set("Ccy", rng.choice(["JPY", "KWD", "XXX", "USD"]))
        out.append(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return out


_DOCUMENTS = (_mutants(synth.pain001(40, seed=9, n_pmtinf=3), 12, 1)
              + _mutants(synth.pacs008(8, seed=11), 8, 2))


@pytest.mark.parametrize("rules", [r for r in RULE_SETS if r != "none"])
@pytest.mark.parametrize("options", [
    RuleOptions(),
    RuleOptions(today=date(2024, 3, 6), max_days_back=1, max_days_ahead=3,
                max_amounts={"EUR": Decimal("5000")}, max_amount=Decimal("20000")),
    RuleOptions(max_days_back=10**5, max_days_ahead=10**5),
], ids=["default", "tight", "wide"])
def test_the_verdict_is_the_one_without_a_screen(use_implementation: str,
                                                 monkeypatch: pytest.MonkeyPatch, rules: str,
                                                 options: RuleOptions) -> None:
    screened = [validate(d, rules=rules, options=options).as_dict() for d in _DOCUMENTS]
    monkeypatch.setattr(engine, "screen", lambda names, options: (None, frozenset()))
    unscreened = [validate(d, rules=rules, options=options).as_dict() for d in _DOCUMENTS]
    assert screened == unscreened
    assert any(v["transactions"] for v in screened)  # the documents do break rules


def test_dates_past_the_calendar_are_left_to_the_rule(use_implementation: str) -> None:
    t = replace(_BASE[0], interbank_settlement_date=date.max - timedelta(days=1))
    options = RuleOptions(today=date(2024, 1, 1), max_days_ahead=10**9)
    passes, _ = screen(RULE_SETS["generic"], options)
    assert passes is not None
    assert not passes(t)  # the window overflows the calendar: not screened...
    assert list(RULES["dates"].check(t, options)) == []  # type: ignore[misc]  # ...and fine


def test_the_selected_screen_is_the_one_that_runs(use_implementation: str) -> None:
    passes, _ = screen(RULE_SETS["generic"], RuleOptions())
    expected = {"compiled": "iso20022._speedups.screen",
                "python": "iso20022.validation._screen_py"}[use_implementation]
    assert _impl.screen.__name__ == expected
    assert type(passes).__module__ == expected or passes.__module__ == expected


@settings(max_examples=400, deadline=None)
@given(transfers=st.lists(_transfers(), min_size=1, max_size=8), options=_OPTIONS)
def test_both_screens_give_the_same_answers(transfers: list[Transfer],
                                            options: RuleOptions) -> None:
    """The compiled screen decides as its twin does, transfer after transfer of one run."""
    if COMPILED_DISABLED:
        pytest.skip("compiled implementation disabled by ISO20022_NO_EXTENSIONS")
    answers = {}
    for which in ("compiled", "python"):
        with _impl.using(which):
            passes, _ = screen(RULE_SETS["generic"], options)
            answers[which] = [passes(t) for t in transfers]
    assert answers["compiled"] == answers["python"]


@pytest.mark.parametrize("uetr", [
    "bad39548-2d83-43f3-bf7f-e661533022db", "bad39548-2d83-43f3-8f7f-e661533022db",
    "bad39548-2d83-43f3-cf7f-e661533022db", "bad39548-2d83-33f3-bf7f-e661533022db",
    "bad39548-2d83-43f3-bf7f-e661533022dB", "bad39548-2d83-43f3-bf7f-e661533022d",
    "bad39548-2d83-43f3-bf7f-e661533022dbb", "bad39548x2d83-43f3-bf7f-e661533022db",
    "bad39548-2d83-43f3-bf7f-e661533022d\u0660", "", "\u00e9ad39548-2d83-43f3-bf7f-e661533022db",
    "bad39548-2d83-43f3-bf7f-e661533022dg"])
def test_uetr_forms_agree_with_the_rule(use_implementation: str, uetr: str) -> None:
    t = replace(_PACS[0], uetr=uetr)
    passes, _ = screen(RULE_SETS["generic"], RuleOptions(max_days_back=10**4,
                                                         max_days_ahead=10**4))
    assert passes(t) == (list(RULES["uetr.form"].check(t, RuleOptions())) == [])  # type: ignore[misc]
