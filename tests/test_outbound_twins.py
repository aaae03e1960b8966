"""Differential tests of the outbound pacs.008 writer: the compiled one and its twin.

``iso20022._speedups.pacs_xml`` (``ext/pacs_xml.pyx``) and its pure-Python reference
``iso20022.build._pacs_xml`` must write the same bytes for the same calls.  For the
corpus initiations, for generated pain.001 (both versions, single and bulk, with and
without an AppHdr) and pacs.008 records written by both versions of the writer, and
for hypothesis-varied text (escaping, non-ASCII, characters XML cannot carry) and
writer call sequences, both give equal messages or the same error (type and text).
With ``ISO20022_NO_EXTENSIONS=1`` only the reference runs: the tests then check that
it works on its own.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import implementation_modules
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iso20022
from iso20022 import _impl
from iso20022.build import build_bulk, build_single, plan
from iso20022.errors import OutboundBuildError
from iso20022.records import Account, Agent, Money, Party, PostalAddress, Transfer
from iso20022.route import Route, Routes
from iso20022.synth import pacs008, pain001

from support import COMPILED_DISABLED, CORPUS, corpus_rows, require_corpus

KINDS = ["python"] if COMPILED_DISABLED else ["compiled", "python"]
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "routes.toml"
OUR_BIC = "HANSDEHHXXX"
SINGLE = Routes.from_dict({"default": {
    "name": "cbpr", "adapter": "file", "rail": "swift-cbpr", "format": "pacs.008.001.08",
    "settlement_method": "INDA", "instructed_agent": "CHASUS33XXX",
    "business_service": "swift.cbprplus.02"}})
BULK = Routes.from_dict({"default": {
    "name": "sct", "adapter": "file", "rail": "step2-sct", "format": "pacs.008.001.02-bulk",
    "settlement_method": "CLRG", "clearing_system_proprietary": "ST2", "max_transactions": 7}})

Outcome = tuple[Any, ...]


def outcome(make: Callable[[], Any]) -> Outcome:
    """``("ok", value)`` or ``("error", error type, its text)``."""
    try:
        return ("ok", make())
    except (OutboundBuildError, ValueError, RuntimeError, IndexError) as exc:
        return ("error", type(exc), str(exc))


def same(make: Callable[[], Any]) -> Outcome:
    """Run ``make`` on every implementation; all outcomes equal the reference's."""
    outcomes = {}
    for which in KINDS:
        with implementation_modules(which):
            outcomes[which] = outcome(make)
    reference = outcomes["python"]
    for which, got in outcomes.items():
        assert got == reference, f"{which} differs from the python reference"
    return reference


def write_transactions(transfers: list[Transfer], message_id: str) -> bytes:
    """Every transfer as a ``CdtTrfTxInf`` of one Document, through the chosen writer."""
    xml = _impl.pacs_xml
    w = xml.Writer(message_id)
    w.root()
    w.open("FIToFICstmrCdtTrf")
    for i, t in enumerate(transfers):
        xml.transaction(w, t, tx_id=f"TX{i}", uetr=t.uetr, day=t.interbank_settlement_date,
                        bearer=t.charge_bearer or "SHAR",
                        instructing=OUR_BIC if i % 2 else None,
                        instructed="CHASUS33XXX" if i % 3 else None)
    w.close()
    w.close()
    body: bytes = w.getvalue()
    return body


def test_the_compiled_writer_is_the_one_compared() -> None:
    if COMPILED_DISABLED:
        pytest.skip("compiled implementation disabled by ISO20022_NO_EXTENSIONS")
    with implementation_modules("compiled"):
        assert _impl.pacs_xml.__name__ == "iso20022._speedups.pacs_xml"
        assert _impl.pacs_xml.__file__.endswith((".so", ".pyd"))
    with implementation_modules("python"):
        assert _impl.pacs_xml.__name__ == "iso20022.build._pacs_xml"


# -- generated messages -------------------------------------------------------------------


