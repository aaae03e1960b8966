"""Outbound pacs.008 from pain.001: schema-valid, deterministic, and lossless where it counts.

Every generated message is validated against its official XSD (pacs.008.001.08
and .02 are bundled; the head.001.001.02 AppHdr comes from ../shared/xsd through
ISO20022_SCHEMA_PATH) and parsed back with ``iso20022.parse`` to compare amounts,
ids, parties, accounts and agents with the source transfer.  Every test runs on
both implementations of the writer (``use_implementation``); test_outbound_twins.py
compares their bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import re
import uuid
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import iso20022
from iso20022 import schemas
from iso20022.build import build_bulk, build_single, plan, uetr_for
from iso20022.build._pacs_xml import ACCOUNT_TYPES_02
from iso20022.build.pacs008 import outbound_id, settlement_date
from iso20022.errors import OutboundBuildError
from iso20022.keys import transfer_key, transfer_keys
from iso20022.records import Account, Agent, Party, PostalAddress, Transfer
from iso20022.route import Route, Routes
from iso20022.schemas import load_schema
from iso20022.settle.protocol import Delivery
from iso20022.synth import pacs008, pain001

from support import CORPUS, SHARED, corpus_rows, require_corpus, require_shared

pytestmark = pytest.mark.usefixtures("use_implementation")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "routes.toml"
OUR_BIC = "HANSDEHHXXX"
UETR_RE = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}")

SINGLE = {"name": "cbpr", "adapter": "file", "rail": "swift-cbpr", "format": "pacs.008.001.08",
          "settlement_method": "INDA", "instructed_agent": "CHASUS33XXX",
          "business_service": "swift.cbprplus.02"}
BULK = {"name": "sct", "adapter": "file", "rail": "step2-sct",
        "format": "pacs.008.001.02-bulk", "settlement_method": "CLRG",
        "clearing_system_proprietary": "ST2", "charge_bearer": "SLEV"}
BOOK = {"name": "on-us", "adapter": "ledger", "rail": "book", "format": "book"}


def only(default: dict[str, Any], **extra: Any) -> Routes:
    """Routes that send everything to one route."""
    return Routes.from_dict({"default": {**default, **extra}})


@pytest.fixture
def head_schema(monkeypatch: pytest.MonkeyPatch) -> etree.XMLSchema | None:
    """The head.001.001.02 XSD from ../shared/xsd; None where ../shared is absent (a test
    that then meets a pacs.008.001.08 skips, saying why; pacs.008.001.02 is bundled)."""
    if not SHARED.is_dir():
        return None
    monkeypatch.setenv(schemas.SCHEMA_PATH_ENV, str(SHARED / "xsd"))
    return load_schema("head.001.001.02")


def validate(delivery: Delivery, head: etree.XMLSchema | None) -> None:
    """Assert the body is valid against the XSDs of its Document (and AppHdr)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(delivery.body, parser)
    if delivery.message_type == "pacs.008.001.08":
        if head is None:
            require_shared()  # skips: head.001.001.02.xsd is in ../shared/xsd only
        assert head is not None
        assert root.tag == "Envelope" and len(root) == 2
        header, document = root
        assert head.validate(header), head.error_log
    else:
        document = root
    schema = load_schema(delivery.message_type)
    assert schema.validate(document), schema.error_log
    assert delivery.message_id == document.findtext(f"{{{document.nsmap[None]}}}"
                                                    f"FIToFICstmrCdtTrf/{{*}}GrpHdr/{{*}}MsgId")
    assert len(delivery.message_id) <= 35


# -- what a version can carry -------------------------------------------------------------

_NEW_ONLY_ADDRESS = ("building_name", "floor", "post_box", "room", "town_location_name",
                     "district_name")


def _address_02(a: PostalAddress | None) -> PostalAddress | None:
    if a is None:
        return None
    return dataclasses.replace(a, **dict.fromkeys(_NEW_ONLY_ADDRESS))


def _party_02(p: Party | None) -> Party | None:
    if p is None:
        return None
    return dataclasses.replace(p, postal_address=_address_02(p.postal_address),
                               organisation_lei=None)


def _agent_02(a: Agent | None) -> Agent | None:
    if a is None:
        return None
    return dataclasses.replace(a, lei=None, postal_address=_address_02(a.postal_address))


def _account_02(a: Account | None) -> Account | None:
    if a is None:
        return None
    kept = a.type_code if a.type_code in ACCOUNT_TYPES_02 else None  # others go to Tp/Prtry
    return dataclasses.replace(a, proxy=None, type_code=kept)


