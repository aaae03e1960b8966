"""Routing and outbound-building throughput, with peers in the same session.

Group ``route 100,000 transfers``: the same 100,000 ``Transfer`` records (a pool
of 4,500 parsed from 100 synthetic pain.001.001.09 / .03 files and a pacs.008.001.08
message, repeated) routed through ``examples/routes.toml``:

- ``iso20022-routes``: ``Routes.route`` (decisions only, no ``why`` text);
- ``handwritten-if-chain``: the same rules written by hand as one Python
  function (what a bespoke router would cost);
- ``attribute-access-floor``: a loop reading the fields the rules look at;
- ``empty-loop-floor``: a loop that only appends a constant.

Correctness is checked in every run: the route counts of the measured run must
equal the counts the hand-written chain gives (and the two must agree on every
transfer, checked once before measuring).

Group ``plan 2,000 transfers``: ``iso20022.build.plan`` (route + build XML +
deliveries) on 2,000 pain.001 transfers with the compiled writer
(``iso20022-plan``) and with its pure-Python twin (``iso20022-plan-python``),
against serializing the same number of single-transaction lxml trees (a floor
for "build XML at all").  Both plan cases must give the twin's bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import iso20022
from iso20022.build import plan
from iso20022.records import Transfer
from iso20022.route import Routes
from iso20022.synth import pacs008, pain001

from .harness import implementation_modules

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "routes.toml"
N_ROUTE = 100_000
N_PLAN = 2_000
ROUTE_GROUP = "route 100,000 transfers"
PLAN_GROUP = "plan 2,000 transfers"


@pytest.fixture(scope="module")
def routes() -> Routes:
    return Routes.load(EXAMPLE)


@pytest.fixture(scope="module")
def pool() -> list[Transfer]:
    out: list[Transfer] = []
    for seed in range(100):  # many small files: a mix of SEPA, urgent and cross-border blocks
        version = ("pain.001.001.09", "pain.001.001.03")[seed % 2]
        out += iso20022.parse(pain001(40, version=version, seed=seed))
    out += iso20022.parse(pacs008(500, version="pacs.008.001.08", seed=23))
    return out


@pytest.fixture(scope="module")
def transfers(pool: list[Transfer]) -> list[Transfer]:
    return [pool[i % len(pool)] for i in range(N_ROUTE)]


def handwritten(routes: Routes) -> Callable[[Transfer], str]:
    """examples/routes.toml as a hand-written if-chain (constants read from the file)."""
    instant_max = routes.by_name("sepa-instant").match.max_amount
    high_value = routes.by_name("rtgs-high-value").match.min_amount
    sepa_area = routes.by_name("sepa-sct-by-country").match.creditor_agent_country
    assert instant_max is not None and high_value is not None and sepa_area is not None

    def route(t: Transfer) -> str:
        agent = t.creditor_agent
        bic = agent.bic if agent is not None else None
        if bic and bic.startswith("HANSDEHH"):
            return "on-us"
        if t.message.message_type.startswith("pacs.008."):
            return "inbound-suspense"
        ccy, amount, level = t.amount.currency, t.amount.amount, t.service_level
        if ccy == "EUR":
            if level == "SEPA" and t.local_instrument == "INST" and amount <= instant_max:
                return "sepa-instant"
            if level in ("URGP", "SDVA"):
                return "rtgs-urgent"
            if amount >= high_value:
                return "rtgs-high-value"
            if level == "SEPA":
                return "sepa-sct"
            account = t.creditor_account
            country = bic[4:6] if bic else (account.iban[:2] if account and account.iban
                                            else None)
            if country in sepa_area:
                return "sepa-sct-by-country"
        if ccy == "PKR":
            return "cbpr-pkr"
        if ccy == "CNY":
            return "cbpr-cny"
        return "cbpr-correspondent"

    return route


def _ours(routes: Routes) -> Callable[[list[Transfer]], list[str]]:
    route = routes.route
    return lambda ts: [route(t).route.name for t in ts]


def _chain(routes: Routes) -> Callable[[list[Transfer]], list[str]]:
    fn = handwritten(routes)
    return lambda ts: [fn(t) for t in ts]


def _attributes(routes: Routes) -> Callable[[list[Transfer]], list[Any]]:
    def run(ts: list[Transfer]) -> list[Any]:
        return [(t.amount.currency, t.amount.amount, t.service_level, t.local_instrument,
                 t.creditor_agent, t.message.message_type) for t in ts]
    return run


def _empty(routes: Routes) -> Callable[[list[Transfer]], list[Any]]:
    return lambda ts: [None for _ in ts]


ROUTE_CASES: dict[str, tuple[Callable[[Routes], Callable[[list[Transfer]], list[Any]]], bool]] = {
    "iso20022-routes": (_ours, True),
    "handwritten-if-chain": (_chain, True),
    "attribute-access-floor": (_attributes, False),
    "empty-loop-floor": (_empty, False),
}


@pytest.fixture(scope="module")
def expected(routes: Routes, transfers: list[Transfer]) -> Counter[str]:
    """Route counts by the hand-written chain: what a correct router must reproduce."""
    chain = handwritten(routes)
    return Counter(chain(t) for t in transfers)


@pytest.mark.parametrize("case", list(ROUTE_CASES))
def test_route(benchmark: Any, routes: Routes, transfers: list[Transfer],
               expected: Counter[str], case: str) -> None:
    make, decides = ROUTE_CASES[case]
    chain = handwritten(routes)
    if case == "iso20022-routes":
        disagree = [t for t in transfers[:4500] if routes.route(t).route.name != chain(t)]
        assert not disagree, disagree[:3]
    benchmark.group = ROUTE_GROUP
    result = benchmark.pedantic(make(routes), args=(transfers,), rounds=5, iterations=1,
                                warmup_rounds=1)
    correct = Counter(result) == expected if decides else None
    info: dict[str, Any] = {"implementation": iso20022.IMPLEMENTATION, "case": case,
                            "transactions": len(transfers), "bytes": 0,
                            "produced": len(result), "correct": correct,
                            "routes": dict(expected)}
    if benchmark.stats is not None:  # None with --benchmark-disable
        mean = benchmark.stats.stats.mean
        info.update(mean_s=mean, transactions_per_s=len(transfers) / mean)
    benchmark.extra_info.update(info)
    assert correct is not False, f"{case}: {Counter(result)} != {expected}"
    assert len(result) == len(transfers)


def _serialize_floor(ts: list[Transfer]) -> int:
    """Floor: one small lxml tree per transfer, amount and id only, serialized."""
    total = 0
    for t in ts:
        root = etree.Element("{urn:x}Document", nsmap={None: "urn:x"})  # type: ignore[dict-item]
        etree.SubElement(root, "{urn:x}EndToEndId").text = t.end_to_end_id
        etree.SubElement(root, "{urn:x}Amt").text = str(t.amount.amount)
        total += len(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return total


@pytest.mark.parametrize("case", ["iso20022-plan", "iso20022-plan-python",
                                  "lxml-serialize-floor"])
def test_plan(benchmark: Any, routes: Routes, pool: list[Transfer], case: str) -> None:
    pain = [t for t in pool if t.message.message_type.startswith("pain.001")][:N_PLAN]
    benchmark.group = PLAN_GROUP
    implementation = iso20022.IMPLEMENTATION
    if case.startswith("iso20022-plan"):
        implementation = "python" if case.endswith("-python") else "compiled"
        with implementation_modules("python"):
            reference = [d.body for d in plan(pain, routes, our_bic="HANSDEHHXXX")]
        with implementation_modules(implementation):
            deliveries = benchmark.pedantic(plan, args=(pain, routes),
                                            kwargs={"our_bic": "HANSDEHHXXX"}, rounds=3,
                                            iterations=1)
        entries = [e for d in deliveries for e in d.entries]
        produced = len(entries)
        correct = (produced == len(pain)
                   and sum((e.amount for e in entries), Decimal(0))
                   == sum((t.amount.amount for t in pain), Decimal(0))
                   and [d.body for d in deliveries] == reference)
        extra = {"deliveries": len(deliveries),
                 "body_bytes": sum(len(d.body) for d in deliveries)}
    else:
        produced = benchmark.pedantic(_serialize_floor, args=(pain,), rounds=3, iterations=1)
        correct, extra = None, {}
    info: dict[str, Any] = {"implementation": implementation, "case": case,
                            "transactions": len(pain), "bytes": 0, "produced": produced,
                            "correct": correct, **extra}
    if benchmark.stats is not None:
        mean = benchmark.stats.stats.mean
        info.update(mean_s=mean, transactions_per_s=len(pain) / mean)
    benchmark.extra_info.update(info)
    assert correct is not False