@pytest.mark.parametrize("version", ["pain.001.001.09", "pain.001.001.03"])
@pytest.mark.parametrize("envelope", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_initiations_give_the_same_deliveries(version: str, envelope: bool,
                                                        seed: int) -> None:
    transfers = list(iso20022.parse(pain001(60, version=version, seed=seed, envelope=envelope)))
    for routes in (Routes.load(EXAMPLE), SINGLE, BULK):
        kind, deliveries = same(lambda r=routes: plan(transfers, r, our_bic=OUR_BIC))
        assert kind == "ok" and deliveries and all(d.body for d in deliveries)


@pytest.mark.parametrize("source", ["pacs.008.001.08", "pacs.008.001.02"])
@pytest.mark.parametrize("target", ["pacs.008.001.08", "pacs.008.001.02"])
@pytest.mark.parametrize("seed", [5, 6, 7])
def test_generated_fi_transfers_write_the_same(source: str, target: str, seed: int) -> None:
    """pacs.008 records carry what initiations do not (intermediaries, InstdAmt, UETR,
    settlement dates): both writers write them alike in both versions."""
    transfers = list(iso20022.parse(pacs008(12, version=source, seed=seed)))
    kind, body = same(lambda: write_transactions(transfers, target))
    assert kind == "ok" and body.count(b"<CdtTrfTxInf>") == len(transfers)


# -- the corpus ---------------------------------------------------------------------------

CORPUS_FILES = [(p, m) for p, m, ok in corpus_rows()
                if ok and m.startswith(("pain.001", "pacs.008"))]


@pytest.mark.corpus
@pytest.mark.parametrize(("path", "mid"), CORPUS_FILES or [("absent", "pain.001")],
                         ids=[p for p, _ in CORPUS_FILES] or ["absent"])
def test_corpus_messages_give_the_same_bytes(path: str, mid: str) -> None:
    require_corpus()
    transfers = list(iso20022.parse(str(CORPUS / path)))
    assert transfers
    for target in ("pacs.008.001.08", "pacs.008.001.02"):
        same(lambda t=target: write_transactions(transfers, t))
    for t in transfers:  # built or refused alike, one by one
        same(lambda t=t: build_single(t, SINGLE.default, our_bic=OUR_BIC))
        same(lambda t=t: build_bulk([t], BULK.default, our_bic=OUR_BIC))


# -- varied text --------------------------------------------------------------------------

# What escaping and checking must get right, among any other characters (surrogates too).
SPECIAL = ["&", "<", ">", '"', "'", "\r", "\n", "\t", "]]>", "&amp;", "\x00", "\x0b", "\x1f",
           "\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\uffff", "\ue000", "é", "€", "😀"]
TEXT = st.lists(st.sampled_from(SPECIAL) | st.characters(blacklist_categories=()),
                max_size=8).map("".join)
WORDS = TEXT | st.sampled_from(["ACME", "Rue 1", "EUR"])


@st.composite
def varied(draw: st.DrawFn, base: Transfer) -> Transfer:
    """``base`` with its text fields replaced by drawn text."""
    address = PostalAddress(street_name=draw(WORDS), town_name=draw(WORDS),
                            address_lines=tuple(draw(st.lists(WORDS, max_size=3))))
    return dataclasses.replace(
        base,
        end_to_end_id=draw(WORDS),
        amount=Money(base.amount.amount, draw(WORDS)),
        debtor=Party(name=draw(WORDS), postal_address=address),
        creditor=Party(name=draw(WORDS), organisation_bic=draw(WORDS)),
        creditor_account=Account(iban=draw(WORDS)),
        debtor_account=Account(iban=draw(WORDS), name=draw(WORDS)),
        creditor_agent=Agent(bic="BNPAFRPPXXX", name=draw(WORDS), postal_address=address),
        purpose_proprietary=draw(WORDS),
        remittance_unstructured=tuple(draw(st.lists(WORDS, max_size=3))),
        creditor_reference=draw(WORDS) or None,
    )


BASE = next(iso20022.parse(pain001(1, seed=4)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(varied(BASE), st.sampled_from([SINGLE.default, BULK.default]))
def test_varied_text_is_escaped_or_refused_alike(t: Transfer, route: Route) -> None:
    def build() -> bytes:
        if route.format == "pacs.008.001.08":
            return build_single(t, route, our_bic=OUR_BIC).body
        return build_bulk([t], route, our_bic=OUR_BIC).body

    same(build)


# -- writer call sequences ----------------------------------------------------------------

TAGS = st.sampled_from(["A", "Nm", "PstlAdr", "Ünï"])
CALLS = st.lists(st.one_of(
    st.tuples(st.just("open"), TAGS, st.none() | TEXT),
    st.tuples(st.just("close")),
    st.tuples(st.just("el"), TAGS, st.none() | TEXT, st.none() | TEXT),
    st.tuples(st.just("opt"), TAGS, st.none() | TEXT),
    st.tuples(st.just("code_or_prtry"), TAGS, st.none() | TEXT, st.none() | TEXT),
    st.tuples(st.just("money"), TAGS, st.decimals(allow_nan=False, allow_infinity=False),
              WORDS),
), max_size=12)


def run_calls(message_id: str, calls: list[tuple[Any, ...]]) -> bytes:
    w = _impl.pacs_xml.Writer(message_id)
    attribute = _impl.pacs_xml.attribute
    w.root()
    for call in calls:
        match call:
            case ("open", tag, attrs):
                w.open(tag, "" if attrs is None else attribute("Ref", attrs))
            case ("close",):
                w.close()
            case ("el", tag, text, attrs):
                w.el(tag, text, "" if attrs is None else attribute("Ccy", attrs))
            case ("opt", tag, text):
                w.opt(tag, text)
            case ("code_or_prtry", tag, code, prtry):
                w.code_or_prtry(tag, code, prtry)
            case ("money", tag, amount, currency):
                w.money(tag, Money(amount, currency))
    body: bytes = w.getvalue()  # RuntimeError unless every element was closed
    return body


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["pacs.008.001.08", "pacs.008.001.02"]), CALLS)
def test_writer_calls_write_the_same(message_id: str, calls: list[tuple[Any, ...]]) -> None:
    same(lambda: run_calls(message_id, calls))


def test_writer_errors_agree() -> None:
    assert same(lambda: run_calls("pacs.008.001.08", [("open", "A", None)]))[:2] == \
        ("error", RuntimeError)
    assert same(lambda: run_calls("pacs.008.001.08", [("close",), ("close",)]))[:2] == \
        ("error", IndexError)
    refused = same(lambda: run_calls("pacs.008.001.08", [("el", "A", "a\x01", None)]))
    assert refused == ("error", ValueError, "character '\\x01' is not allowed in XML")


def test_shared_records_are_copied_alike() -> None:
    """``Writer.shared`` with any writing function: the memo is per tag, record and depth."""
    party = Party(name="D & Co", postal_address=PostalAddress(country="FR"))

    def write() -> bytes:
        w = _impl.pacs_xml.Writer("pacs.008.001.08")
        w.root()
        for _ in range(3):  # three depths
            w.shared(w.party, "Dbtr", party)
            w.shared(w.party, "Cdtr", party)
            w.shared(lambda tag, p: w.el(tag, p.name), "Nm", party)
            w.open("X")
        for _ in range(4):
            w.close()
        body: bytes = w.getvalue()
        return body

    kind, body = same(write)
    assert kind == "ok" and body.count(b"<Nm>D &amp; Co</Nm>") == 9


def test_a_bic_only_agent_without_a_bic_is_written_alike() -> None:
    def write() -> bytes:
        w = _impl.pacs_xml.Writer("pacs.008.001.02")
        w.root()
        w.bic_agent("InstgAgt", "")
        w.agent("InstdAgt", Agent(bic="", name="N", member_id="1"))
        w.close()
        body: bytes = w.getvalue()
        return body

    kind, body = same(write)
    assert kind == "ok" and b"<FinInstnId/>" in body


def test_large_messages_grow_the_buffer_alike() -> None:
    t = dataclasses.replace(BASE, remittance_unstructured=("x" * 140,) * 3)
    kind, out = same(lambda: build_bulk([t] * 400, BULK.default, our_bic=OUR_BIC))
    assert kind == "ok" and len(out.body) > 1 << 18 and out.body.count(b"<Ustrd>") == 1200


def test_stand_in_records_are_read_like_records() -> None:
    """Fields are read from the record classes' slots directly; any other object with the
    same fields (a namespace, a subclass) is read by attribute, with the same result."""
    t = next(iso20022.parse(pain001(3, seed=8)))
    creditor = t.creditor
    assert creditor is not None

    def stand_in(record: Any, **changes: Any) -> SimpleNamespace:
        fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
        return SimpleNamespace(**{**fields, **changes})

    odd = stand_in(t, creditor=stand_in(creditor, name="Stand & In"),
                   amount=stand_in(t.amount))

    def write(record: Any) -> bytes:
        return write_transactions([record], "pacs.008.001.08")

    kind, body = same(lambda: write(odd))
    assert kind == "ok" and b"<Nm>Stand &amp; In</Nm>" in body
    assert same(lambda: write(dataclasses.replace(t, creditor=Party(name="Stand & In")))) \
        != ("ok", body)  # the stand-in's other fields were written too
    for which in KINDS:
        with implementation_modules(which), pytest.raises(AttributeError, match="name"):
            write(dataclasses.replace(t, creditor=SimpleNamespace()))  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT | st.text(max_size=40), max_size=4))