def assert_carried(src: Transfer, out: Transfer, route: Route) -> None:
    """``out`` (parsed back from the pacs.008) carries ``src`` (the pain.001 transfer)."""
    new = route.format == "pacs.008.001.08"
    key = transfer_key(src)
    assert out.amount == src.amount
    assert out.interbank_settlement_amount == src.amount
    assert isinstance(out.amount.amount, Decimal)
    assert str(out.amount.amount) == str(src.amount.amount)  # same digits, same scale
    assert out.instructed_amount == src.instructed_amount
    assert out.end_to_end_id == src.end_to_end_id
    assert out.transaction_id is not None and len(out.transaction_id) <= 35
    assert out.interbank_settlement_date == settlement_date(src, src.message.creation_date_time)
    assert out.charge_bearer == (src.charge_bearer or route.charge_bearer
                                 or ("SHAR" if new else "SLEV"))
    assert out.message.settlement_method == route.settlement_method
    assert out.message.clearing_system_code == route.clearing_system
    assert out.message.clearing_system_proprietary == route.clearing_system_proprietary
    assert out.instructing_agent is not None and out.instructing_agent.bic == OUR_BIC
    for name in ("service_level", "service_level_proprietary", "local_instrument",
                 "local_instrument_proprietary", "category_purpose",
                 "category_purpose_proprietary", "instruction_priority", "purpose",
                 "purpose_proprietary", "remittance_unstructured", "creditor_reference",
                 "creditor_reference_type", "regulatory_reporting"):
        assert getattr(out, name) == getattr(src, name), name
    if new:
        assert out.uetr == (src.uetr or uetr_for(key))
        assert out.message.app_header is not None
        assert out.message.app_header.from_bic == OUR_BIC
        assert out.message.app_header.business_message_id == out.message.message_id
        for name in ("debtor", "creditor", "ultimate_debtor", "ultimate_creditor",
                     "debtor_account", "creditor_account", "debtor_agent", "creditor_agent",
                     "intermediary_agents"):
            assert getattr(out, name) == getattr(src, name), name
    else:
        assert out.uetr is None
        for name in ("debtor", "creditor", "ultimate_debtor", "ultimate_creditor"):
            assert getattr(out, name) == _party_02(getattr(src, name)), name
        for name in ("debtor_agent", "creditor_agent"):
            assert getattr(out, name) == _agent_02(getattr(src, name)), name
        for name in ("debtor_account", "creditor_account"):
            assert getattr(out, name) == _account_02(getattr(src, name)), name


def check_plan(transfers: list[Transfer], routes: Routes, head: etree.XMLSchema | None,
               **kwargs: Any) -> list[Delivery]:
    """Plan, validate every body, parse it back and compare with the sources."""
    deliveries = plan(transfers, routes, our_bic=OUR_BIC, **kwargs)
    by_key = {transfer_key(t): t for t in transfers}
    seen: Counter[str] = Counter()
    for d in deliveries:
        route = routes.by_name(d.route)
        assert (d.adapter, d.rail) == (route.adapter, route.rail)
        for entry in d.entries:
            seen[entry.transfer_key] += 1
            src = by_key[entry.transfer_key]
            assert (entry.amount, entry.currency) == (src.amount.amount, src.amount.currency)
            assert entry.end_to_end_id == src.end_to_end_id
        if route.format == "book":
            assert d.body == b"" and d.message_type == "book"
            continue
        validate(d, head)
        back = list(iso20022.parse(d.body))
        assert len(back) == len(d.entries)
        assert back[0].message.number_of_transactions == len(back)
        for out, entry in zip(back, d.entries, strict=True):
            assert out.uetr == entry.uetr
            assert_carried(by_key[entry.transfer_key], out, route)
    assert seen == Counter(by_key.keys()), "every transfer in exactly one delivery"
    assert len({d.key for d in deliveries}) == len(deliveries)
    return deliveries


# -- synthetic initiations ----------------------------------------------------------------


@pytest.mark.parametrize("version", ["pain.001.001.09", "pain.001.001.03"])
@pytest.mark.parametrize("envelope", [False, True])
def test_synth_through_example_routes(version: str, envelope: bool,
                                      head_schema: etree.XMLSchema | None) -> None:
    routes = Routes.load(EXAMPLE)
    transfers = list(iso20022.parse(pain001(120, version=version, seed=13, envelope=envelope)))
    deliveries = check_plan(transfers, routes, head_schema)
    formats = Counter(routes.by_name(d.route).format for d in deliveries)
    assert formats["pacs.008.001.02-bulk"] >= 1 and formats["pacs.008.001.08"] >= 1
    again = plan(iso20022.parse(pain001(120, version=version, seed=13, envelope=envelope)),
                 routes, our_bic=OUR_BIC)
    assert again == deliveries, "a retry gives the same deliveries, keys and bytes"


