"""Typed values: the compiled scanner's C conversions read every lexical form as the twin does.

The compiled path converts plainly written decimals, whole numbers, booleans and
dates in C and hands anything else to ``iso20022.parse._build.convert``; both
implementations must give equal records, or the same error class, path, code
and message, for each form below (valid, edge and malformed).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from conftest import implementation_modules
from hypothesis import example, given, settings
from hypothesis import strategies as st

import iso20022
from iso20022.errors import ParseError

from support import COMPILED_DISABLED, small_pacs008

DECIMALS = ["0", "12.50", "+1", "-1.5", ".5", "5.", "00012.500", "1234567890123.4567890123",
            "1e3", " 1 ", "\t2.5\n", "", "+", ".", "-.", "1.2.3", "\u0661\u0662", "12,5"]
DATES = ["2026-11-25", "2024-02-29", "2023-02-29", "2026-04-31", "0000-01-01", "0001-01-01",
         "9999-12-31", "2026-1-05", "2026-01-05Z", "2026-01-05+01:00", " 2026-01-05 ",
         "12026-01-05", "-2026-01-05", "2026-00-10", "2026-13-10", "2026-01-00", "2026/01/05",
         "2026-01-0x", ""]
INTS = ["1", "007", "123456789012345678", "1234567890123456789", "12345678901234567890123",
        "+1", "-1", " 2 ", "", "1.0", "\u0661"]
BOOLS = ["true", "false", "1", "0", "True", " true ", "yes", ""]
DATETIMES = ["2026-11-25T10:00:00", "2026-11-25T10:00:00.123456", "2026-11-25T10:00:00Z",
             "2026-11-25T10:00:00+01:00", "2026-11-25T10:00:00.1-05:30", " 2026-11-25T10:00:00\n",
             "2026-11-25 10:00:00", "2026-11-25T25:00:00", "2026-02-30T10:00:00",
             "2026-11-25T10:00", "2026-11-25T10:00:00.1234567", "2026-11-25T10:00:00+24:00",
             "20261125T100000", "2026-11-25T10:00:00\u00e9", "2026-11-25T10:00:0\u0661", ""]


def outcome(data: bytes) -> tuple[Any, ...]:
    """("ok", transfers) or ("error", class, path, code, message)."""
    try:
        return ("ok", list(iso20022.parse(data)))
    except ParseError as exc:
        return ("error", type(exc), exc.path, exc.code, str(exc))


def both(data: bytes) -> tuple[Any, ...]:
    """The reference's outcome, after checking that the compiled one is equal."""
    kinds = ["python"] if COMPILED_DISABLED else ["python", "compiled"]
    results = {}
    for which in kinds:
        with implementation_modules(which):
            results[which] = outcome(data)
    for which, result in results.items():
        assert result == results["python"], f"{which} differs from the python reference"
    return results["python"]


@pytest.mark.parametrize("text", DECIMALS)
def test_decimal_forms(text: str) -> None:
    result = both(small_pacs008(amount=text))
    if result[0] == "ok":
        assert result[1][0].amount.amount == Decimal(text.strip())
    else:
        assert result[3] == "AM12"


# Plain decimals the compiled path writes into a Decimal itself (up to 19 significant
# digits) and, past that, leaves to Decimal(): each must be the Decimal of its text with
# the same sign, digits and exponent (Decimal equality alone ignores the exponent).
EXACT_DECIMALS = ["0", "0.00", "-0", "-0.00", "+0.", "12.50", "-12.3400", "007.250", ".5", "-.5",
                  "5.", "1234567890123456789", "9999999999999999999", "10000000000000000000",
                  "18446744073709551616", "0.0000000000000000000001", "00000000000000000000012.5",
                  "1" + "0" * 30 + ".5", "3." + "1" * 70]


@pytest.mark.parametrize("text", EXACT_DECIMALS)
def test_decimals_are_exactly_those_of_their_text(text: str) -> None:
    kinds = ["python"] if COMPILED_DISABLED else ["python", "compiled"]
    for which in kinds:
        with implementation_modules(which):
            (t,) = iso20022.parse(small_pacs008(amount=text))
        value, expected = t.amount.amount, Decimal(text)
        assert type(value) is Decimal
        assert (value.as_tuple(), str(value), hash(value)) == \
            (expected.as_tuple(), str(expected), hash(expected)), which
        assert value.compare_total(expected) == 0 and value + 1 == expected + 1


@pytest.mark.parametrize("text", DATES)
def test_date_forms(text: str) -> None:
    result = both(small_pacs008(extra=f"<IntrBkSttlmDt>{text}</IntrBkSttlmDt>"))
    if result[0] == "ok":
        assert isinstance(result[1][0].interbank_settlement_date, date)
    else:
        assert result[3] == "DT01"
        assert result[2].endswith("/CdtTrfTxInf[1]/IntrBkSttlmDt")


@pytest.mark.parametrize("text", INTS)
def test_whole_number_forms(text: str) -> None:
    data = small_pacs008().replace(b"<NbOfTxs>1</NbOfTxs>", f"<NbOfTxs>{text}</NbOfTxs>".encode())
    result = both(data)
    if result[0] == "ok":
        assert result[1][0].message.number_of_transactions == int(text.strip())
    else:
        assert result[3] == "AM18"