def test_id_tails_agree(parts: list[str]) -> None:
    """The digest part of every outbound id (MsgId, BizMsgIdr, TxId), or the same error."""
    result = same(lambda: _impl.pacs_xml.id_tail(*parts))
    assert result[0] == "error" or re.fullmatch("[A-Z2-7]{20}", result[1])


def test_shared_records_interleaved_and_at_other_depths_are_written_alike() -> None:
    """The compiled writer remembers, per place, the shared record it wrote last; the twin
    remembers every one.  Records of two PmtInfs taking turns, one record in several places,
    and a record written again deeper in the document, give the same bytes."""
    ts = list(iso20022.parse(pain001(8, seed=9, n_pmtinf=2)))
    by_debtor: dict[int, list[Transfer]] = {}
    for t in ts:
        by_debtor.setdefault(id(t.debtor), []).append(t)
    first, second = by_debtor.values()  # two PmtInfs, each with its own shared debtor
    turns = [t for pair in zip(first, second, strict=False) for t in pair]
    again = [dataclasses.replace(t, ultimate_debtor=t.debtor, ultimate_creditor=t.debtor)
             for t in turns]

    def write() -> bytes:
        xml = _impl.pacs_xml
        w = xml.Writer("pacs.008.001.08")
        w.root()
        for depth, t in enumerate(again):
            xml.transaction(w, t, tx_id="T", uetr=None, day=None, bearer="SLEV",
                            instructing=None, instructed=None)
            if depth % 3 == 0:
                w.open("Deeper")
        while True:
            try:
                w.close()
            except IndexError:
                break
        body: bytes = w.getvalue()
        return body

    kind, body = same(write)
    assert kind == "ok" and body.count(b"<Dbtr>") == len(again)