def test_inbound_pacs008_goes_to_the_suspense_book(head_schema: etree.XMLSchema | None) -> None:
    transfers = list(iso20022.parse(pacs008(12, version="pacs.008.001.08", seed=3)))
    transfers += iso20022.parse(pacs008(5, version="pacs.008.001.02", seed=4))
    deliveries = check_plan(transfers, Routes.load(EXAMPLE), head_schema)
    assert [(d.route, d.body, len(d.entries)) for d in deliveries] == [
        ("inbound-suspense", b"", 12), ("inbound-suspense", b"", 5)]
    assert all(e.uetr == t.uetr for e, t in zip(deliveries[0].entries, transfers, strict=False))


@pytest.mark.parametrize("version", ["pain.001.001.09", "pain.001.001.03"])
@pytest.mark.parametrize("route", [SINGLE, BULK, BOOK], ids=["single", "bulk", "book"])
def test_synth_every_format(version: str, route: dict[str, Any],
                            head_schema: etree.XMLSchema | None) -> None:
    transfers = list(iso20022.parse(pain001(80, version=version, seed=5, n_pmtinf=3)))
    deliveries = check_plan(transfers, only(route), head_schema)
    if route is SINGLE:
        assert len(deliveries) == len(transfers)
        assert {d.headers["to"] for d in deliveries} == {"CHASUS33XXX"}
    elif route is BOOK:
        assert len(deliveries) == 1 and deliveries[0].message_id.startswith("BK")


