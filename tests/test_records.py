"""Records and their JSON contract."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import jsonschema
import orjson
import pytest

import iso20022
from iso20022.jsonio import RecordDecodeError, from_dict, from_json, json_schema, to_dict
from iso20022.records import (
    Account,
    Agent,
    Charge,
    GenericId,
    MessageHeader,
    Money,
    Party,
    PostalAddress,
    Source,
    Transfer,
)

from support import CORPUS, corpus_rows

SCHEMA_FILE = Path(iso20022.__file__).parent / "transfer.schema.json"


def sample() -> Transfer:
    header = MessageHeader(message_type="pacs.008.001.08", message_id="MSG-1",
                           creation_date_time=datetime.fromisoformat("2026-11-25T10:00:00.5+01:00"),
                           number_of_transactions=1, control_sum=Decimal("1000000.10"))
    return Transfer(
        message=header,
        amount=Money(Decimal("1000000.10"), "EUR"),
        end_to_end_id="E2E/ü&<1>",
        uetr="eb6305c9-1f7f-49de-aed0-16487c27b42d",
        interbank_settlement_date=date(2026, 11, 26),
        exchange_rate=Decimal("1.0000012345"),
        charges=(Charge(amount=Money(Decimal("0.00"), "EUR"), agent=Agent(bic="DEUTDEFFXXX")),),
        debtor=Party(name="Müller & Söhne", postal_address=PostalAddress(
            country="DE", address_lines=("Hauptstr. 1", "10115 Berlin")),
            organisation_ids=(GenericId(id="123", scheme_code="TXID"),)),
        creditor_account=Account(iban="DE89370400440532013000", currency="EUR"),
        remittance_unstructured=("invoice 1", "invoice 2"),
        source=Source(file="a.xml", index=3, line=42),
    )


def test_records_are_immutable_and_slotted() -> None:
    t = sample()
    with pytest.raises(FrozenInstanceError):
        t.end_to_end_id = "x"  # type: ignore[misc]
    assert not hasattr(t, "__dict__")


def test_json_round_trip_is_exact() -> None:
    t = sample()
    data = orjson.loads(t.to_json())
    assert data["amount"] == {"amount": "1000000.10", "currency": "EUR"}
    assert data["exchange_rate"] == "1.0000012345"
    assert data["message"]["creation_date_time"] == "2026-11-25T10:00:00.500000+01:00"
    assert data["interbank_settlement_date"] == "2026-11-26"
    assert "instruction_id" not in data  # absent values are omitted
    assert "ultimate_debtor" not in data
    assert Transfer.from_json(t.to_json()) == t
    assert from_json(t.to_json()).amount.amount.as_tuple() == Decimal("1000000.10").as_tuple()


def test_no_float_ever_appears_in_json() -> None:
    def walk(v: object) -> None:
        assert not isinstance(v, float)
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(orjson.loads(sample().to_json()))


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d.update(surprise=1), "unknown field"),
        (lambda d: d.pop("end_to_end_id"), "missing field"),
        (lambda d: d["amount"].update(amount=12.5), "expected a decimal string"),
        (lambda d: d["amount"].update(amount="12,5"), "not a decimal"),
        (lambda d: d["amount"].update(amount="NaN"), "not a finite decimal"),
        (lambda d: d.update(interbank_settlement_date="26/11/2026"), "not an ISO date"),
        (lambda d: d["message"].update(number_of_transactions="1"), "expected int"),
        (lambda d: d["message"].update(number_of_transactions=True), "expected int"),
        (lambda d: d.update(uetr=None), "null is not allowed"),
        (lambda d: d.update(remittance_unstructured="x"), "expected an array"),
    ],
)
def test_decoding_is_strict(mutate: object, words: str) -> None:
    data = orjson.loads(sample().to_json())
    mutate(data)  # type: ignore[operator]
    with pytest.raises(RecordDecodeError, match=words):
        from_dict(Transfer, data)


def test_not_json_is_a_decode_error() -> None:
    with pytest.raises(RecordDecodeError, match="not JSON"):
        Transfer.from_json(b"{nope")


def test_the_schema_file_is_generated_from_the_records() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema(), (
        "regenerate with: iso20022 schema > iso20022/transfer.schema.json")


def test_real_output_satisfies_the_schema_and_the_schema_rejects_drift() -> None:
    validator = jsonschema.Draft202012Validator(json_schema(),
                                                format_checker=jsonschema.FormatChecker())
    validator.validate(orjson.loads(sample().to_json()))
    rows = [r for r in corpus_rows() if r[2] and r[1].startswith(("pain.001.", "pacs.008."))]
    checked = 0
    for rel, _, _ in rows:
        for t in iso20022.parse(CORPUS / rel):
            validator.validate(orjson.loads(t.to_json()))
            checked += 1
    assert checked >= (100 if rows else 0)
    bad = to_dict(sample())
    bad["amount"]["amount"] = 12.5
    assert not validator.is_valid(bad)
    bad = to_dict(sample())
    bad["endToEndId"] = "x"
    assert not validator.is_valid(bad)
