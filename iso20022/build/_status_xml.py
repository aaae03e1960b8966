"""Status-report XML helpers: the per-version layouts and values fitted to their types.

Contract (private to :mod:`iso20022.build.status`):

* :data:`LAYOUTS` holds one :class:`Layout` per pain.002 / pacs.002 version the
  builder writes, checked against its official XSD (``schemas/`` or
  ``../shared/xsd``): the root element, the BIC element of an initiating party
  or agent and its pattern, and whether ``OrgnlUETR`` exists.  Within each
  family the element order used by the builder is the same in every listed
  version; only these differences matter for what a report says.
* The ``fit_*`` helpers return text that is valid for its XSD type, or
  ``None`` when the value cannot be represented (the builder then omits an
  optional element or uses a documented fallback for a mandatory one).  They
  never raise.  Text is cut by characters (XSD lengths count characters), and
  characters XML 1.0 cannot carry become U+FFFD.
* :func:`sub` appends a child element; :func:`document` writes the namespaced Document.

Example:
    >>> fit_text("a" * 40, 35) == "a" * 35
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from lxml import etree

__all__ = [
    "BIC_2009",
    "BIC_2014",
    "LAYOUTS",
    "Layout",
    "chunks",
    "document",
    "fit_amount",
    "fit_bic",
    "fit_count",
    "fit_datetime",
    "fit_decimal",
    "fit_text",
    "fit_uetr",
    "sub",
]

BIC_2009: Final = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")
"""BICIdentifier / AnyBICIdentifier / BICFIIdentifier (pain.002.001.03, pacs.002.001.03/.08)."""

BIC_2014: Final = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
"""BICFIDec2014Identifier / AnyBICDec2014Identifier (pain.002.001.10+, pacs.002.001.10+)."""

_UETR: Final = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}")
_CCY: Final = re.compile(r"[A-Z]{3}")
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Layout:
    """What differs between the report versions the builder writes."""

    root: str  # CstmrPmtStsRpt (pain.002) or FIToFIPmtStsRpt (pacs.002)
    bic_tag: str  # BICOrBEI / AnyBIC (pain InitgPty/Id/OrgId), BIC / BICFI (pacs FinInstnId)
    bic_pattern: re.Pattern[str]
    has_uetr: bool  # TxInfAndSts/OrgnlUETR

    @property
    def is_pain(self) -> bool:
        """True for a pain.002 (payment information level and InitgPty), False for pacs.002."""
        return self.root == "CstmrPmtStsRpt"


_PAIN_2009: Final = Layout("CstmrPmtStsRpt", "BICOrBEI", BIC_2009, has_uetr=False)
_PAIN_2019: Final = Layout("CstmrPmtStsRpt", "AnyBIC", BIC_2014, has_uetr=True)
_PACS_2009: Final = Layout("FIToFIPmtStsRpt", "BIC", BIC_2009, has_uetr=False)
_PACS_2017: Final = Layout("FIToFIPmtStsRpt", "BICFI", BIC_2009, has_uetr=False)
_PACS_2019: Final = Layout("FIToFIPmtStsRpt", "BICFI", BIC_2014, has_uetr=True)

LAYOUTS: Final[dict[str, Layout]] = {
    "pain.002.001.03": _PAIN_2009,
    "pain.002.001.10": _PAIN_2019,
    "pain.002.001.11": _PAIN_2019,
    "pain.002.001.12": _PAIN_2019,
    "pain.002.001.14": _PAIN_2019,
    "pain.002.001.15": _PAIN_2019,
    "pacs.002.001.03": _PACS_2009,
    "pacs.002.001.08": _PACS_2017,
    "pacs.002.001.10": _PACS_2019,
    "pacs.002.001.11": _PACS_2019,
    "pacs.002.001.12": _PACS_2019,
    "pacs.002.001.14": _PACS_2019,
}
"""Report version -> layout, for every version whose official XSD the tests validate against."""


def fit_text(value: str | None, max_length: int) -> str | None:
    """``value`` as a MaxNText (1..max_length characters, XML-safe), or None when empty."""
    if not value:
        return None
    return _NOT_XML.sub("\ufffd", value[:max_length])


def chunks(value: str, size: int = 105) -> list[str]:
    """``value`` made XML-safe and cut into pieces of at most ``size`` characters."""
    clean = _NOT_XML.sub("\ufffd", value)
    return [clean[start:start + size] for start in range(0, len(clean), size)]


def _fits(value: Decimal, fraction_digits: int, total_digits: int) -> bool:
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    fraction = max(-exponent, 0)
    integer = max(len(digits) + exponent, 0)
    return fraction <= fraction_digits and integer + fraction <= total_digits


def _plain(value: Decimal, fraction_digits: int, total_digits: int) -> str | None:
    # The text is the value as written (1000.10 stays 1000.10, never 1000.1);
    # only when that text is too long for the facets are trailing zeros of the
    # fraction dropped (the same value), and a value that still does not fit is None.
    if not value.is_finite():
        return None
    if _fits(value, fraction_digits, total_digits):
        return format(value, "f")
    reduced = value.normalize()
    if reduced == value and _fits(reduced, fraction_digits, total_digits):  # no rounding
        return format(reduced, "f")
    return None


def fit_decimal(value: Decimal | None) -> str | None:
    """A DecimalNumber (18 digits, 17 after the point) written exactly, or None."""
    if value is None:
        return None
    return _plain(value, 17, 18)


def fit_amount(value: Decimal, currency: str) -> tuple[str, str] | None:
    """``(text, Ccy)`` of an ActiveOrHistoricCurrencyAndAmount, or None when it does not fit."""
    if not _CCY.fullmatch(currency) or not value.is_finite() or value < 0:
        return None
    text = _plain(value, 5, 18)
    return None if text is None else (text, currency)


def fit_count(value: int | None) -> str | None:
    """A Max15NumericText count, or None."""
    if value is None or value < 0 or value >= 10**15:
        return None
    return str(value)


def fit_uetr(value: str | None) -> str | None:
    """A UUIDv4Identifier, or None (a malformed UETR is not repeated back)."""
    if value is None or not _UETR.fullmatch(value):
        return None
    return value


def fit_bic(value: str | None, pattern: re.Pattern[str]) -> str | None:
    """``value`` when it is a BIC of the version's pattern, else None."""
    if value is None or not pattern.fullmatch(value):
        return None
    return value


def fit_datetime(value: datetime) -> str:
    """An ISODateTime: ISO 8601 text of ``value``, offset kept, whole minutes only."""
    offset = value.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        value = value.replace(tzinfo=None)  # xs:dateTime has no second-level offsets
    return value.isoformat()


def sub(parent: etree._Element, tag: str, text: str | None = None,
        **attributes: str) -> etree._Element:
    """Append ``<tag>text</tag>`` to ``parent`` and return it.

    Elements are built without a namespace (lxml creates them twice as fast);
    :func:`document` puts the report element inside its namespaced Document.
    """
    child = etree.SubElement(parent, tag, attributes)
    if text is not None:
        child.text = text
    return child


def document(namespace: str, report: etree._Element) -> bytes:
    """The UTF-8 document: declaration, ``<Document xmlns=namespace>``, ``report``, end tag.

    ``report`` and its descendants have no namespace and no prefixes, so inside
    the Document's default namespace they are the report's elements.
    """
    body = etree.tostring(report, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    start = f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{namespace}">\n'
    return start.encode() + body + b"</Document>\n"