@pytest.mark.parametrize("text", BOOLS)
def test_boolean_forms(text: str) -> None:
    data = small_pacs008().replace(b"<NbOfTxs>", f"<BtchBookg>{text}</BtchBookg><NbOfTxs>".encode())
    result = both(data)
    if result[0] == "ok":
        assert result[1][0].message.batch_booking is (text.strip() in ("true", "1"))
    else:
        assert result[2].endswith("/GrpHdr/BtchBookg")


@pytest.mark.parametrize("text", DATETIMES)
def test_date_time_forms(text: str) -> None:
    data = small_pacs008().replace(b"2026-11-25T10:00:00", text.encode())
    result = both(data)
    if result[0] == "ok":
        assert result[1][0].message.creation_date_time.year == 2026
    else:
        assert result[2].endswith("/GrpHdr/CreDtTm")


# Text of each width CPython stores a str in (ASCII, Latin-1, UCS-2, UCS-4) and mixed:
# the compiled path builds such a str itself from the checked UTF-8.
TEXTS = ["Debtor", "Köhler", "ÿé", "Āx", "Ω", "金桥科技股份有限公司", "a😀b", "é😀", "x" * 9 + "é",
         "é" * 40, "Zürich &amp; Genève"]


@pytest.mark.parametrize("text", TEXTS)
def test_texts_are_read_as_written(text: str) -> None:
    kinds = ["python"] if COMPILED_DISABLED else ["python", "compiled"]
    for which in kinds:
        with implementation_modules(which):
            (t,) = iso20022.parse(small_pacs008(text))
        assert t.debtor.name == text.replace("&amp;", "&"), which


# Date-times the compiled path builds itself (naive, Z, +00:00) and some it leaves to
# fromisoformat: each must be fromisoformat's, time zone object included.
EXACT_DATETIMES = ["2026-11-25T10:00:00", "2026-11-25T10:00:00Z", "2026-11-25T10:00:00+00:00",
                   "2026-11-25T10:00:00-00:00", "2026-11-25T10:00:00+01:00", "2024-02-29T23:59:59Z",
                   "0001-01-01T00:00:00", "9999-12-31T23:59:59+00:00", "2026-11-25T10:00:00.5Z"]


@pytest.mark.parametrize("text", EXACT_DATETIMES)
def test_date_times_are_those_of_fromisoformat(text: str) -> None:
    expected = datetime.fromisoformat(text)
    kinds = ["python"] if COMPILED_DISABLED else ["python", "compiled"]
    for which in kinds:
        with implementation_modules(which):
            (t,) = iso20022.parse(small_pacs008().replace(b"2026-11-25T10:00:00", text.encode()))
        value = t.message.creation_date_time
        assert (repr(value), value.tzinfo is UTC) == \
            (repr(expected), expected.tzinfo is UTC), which


def test_the_examples_are_read_as_written() -> None:
    """A few exact values, so the comparison above cannot pass on two equal mistakes."""
    (t,) = both(small_pacs008(amount="00012.500",
                              extra="<IntrBkSttlmDt>2024-02-29</IntrBkSttlmDt>"))[1]
    assert str(t.amount.amount) == "12.500"
    assert t.interbank_settlement_date == date(2024, 2, 29)
    assert t.message.number_of_transactions == 1


_NO_ID = "<UltmtCdtr><Id><OrgId><Othr><Issr>X</Issr></Othr></OrgId></Id></UltmtCdtr>"
_NO_AMOUNT = "<ChrgsInf><Agt><FinInstnId><BICFI>AAAAUS33</BICFI></FinInstnId></Agt></ChrgsInf>"


@pytest.mark.parametrize("extra", [_NO_ID + _NO_AMOUNT, _NO_AMOUNT + _NO_ID])
def test_of_two_incomplete_records_the_first_in_document_order_is_reported(extra: str) -> None:
    """The compiled builder converts collected values in the order the twin's dicts do."""
    result = both(small_pacs008(extra=extra))
    assert result[0] == "error"
    # GenericId.id is found under its first table path; Charge.amount has none of its own.
    first = "Othr/Id [" if extra.startswith(_NO_ID) else "missing required Charge.amount"
    assert first in result[4]


_DIGITS = st.text("0123456789", max_size=24)
_PLAIN_DECIMALS = st.builds(
    lambda sign, whole, point, fraction: sign + whole + ("." + fraction if point else ""),
    st.sampled_from(["", "+", "-"]), _DIGITS, st.booleans(), _DIGITS,
).filter(lambda text: any(c.isdigit() for c in text))


@settings(max_examples=400, deadline=None)
@given(text=_PLAIN_DECIMALS)
@example(text="9999999999999999999.0")
@example(text="-0000000000000000000001")
def test_any_plain_decimal_is_exactly_the_decimal_of_its_text(text: str) -> None:
    """Amounts are money: sign, every digit and the exponent survive on both paths."""
    kinds = ["python"] if COMPILED_DISABLED else ["python", "compiled"]
    expected = Decimal(text)
    for which in kinds:
        with implementation_modules(which):
            (t,) = iso20022.parse(small_pacs008(amount=text))
        value = t.amount.amount
        assert type(value) is Decimal, which
        assert (value.as_tuple(), str(value), hash(value)) == \
            (expected.as_tuple(), str(expected), hash(expected)), which
