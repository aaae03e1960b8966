"""Element order and code lists of an official ISO 20022 XSD, for the table-driven writer.

ISO 20022 schemas are flat: named ``complexType`` s holding one ``sequence``
or ``choice`` of ``element`` s (or ``simpleContent`` with attributes), named
``simpleType`` s restricting strings (some with ``enumeration`` s).  This
module reads that much of a schema file (safely: no DTD, no network, no
entities) and answers, for a complex type, the position and type of each
child element, and for a simple type its code list.

Example:
    >>> model = xsd_model("pacs.008.001.08")
    >>> model.child(model.element_type("Document"), "FIToFICstmrCdtTrf")[1]
    'FIToFICustomerCreditTransferV08'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lxml import etree

from ..schemas import schema_path

__all__ = ["XsdModel", "xsd_model"]

_XS = "{http://www.w3.org/2001/XMLSchema}"


@dataclass(frozen=True, slots=True)
class XsdModel:
    """The parts of one schema the writer needs."""

    message_id: str
    elements: dict[str, str]  # global element name -> type name
    children: dict[str, dict[str, tuple[int, str]]]  # complex type -> child -> (position, type)
    enums: dict[str, frozenset[str]]  # simple type -> enumeration values

    def element_type(self, name: str) -> str:
        """The type of a global element (``Document``, ``AppHdr``); KeyError if none."""
        return self.elements[name]

    def child(self, type_name: str, name: str) -> tuple[int, str] | None:
        """(position, type) of child element ``name`` in complex type ``type_name``, or None."""
        return self.children.get(type_name, {}).get(name)

    def allows(self, type_name: str, value: str) -> bool:
        """False only when ``type_name`` is a code list without ``value``."""
        codes = self.enums.get(type_name)
        return codes is None or value in codes


@functools.cache
def xsd_model(message_id: str) -> XsdModel:
    """The :class:`XsdModel` of a message's XSD (found like :func:`iso20022.schemas.load_schema`).

    Takes the message id text. Returns the model, read once per process.
    Raises :class:`~iso20022.errors.SchemaError` when no schema is installed.

    Example: ``xsd_model("pain.001.001.09").child("PaymentInstruction30", "CdtTrfTxInf")``
    """
    path = schema_path(message_id)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(path), parser).getroot()
    elements = {e.get("name", ""): e.get("type", "") for e in root.iterfind(f"{_XS}element")}
    children: dict[str, dict[str, tuple[int, str]]] = {}
    for ctype in root.iterfind(f"{_XS}complexType"):
        found: dict[str, tuple[int, str]] = {}
        for position, element in enumerate(ctype.iter(f"{_XS}element")):
            found[element.get("name", "")] = (position, element.get("type", ""))
        children[ctype.get("name", "")] = found
    enums = {}
    for stype in root.iterfind(f"{_XS}simpleType"):
        values = [e.get("value", "") for e in stype.iter(f"{_XS}enumeration")]
        if values:
            enums[stype.get("name", "")] = frozenset(values)
    return XsdModel(message_id, elements, children, enums)
