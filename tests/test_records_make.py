"""The compiled record constructor builds exactly what the dataclass constructor builds."""

from __future__ import annotations

import dataclasses
import gc
import importlib
import sys
from datetime import date, datetime
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from iso20022 import records

from support import COMPILED_DISABLED

RECORD_TYPES = [getattr(records, name) for name in records.__all__]


@pytest.fixture(params=[pytest.param("compiled", marks=pytest.mark.compiled), "python"])
def make_module(request: pytest.FixtureRequest) -> ModuleType:
    if request.param == "compiled":
        if COMPILED_DISABLED:
            pytest.skip("compiled implementation disabled by ISO20022_NO_EXTENSIONS")
        return importlib.import_module("iso20022._speedups.records")
    return importlib.import_module("iso20022._records_py")


def sample_values(cls: type, full: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if not (full or required):
            continue
        tp = str(f.type)
        if "Decimal" in tp:
            values[f.name] = Decimal("12.30")
        elif "datetime" in tp:
            values[f.name] = datetime(2026, 11, 25, 10, 0)
        elif "date" in tp:
            values[f.name] = date(2026, 11, 25)
        elif "bool" in tp:
            values[f.name] = True
        elif "int" in tp:
            values[f.name] = 7
        elif "tuple" in tp:
            values[f.name] = ()
        elif tp.startswith("str"):
            values[f.name] = f"{f.name}-value"
        else:
            values[f.name] = None
    return values


@pytest.mark.parametrize("cls", RECORD_TYPES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("full", [False, True], ids=["required", "all"])
def test_make_equals_the_constructor(make_module: ModuleType, cls: type, full: bool) -> None:
    values = sample_values(cls, full)
    if cls is records.Transfer:
        values["message"] = records.MessageHeader(
            message_type="pacs.008.001.08", message_id="M", number_of_transactions=1,
            creation_date_time=datetime(2026, 1, 1))
        values["amount"] = records.Money(Decimal("1.00"), "EUR")
        values.pop("payment", None)
        values.pop("source", None)
    made = make_module.make(cls, dict(values))
    assert type(made) is cls
    assert made == cls(**values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, dataclasses.fields(cls)[0].name, None)


def test_missing_and_unknown_fields_are_type_errors(make_module: ModuleType) -> None:
    with pytest.raises(TypeError, match="currency"):
        make_module.make(records.Money, {"amount": Decimal(1)})
    with pytest.raises(TypeError, match="colour"):
        make_module.make(records.Money, {"amount": Decimal(1), "currency": "EUR", "colour": 1})


def test_default_factories_give_fresh_defaults(make_module: ModuleType) -> None:
    header = records.MessageHeader(message_type="x", message_id="M", number_of_transactions=0,
                                   creation_date_time=datetime(2026, 1, 1))
    t = make_module.make(records.Transfer, {"message": header, "end_to_end_id": "E",
                                            "amount": records.Money(Decimal(1), "EUR")})
    assert t.source == records.Source()


def test_no_reference_is_leaked_or_lost(make_module: ModuleType) -> None:
    value = "a-unique-string-for-refcounts-" + "x" * 10
    before = sys.getrefcount(value)
    made = [make_module.make(records.Money, {"amount": Decimal(1), "currency": value})
            for _ in range(1000)]
    assert sys.getrefcount(value) == before + 1000
    del made
    gc.collect()
    assert sys.getrefcount(value) == before