def test_bulk_splits_per_date_currency_and_size(head_schema: etree.XMLSchema | None) -> None:
    transfers = list(iso20022.parse(pain001(100, seed=8, n_pmtinf=4)))
    deliveries = check_plan(transfers, only(BULK, max_transactions=7), head_schema)
    groups = Counter((t.amount.currency, settlement_date(t, t.message.creation_date_time))
                     for t in transfers)
    assert len(deliveries) == sum(-(-n // 7) for n in groups.values())
    for d in deliveries:
        back = list(iso20022.parse(d.body))
        assert 1 <= len(back) <= 7
        assert back[0].message.control_sum == sum(e.amount for e in d.entries)
        total = back[0].message.total_interbank_settlement_amount
        assert total is not None and total.amount == back[0].message.control_sum
        assert len({e.currency for e in d.entries}) == 1


def test_transfer_keys_of_many_transfers_are_each_transfers_key() -> None:
    """``transfer_keys`` computes a message's key once for its consecutive transfers; messages
    taking turns, and equal messages that are different objects, still give every key."""
    one = list(iso20022.parse(pain001(4, seed=21)))
    other = list(iso20022.parse(pain001(3, seed=22, envelope=True)))
    copy = [dataclasses.replace(t, message=dataclasses.replace(t.message, message_id="COPY"))
            for t in one]
    mixed = [one[0], other[0], one[1], copy[0], copy[1], other[1], one[2], one[3], other[2]]
    assert transfer_keys(mixed) == [transfer_key(t) for t in mixed]
    assert len(set(transfer_keys(mixed))) == len(mixed)
    assert transfer_keys([]) == []


def test_uetr_carried_or_derived_from_the_transfer_key() -> None:
    with_uetr = next(iso20022.parse(pain001(1, version="pain.001.001.09", seed=2)))
    without = next(iso20022.parse(pain001(1, version="pain.001.001.03", seed=2)))
    assert with_uetr.uetr is not None and without.uetr is None
    route = only(SINGLE).default
    assert build_single(with_uetr, route, our_bic=OUR_BIC).uetrs == (with_uetr.uetr,)
    made = build_single(without, route, our_bic=OUR_BIC).uetrs[0]
    assert made == uetr_for(transfer_key(without))
    assert made is not None and UETR_RE.fullmatch(made) and uuid.UUID(made).version == 4
    assert uetr_for("a") != uetr_for("b")
    other = dataclasses.replace(without, end_to_end_id="OTHER")
    assert build_single(other, route, our_bic=OUR_BIC).uetrs[0] != made


def test_uetrs_and_id_dates_are_written_as_their_definitions_write_them() -> None:
    """``uetr_for`` sets the UUID's bits itself and ``outbound_id`` formats the date without
    strftime: the same text as ``uuid.UUID(bytes=digest, version=4)`` and ``%Y%m%d``."""
    for n in range(200):
        key = hashlib.sha256(str(n).encode()).hexdigest()[:32]
        digest = hashlib.blake2b(f"uetr\x1f{key}".encode(), digest_size=16).digest()
        assert uetr_for(key) == str(uuid.UUID(bytes=digest, version=4))
    for day in (date(2026, 11, 25), date(1, 1, 1), date(999, 12, 31), date(1000, 1, 2),
                date(9999, 12, 31)):
        assert outbound_id("P8", day, "rail", "k").startswith(f"P8{day:%Y%m%d}"), day


def test_ids_deterministic_short_and_per_rail() -> None:
    t = next(iso20022.parse(pain001(1, seed=4)))
    a = build_single(t, only(SINGLE).default, our_bic=OUR_BIC)
    b = build_single(t, only(SINGLE).default, our_bic=OUR_BIC)
    c = build_single(t, only(SINGLE, rail="swift-cbpr-2").default, our_bic=OUR_BIC)
    assert a == b and a.message_id != c.message_id and len(a.message_id) <= 35
    stamped = build_single(t, only(SINGLE).default, our_bic=OUR_BIC,
                           created=datetime(2026, 11, 25, 6, 0))
    assert stamped.message_id == a.message_id and stamped.body != a.body
    assert b"<CreDtTm>2026-11-25T06:00:00</CreDtTm>" in stamped.body


def test_text_is_escaped_and_survives(head_schema: etree.XMLSchema | None) -> None:
    t = next(iso20022.parse(pain001(1, seed=4)))
    name = 'Smith & Sons <Ltd> "quoted" ]]> \'x\''
    t = dataclasses.replace(t, creditor=Party(name=name),
                            remittance_unstructured=("a&b<c>", "ÄÖÜ ß € 😀", "tab\tcr\r\nlf"))
    for route in (SINGLE, BULK):
        (d,) = check_plan([t], only(route), head_schema)
        back = next(iso20022.parse(d.body))
        assert back.creditor is not None and back.creditor.name == name
        assert back.remittance_unstructured == t.remittance_unstructured


def test_records_shared_between_transactions_are_written_like_copies() -> None:
    """A PmtInf's debtor, account and agent are one record for all its transactions;
    the bulk writer copies the text it wrote for them, and that must be what writing
    an equal, unshared record gives (in every place, at every depth)."""
    t = next(iso20022.parse(pain001(1, seed=4)))
    debtor = Party(name="D & Co", postal_address=PostalAddress(street_name="Rue 1", country="FR"))
    agent = Agent(bic="BNPAFRPPXXX", name="BNP")
    account = Account(iban="FR7630004430414095369900903", currency="EUR")
    shared = [dataclasses.replace(t, end_to_end_id=f"E{i}", debtor=debtor, ultimate_debtor=debtor,
                                  ultimate_creditor=debtor, debtor_agent=agent,
                                  intermediary_agents=(agent,), debtor_account=account,
                                  creditor_account=account) for i in range(3)]
    copies = [dataclasses.replace(s, **{name: dataclasses.replace(getattr(s, name))
                                        for name in ("debtor", "ultimate_debtor",
                                                     "debtor_agent", "debtor_account")})
              for s in shared]
    assert shared[1].debtor is shared[0].debtor and copies[1].debtor is not copies[0].debtor
    for route in (SINGLE, BULK):
        bodies = [d.body for d in plan(shared, only(route), our_bic=OUR_BIC)]
        assert bodies == [d.body for d in plan(copies, only(route), our_bic=OUR_BIC)]
    (body,) = bodies
    assert body.count(b"<Nm>D &amp; Co</Nm>") == 9  # Dbtr, UltmtDbtr, UltmtCdtr per transaction
    assert body.count(b"<DbtrAgt>") == body.count(b"<IntrmyAgt1>") == 3


# -- bad input ----------------------------------------------------------------------------


def _fails(t: Transfer, text: str, route: dict[str, Any] = SINGLE) -> None:
    with pytest.raises(OutboundBuildError, match=text) as info:
        plan([t], only(route), our_bic=OUR_BIC)
    assert info.value.transfer_key == transfer_key(t)
    assert info.value.end_to_end_id == t.end_to_end_id
    assert str(info.value).startswith(f"transfer {t.end_to_end_id!r}: ")
    again = pickle.loads(pickle.dumps(info.value))
    assert (str(again), again.transfer_key) == (str(info.value), info.value.transfer_key)


def test_transfers_that_cannot_be_built() -> None:
    t = next(iso20022.parse(pain001(1, seed=4)))
    _fails(next(iso20022.parse(pacs008(1, seed=1))), "only pain.001 customer initiations")
    _fails(dataclasses.replace(t, creditor_agent=None), r"no creditor agent \(CdtrAgt\)")
    _fails(dataclasses.replace(t, creditor_agent=None), "no creditor agent", BULK)
    _fails(dataclasses.replace(t, debtor=None), r"no debtor \(Dbtr\)")
    _fails(dataclasses.replace(t, creditor=None), r"no creditor \(Cdtr\)")
    _fails(dataclasses.replace(t, currency_of_transfer="USD",
                               equivalent_amount=t.amount), "needs an FX rate")
    _fails(dataclasses.replace(t, creditor=Party(name="bad \x01 byte")),
           "cannot be written as XML")
    _fails(dataclasses.replace(t, creditor=Party(name="bad \x01 byte")),
           "cannot be written as XML", BULK)
    member_only = dataclasses.replace(t, creditor_agent=Agent(member_id="021000021"))
    _fails(member_only, "nobody to send the message to",
           {k: v for k, v in SINGLE.items() if k != "instructed_agent"})
    with pytest.raises(OutboundBuildError, match="is not a BIC"):
        plan([t], only(SINGLE), our_bic="HANS")
    with pytest.raises(OutboundBuildError, match="at least one"):
        build_bulk([], only(BULK).default, our_bic=OUR_BIC)
    other_day = dataclasses.replace(t, payment=None, interbank_settlement_date=None,
                                    message=dataclasses.replace(
                                        t.message, creation_date_time=datetime(2030, 1, 2)))
    with pytest.raises(OutboundBuildError, match="one currency and one settlement date"):
        build_bulk([t, other_day], only(BULK).default, our_bic=OUR_BIC)


# -- the corpus ---------------------------------------------------------------------------

CORPUS_PAIN = [(p, m) for p, m, ok in corpus_rows() if m.startswith("pain.001") and ok]


@pytest.mark.corpus
@pytest.mark.parametrize(("path", "mid"), CORPUS_PAIN or [("absent", "pain.001")],
                         ids=[p for p, _ in CORPUS_PAIN] or ["absent"])
def test_corpus_initiations(path: str, mid: str, head_schema: etree.XMLSchema | None) -> None:
    require_corpus()
    transfers = list(iso20022.parse(str(CORPUS / path)))
    assert transfers
    buildable = []
    for t in transfers:
        try:
            build_single(t, only(SINGLE).default, our_bic=OUR_BIC)
        except OutboundBuildError as exc:
            # The only refusals real initiations may earn, each for a true reason.
            reasons = {"FX rate": t.equivalent_amount is not None,
                       "no creditor agent": t.creditor_agent is None,
                       "no debtor (Dbtr)": t.debtor is None,
                       "no creditor (Cdtr)": t.creditor is None}
            assert any(text in exc.message and really for text, really in reasons.items()), exc
            continue
        buildable.append(t)
    if not buildable:  # refused for a true reason, checked above (the CBPR+ "min" samples)
        return
    check_plan(buildable, only(SINGLE), head_schema)
    check_plan(buildable, only(BULK), head_schema)


def test_corpus_is_mostly_buildable() -> None:
    """Guard: the corpus test above must really build most real initiations."""
    require_corpus()
    built = refused = 0
    for path, _ in CORPUS_PAIN:
        for t in iso20022.parse(str(CORPUS / path)):
            try:
                build_single(t, only(SINGLE).default, our_bic=OUR_BIC)
                built += 1
            except OutboundBuildError:
                refused += 1
    assert built >= 25 and refused <= 6, (built, refused)


# -- every rail of the example routes file -------------------------------------------------

# route -> (how to make a transfer take it, SttlmMtd, ClrSys Cd or Prtry, ChrgBr, next hop)
EXAMPLE_RAILS: dict[str, tuple[dict[str, Any], str, tuple[str, str] | None, str, str | None]] = {
    "sepa-instant": ({"ccy": "EUR", "amount": "250.00", "service_level": "SEPA",
                      "local_instrument": "INST"}, "CLRG", ("Prtry", "TIPS"), "SLEV",
                     "BNPAFRPPXXX"),
    "rtgs-urgent": ({"ccy": "EUR", "amount": "10.00", "service_level": "URGP"}, "CLRG",
                    ("Cd", "TGT"), "SHAR", "BNPAFRPPXXX"),
    "rtgs-high-value": ({"ccy": "EUR", "amount": "2000000.00", "service_level": "SEPA"},
                        "CLRG", ("Cd", "TGT"), "SHAR", "BNPAFRPPXXX"),
    "sepa-sct": ({"ccy": "EUR", "amount": "10.00", "service_level": "SEPA"}, "CLRG",
                 ("Prtry", "ST2"), "SLEV", None),
    "sepa-sct-by-country": ({"ccy": "EUR", "amount": "10.00"}, "CLRG", ("Prtry", "ST2"),
                            "SLEV", None),
    "cbpr-pkr": ({"ccy": "PKR", "amount": "150000.00", "creditor_bic": "HABBPKKAXXX"}, "INDA",
                 None, "SHAR", "SCBLPKKXXXX"),
    "cbpr-cny": ({"ccy": "CNY", "amount": "8000.00", "creditor_bic": "ICBKCNBJXXX"}, "INDA",
                 None, "SHAR", "BKCHCNBJXXX"),
    "cbpr-correspondent": ({"ccy": "USD", "amount": "10.00", "creditor_bic": "CITIUS33XXX"},
                           "INDA", None, "SHAR", "CHASUS33XXX"),
}


@pytest.mark.parametrize("name", list(EXAMPLE_RAILS))
def test_every_rail_of_the_example_file_builds_its_own_valid_message(
        name: str, head_schema: etree.XMLSchema | None) -> None:
    routes = Routes.load(EXAMPLE)
    how, method, clearing, bearer, to_bic = EXAMPLE_RAILS[name]
    src = next(iso20022.parse(pain001(1, version="pain.001.001.09", seed=6)))
    t = dataclasses.replace(
        src, amount=dataclasses.replace(src.amount, amount=Decimal(how["amount"]),
                                        currency=how["ccy"]),
        service_level=how.get("service_level"), local_instrument=how.get("local_instrument"),
        service_level_proprietary=None, local_instrument_proprietary=None,
        instruction_priority=None, charge_bearer=None, instructed_amount=None,
        equivalent_amount=None, currency_of_transfer=None,
        creditor_agent=Agent(bic=how.get("creditor_bic", "BNPAFRPPXXX")))
    assert routes.route(t).route.name == name
    (d,) = check_plan([t], routes, head_schema)  # XSD-valid, parsed back, carried
    root = etree.fromstring(d.body)
    document = root[1] if root.tag == "Envelope" else root
    ns = {"d": document.nsmap[None]}
    grp = document.find("d:FIToFICstmrCdtTrf/d:GrpHdr", ns)
    tx = document.find("d:FIToFICstmrCdtTrf/d:CdtTrfTxInf", ns)
    assert grp is not None and tx is not None
    assert grp.findtext("d:SttlmInf/d:SttlmMtd", namespaces=ns) == method
    box = grp.find("d:SttlmInf/d:ClrSys", ns)
    if clearing is None:
        assert box is None
    else:
        assert box is not None and [(etree.QName(c).localname, c.text) for c in box] == [
            clearing]
    assert tx.findtext("d:ChrgBr", namespaces=ns) == bearer
    if name.startswith("sepa-sct"):  # a bulk pacs.008.001.02 for the STEP2 SCT clearing
        assert d.message_type == "pacs.008.001.02"
        assert grp.findtext("d:InstgAgt/d:FinInstnId/d:BIC", namespaces=ns) == OUR_BIC
        return
    assert d.message_type == "pacs.008.001.08" and root.tag == "Envelope"
    assert grp.findtext("d:NbOfTxs", namespaces=ns) == "1"
    assert tx.findtext("d:InstdAgt/d:FinInstnId/d:BICFI", namespaces=ns) == to_bic
    assert UETR_RE.fullmatch(tx.findtext("d:PmtId/d:UETR", namespaces=ns) or "")
    head = root[0]
    hns = {"h": head.nsmap[None]}
    assert head.findtext("h:To/h:FIId/h:FinInstnId/h:BICFI", namespaces=hns) == to_bic
    assert head.findtext("h:BizSvc", namespaces=hns) == (
        "swift.cbprplus.02" if name.startswith("cbpr") else None)
