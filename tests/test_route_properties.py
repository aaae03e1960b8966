"""Routing properties: the compiled, currency-indexed router agrees with the plain
reading of the rules, and "unreachable" is only ever said of routes that are."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from iso20022.errors import RouteConfigError
from iso20022.records import Account, Agent, MessageHeader, Money, Transfer
from iso20022.route import Match, Routes

CURRENCIES = ["EUR", "USD", "PKR"]
AMOUNTS = [Decimal(v) for v in ("0.01", "10.00", "100000.00", "100000.01", "5000000")]
BICS = ["COBADEFF", "COBADEFFXXX", "COBADEFF123", "BNPAFRPPXXX", "HANSDEHH"]
BIC_PREFIXES = ["COBA", "COBADE", "COBADEFF", "COBADEFFXXX", "BNPAFRPP", "HANS"]
IBANS = ["DE89370400440532013000", "FR1420041010050500013M02606", "PK36SCBL0000001123456702"]
COUNTRIES = ["DE", "FR", "PK"]
MESSAGES = ["pain.001.001.09", "pain.001.001.03", "pacs.008.001.08"]
MESSAGE_PATTERNS = ["pain.001", "pacs.008", "pain.001.001.09", "pacs.008.001.08"]
CODES = {"service_level": ["SEPA", "URGP"], "local_instrument": ["INST"],
         "category_purpose": ["SALA", "SUPP"]}


@st.composite
def transfers(draw: st.DrawFn) -> Transfer:
    header = MessageHeader(message_type=draw(st.sampled_from(MESSAGES)), message_id="M",
                           creation_date_time=datetime(2026, 1, 1), number_of_transactions=1)

    def agent() -> Agent | None:
        bic = draw(st.none() | st.sampled_from(BICS))
        return Agent(bic=bic) if bic else None

    def account() -> Account | None:
        iban = draw(st.none() | st.sampled_from(IBANS))
        return Account(iban=iban) if iban else None

    return Transfer(
        message=header,
        amount=Money(draw(st.sampled_from(AMOUNTS)), draw(st.sampled_from(CURRENCIES))),
        end_to_end_id="E", debtor_agent=agent(), creditor_agent=agent(),
        debtor_account=account(), creditor_account=account(),
        **{name: draw(st.none() | st.sampled_from(values)) for name, values in CODES.items()})


def _some(values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)


@st.composite
def matches(draw: st.DrawFn) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "currency": draw(_some(CURRENCIES)),
        "debtor_agent_bic": draw(_some(BIC_PREFIXES)),
        "creditor_agent_bic": draw(_some(BIC_PREFIXES)),
        "debtor_agent_country": draw(_some(COUNTRIES)),
        "creditor_agent_country": draw(_some(COUNTRIES)),
        "message_type": draw(_some(MESSAGE_PATTERNS)),
        **{name: draw(_some(values)) for name, values in CODES.items()},
    }
    low = draw(st.none() | st.sampled_from(AMOUNTS))
    high = draw(st.none() | st.sampled_from(AMOUNTS))
    if low is not None:
        raw["min_amount"] = str(low)
    if high is not None and (low is None or high >= low):
        raw["max_amount"] = str(high)
    # Few criteria per route, so that routes overlap and many transfers match something.
    keep = draw(st.sets(st.sampled_from(sorted(raw)), min_size=1, max_size=3))
    return {k: v for k, v in raw.items() if k in keep}


def _bic(agent: Agent | None) -> str | None:
    if agent is None or agent.bic is None:
        return None
    return agent.bic + "XXX" if len(agent.bic) == 8 else agent.bic


def _country(agent: Agent | None, account: Account | None) -> str | None:
    if agent is not None and agent.bic:
        return agent.bic[4:6]
    return account.iban[:2] if account is not None and account.iban else None


def plainly_matches(raw: dict[str, Any], t: Transfer) -> bool:
    """The rules as the README states them, one criterion at a time."""
    values = {
        "currency": t.amount.currency, "service_level": t.service_level,
        "local_instrument": t.local_instrument, "category_purpose": t.category_purpose,
        "debtor_agent_country": _country(t.debtor_agent, t.debtor_account),
        "creditor_agent_country": _country(t.creditor_agent, t.creditor_account),
    }
    for name, allowed in raw.items():
        if name == "min_amount":
            ok = t.amount.amount >= Decimal(allowed)
        elif name == "max_amount":
            ok = t.amount.amount <= Decimal(allowed)
        elif name in ("debtor_agent_bic", "creditor_agent_bic"):
            bic = _bic(t.debtor_agent if name == "debtor_agent_bic" else t.creditor_agent)
            ok = bic is not None and any(bic.startswith(p) for p in allowed)
        elif name == "message_type":
            mt = t.message.message_type
            ok = any(mt == p or mt.startswith(p + ".") for p in allowed)
        else:
            ok = values[name] in allowed
        if not ok:
            return False
    return True


@settings(max_examples=100, deadline=None)
@given(st.lists(matches(), min_size=1, max_size=5), st.lists(transfers(), min_size=1,
                                                             max_size=20))
def test_router_agrees_with_the_plain_rules(raws: list[dict[str, Any]],
                                            ts: list[Transfer]) -> None:
    data = {"route": [{"name": f"r{i}", "adapter": "ledger", "rail": "b", "format": "book",
                       "match": raw} for i, raw in enumerate(raws)],
            "default": {"name": "default", "adapter": "ledger", "rail": "b", "format": "book"}}
    try:
        routes = Routes.from_dict(data)
    except RouteConfigError as exc:
        assert "unreachable" in exc.message
        event("config refused: unreachable route")
        return
    event(f"{len(raws)} routes accepted")
    for t in ts:
        expected = next((f"r{i}" for i, raw in enumerate(raws) if plainly_matches(raw, t)),
                        "default")
        assert routes.route(t).route.name == expected


@settings(max_examples=100, deadline=None)
@given(matches(), matches(), st.lists(transfers(), min_size=1, max_size=20))
def test_covers_is_sound(outer: dict[str, Any], inner: dict[str, Any],
                         ts: list[Transfer]) -> None:
    """When a route is called unreachable below another, the other takes all it matches."""
    if _match(outer).covers(_match(inner)):
        for t in ts:
            if plainly_matches(inner, t):
                assert plainly_matches(outer, t)


def _match(raw: dict[str, Any]) -> Match:
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name in ("min_amount", "max_amount"):
            values[name] = Decimal(value)
        elif name in ("debtor_agent_bic", "creditor_agent_bic", "message_type"):
            values[name] = tuple(value)
        else:
            values[name] = frozenset(value)
    return Match(**values)
