"""The gateway's fast record encoder gives exactly ``jsonio.to_dict`` (the contract)."""

from __future__ import annotations

import enum
from dataclasses import replace
from decimal import Decimal

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iso20022
from iso20022 import synth
from iso20022.gateway._encode import transfers_data
from iso20022.jsonio import to_dict
from iso20022.records import Money

from support import corpus_rows, require_corpus

SAMPLES = [path for path, mid, valid in corpus_rows()
           if mid.startswith(("pain.001.", "pacs.008."))
           and iso20022.MessageId.parse(mid) in iso20022.supported_messages()]


def _same(transfers: list[iso20022.Transfer]) -> None:
    fast = transfers_data(transfers)
    assert orjson.dumps(fast) == orjson.dumps([to_dict(t) for t in transfers])


@pytest.mark.corpus
def test_equal_to_to_dict_on_every_corpus_sample() -> None:
    corpus = require_corpus()
    checked = 0
    for path in SAMPLES:
        try:
            transfers = list(iso20022.parse((corpus / path).read_bytes()))
        except iso20022.Iso20022Error:
            continue  # a sample the parser refuses has no records to encode
        _same(transfers)
        checked += 1
    assert checked >= 100


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), seed=st.integers(0, 10_000), pain=st.booleans(),
       envelope=st.booleans())
def test_equal_to_to_dict_on_generated_messages(n: int, seed: int, pain: bool,
                                                envelope: bool) -> None:
    if pain:
        document = synth.pain001(n, seed=seed, envelope=envelope, n_pmtinf=min(n, 1 + seed % 3))
    else:
        document = synth.pacs008(n, seed=seed, envelope=envelope)
    _same(list(iso20022.parse(document)))


def test_shared_records_are_copies_and_subclasses_take_the_reference_rules() -> None:
    transfers = list(iso20022.parse(synth.pacs008(2, seed=5)))
    assert transfers[0].message is transfers[1].message  # the header object is shared
    data = transfers_data(transfers)
    data[0]["message"]["message_id"] = "changed"
    assert data[1]["message"]["message_id"] != "changed"

    class Dec(Decimal):
        pass

    class Currency(enum.StrEnum):
        EUR = "EUR"

    odd = replace(transfers[0], amount=Money(Dec("1.50"), Currency.EUR))
    assert transfers_data([odd])[0]["amount"] == to_dict(odd)["amount"] == {
        "amount": "1.50", "currency": Currency.EUR}
