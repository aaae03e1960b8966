"""Identifier checks: IBAN (ISO 13616), BIC (ISO 9362), currency (ISO 4217).

The rules and data come from maintained libraries of the field: schwifty's
IBAN registry (country, length, BBAN format per country) and the ``iso4217``
package (codes and their minor units).  The IBAN check itself is a short
function over schwifty's registry rather than ``schwifty.IBAN(...)``:
constructing an ``IBAN`` object costs about 15 microseconds, which at two
accounts per transaction is more than the whole rest of the rule pass; the
function is tested equal to schwifty on generated, mutated and real IBANs
(tests/test_identifiers.py).  Results are cached, since files repeat the same
debtor accounts and agents.

Example:
    >>> iban_problem("DE89370400440532013000") is None
    True
    >>> iban_problem("DE89370400440532013001")
    'check digits do not match (mod 97)'
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = [
    "UUID4",
    "bic_problem",
    "currency_exponent",
    "currency_exponents",
    "iban_country",
    "iban_problem",
    "is_currency",
]

_IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
# ISO 13616 mod 97-10: each letter stands for its two-digit number (A = 10 ... Z = 35).
_LETTER_DIGITS = {ord(c): str(ord(c) - ord("A") + 10) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
# ISO 9362 (2014): 4 alphanumeric party prefix, 2-letter country, 2 alphanumeric
# location, optional 3 alphanumeric branch.
_BIC_RE = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
"""A UETR's form: a lower-case UUID version 4 (its ``fullmatch`` is the rule)."""


@functools.lru_cache(maxsize=65536)
def iban_problem(iban: str) -> str | None:
    """What is wrong with ``iban`` (structure, country, length, BBAN format, mod-97), or None."""
    if not _IBAN_RE.fullmatch(iban):
        return "not an IBAN: two letters, two digits, then letters and digits"
    spec = _iban_spec(iban[:2])
    if spec is None:
        return f"unknown IBAN country {iban[:2]!r}"
    if len(iban) != spec.iban_length:
        return f"{iban[:2]} IBANs have {spec.iban_length} characters, not {len(iban)}"
    if not spec.regex.match(iban[4:]):
        return f"the account part does not have the {iban[:2]} format {spec.bban_spec}"
    if int((iban[4:] + iban[:4]).translate(_LETTER_DIGITS)) % 97 != 1:
        return "check digits do not match (mod 97)"
    return None


@functools.cache
def _iban_spec(country: str) -> Any:
    from schwifty import registry  # imported on first use: it costs a quarter second

    try:
        return registry.get_iban_spec(country)
    except Exception:  # schwifty raises its own lookup errors for unknown countries
        return None


def iban_country(iban: str) -> str:
    """The country code of an IBAN (its first two letters)."""
    return iban[:2]


@functools.cache
def _countries() -> frozenset[str]:
    import pycountry  # schwifty's own dependency; the ISO 3166 list

    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


@functools.lru_cache(maxsize=16384)
def bic_problem(bic: str) -> str | None:
    """What is wrong with ``bic`` as an ISO 9362 BIC (form and country), or None."""
    if not _BIC_RE.fullmatch(bic):
        return "not a BIC: 4 letters or digits, country, 2 location characters, optional branch"
    if bic[4:6] not in _countries():
        return f"unknown BIC country {bic[4:6]!r}"
    return None


@functools.cache
def _currencies() -> dict[str, int | None]:
    import iso4217

    return {c.code: c.exponent for c in iso4217.Currency}


def currency_exponents() -> dict[str, int | None]:
    """Every active ISO 4217 code with the decimals it allows (None: not applicable, XAU)."""
    return _currencies()


def is_currency(code: str) -> bool:
    """True when ``code`` is an active ISO 4217 currency code."""
    return code in _currencies()


def currency_exponent(code: str) -> int | None:
    """The number of decimals ISO 4217 allows for ``code`` (JPY 0, EUR 2, KWD 3), None if n/a."""
    return _currencies().get(code)
