"""IBAN, BIC and currency checks: the fast IBAN check equals schwifty's on every input."""

from __future__ import annotations

import string

import pytest
import schwifty
from hypothesis import given
from hypothesis import strategies as st
from schwifty import registry

from iso20022.validation.identifiers import (
    bic_problem,
    currency_exponent,
    iban_problem,
    is_currency,
)

_COUNTRIES = sorted(registry.get_countries())  # every IBAN country schwifty knows


def _schwifty_valid(text: str) -> bool:
    try:
        schwifty.IBAN(text)
    except (ValueError, schwifty.exceptions.SchwiftyException):
        return False
    return True


def _with_check_digits(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


@st.composite
def _ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(_COUNTRIES))
    spec = registry.get_iban_spec(country)
    alphabet = string.digits if draw(st.booleans()) else string.digits + string.ascii_uppercase
    bban = draw(st.text(alphabet, min_size=spec.bban_length, max_size=spec.bban_length))
    iban = _with_check_digits(country, bban)
    mutation = draw(st.sampled_from(["none", "digit", "length", "swap", "country"]))
    if mutation == "digit":
        k = draw(st.integers(2, len(iban) - 1))
        iban = iban[:k] + draw(st.sampled_from(string.digits)) + iban[k + 1:]
    elif mutation == "length":
        iban = iban[:-1] if draw(st.booleans()) else iban + "0"
    elif mutation == "swap" and len(iban) > 6:
        iban = iban[:4] + iban[5] + iban[4] + iban[6:]
    elif mutation == "country":
        iban = draw(st.sampled_from(["XX", "QZ", "de"])) + iban[2:]
    return iban


@given(_ibans())
def test_iban_check_equals_schwifty(iban: str) -> None:
    # schwifty first normalises (upper case, no spaces); an IBAN in a message is
    # in its electronic form already (ISO 13616, and the XSD pattern), so a
    # lower-case one is refused here: stricter on form, equal on everything else.
    canonical = iban == iban.upper()
    assert (iban_problem(iban) is None) == (_schwifty_valid(iban) and canonical), (
        iban_problem(iban))


@pytest.mark.parametrize("iban", [
    "DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606",
    "NL91ABNA0417164300", "PK36SCBL0000001123456702", "SA0380000000608010167519",
])
def test_real_ibans_pass(iban: str) -> None:
    assert iban_problem(iban) is None and _schwifty_valid(iban)


@pytest.mark.parametrize(("iban", "why"), [
    ("DE89370400440532013001", "mod 97"),
    ("DE8937040044053201300", "22 characters"),
    ("XX89370400440532013000", "unknown IBAN country"),
    ("de89370400440532013000", "not an IBAN"),
    ("GB82WEST1234569876543A", "format"),
])
def test_bad_ibans_say_why(iban: str, why: str) -> None:
    problem = iban_problem(iban)
    assert problem is not None and why in problem


@pytest.mark.parametrize(("bic", "ok"), [
    ("DEUTDEFF", True), ("DEUTDEFF500", True), ("BNPAFRPPXXX", True), ("SCBLPKKX", True),
    ("DEUTXXFF", False), ("DEUTDEF", False), ("deutdeff", False), ("DEUT1EFF", False),
])
def test_bic_form_and_country(bic: str, ok: bool) -> None:
    assert (bic_problem(bic) is None) is ok
    if ok:
        schwifty.BIC(bic, allow_invalid=False)


def test_currency_codes_and_decimals() -> None:
    assert [currency_exponent(c) for c in ("JPY", "EUR", "KWD", "CLF")] == [0, 2, 3, 4]
    assert is_currency("PKR") and is_currency("CNY")
    assert not is_currency("EUX") and not is_currency("eur")
