"""Records -> XML for any version the parsers read, driven by the same field tables.

The parsers' tables (:mod:`iso20022.parse.tables`) say which element path
fills which record field; this writer walks them backwards: for each element
of the compiled trie it writes the record value of its target, children in
the order of the version's official XSD (:mod:`._gateway_xsd`).  Adding a
version to ``SPECS`` therefore adds it here too, with no new code.

Placement: a field the transaction table also holds (payment type, charge
bearer, ultimate debtor, agents, settlement date) is written in each
``CdtTrfTxInf``; group and payment-information fields come from the first
transfer of their block.  Consecutive pain transfers with the same payment
information (id, index, method, dates, debtor, debtor account and agent) share
one ``PmtInf``.  When two paths fill one field (``AdrTp/Cd`` or
``AdrTp/Prtry/Id``), the first whose code list admits the value is written.
A ``head.001`` AppHdr (from ``message.app_header``) wraps the Document in an
``<Envelope>``.

Input is transfers as JSON data (:func:`iso20022.jsonio.to_dict`); the output
is not validated here (the gateway validates it against the XSD and reads it
back).  Raises :class:`~iso20022.errors.OutboundBuildError` for what cannot be
written at all (no transfers, transfers of different messages, more
intermediary agents than elements, text that is not XML).

Example:
    >>> write_message([], "pacs.008.001.08")  # doctest: +SKIP
    Traceback (most recent call last):
    OutboundBuildError: no transfers to write
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson
from lxml import etree

from ..errors import OutboundBuildError
from ..msgid import MessageId
from ..parse.tables import APP_HEADER_TABLE, MessageSpec, Node, compile_table, spec_for
from ..records import MessageHeader, Transfer
from ._gateway_xsd import XsdModel, xsd_model

__all__ = ["writable", "write_message"]

_NS = "urn:iso:std:iso:20022:tech:xsd:"
_MIRRORED = frozenset(f.name for f in dataclasses.fields(MessageHeader)) & frozenset(
    f.name for f in dataclasses.fields(Transfer))
Data = Mapping[str, Any]


def writable(message_id: str) -> bool:
    """True when :func:`write_message` can write ``message_id`` (a parser table exists).

    Example: ``writable("pacs.008.001.08") is True``
    """
    mid = MessageId.parse(message_id) if _looks_like_id(message_id) else None
    return mid is not None and spec_for(mid) is not None


def _looks_like_id(text: str) -> bool:
    try:
        MessageId.parse(text)
    except ValueError:
        return False
    return True


@functools.cache
def _tries(message_id: str) -> tuple[MessageSpec, Node, Node, Node, frozenset[str]]:
    spec = spec_for(MessageId.parse(message_id))
    if spec is None:
        raise OutboundBuildError(f"{message_id} is not a message the writer knows")
    tx = compile_table(spec.transaction_table)
    return (spec, compile_table(spec.group_table), compile_table(spec.payment_table), tx,
            frozenset(_targets(tx)))


def _targets(node: Node) -> Iterator[str]:
    if node.target is not None:
        yield node.target
    yield from (t for t, _ in node.attrs.values())
    if node.group is not None:
        yield node.group
        return
    for child in node.children.values():
        yield from _targets(child)


def _get(data: Data | None, target: str) -> Any:
    value: Any = data
    for part in target.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Writer:
    """Writes one trie scope (GrpHdr, PmtInf, CdtTrfTxInf, AppHdr) in XSD order."""

    def __init__(self, model: XsdModel, skip: frozenset[str] = frozenset()) -> None:
        self.model = model
        self.skip = skip  # targets written at an inner scope instead

    def scope(self, tag: str, type_name: str, trie: Node, data: Data,
              extra: Sequence[tuple[int, etree._Element]] = ()) -> etree._Element:
        element = etree.Element(tag)
        items = sorted([*self._children(trie, type_name, data, set()), *extra],
                       key=lambda pair: pair[0])
        element.extend(e for _, e in items)
        return element

    def _children(self, node: Node, type_name: str, data: Data,
                  done: set[str]) -> Iterator[tuple[int, etree._Element]]:
        groups: dict[str, list[str]] = {}
        for name, child in node.children.items():
            if child.group is not None:
                groups.setdefault(child.group, []).append(name)
        for name, child in node.children.items():
            found = self.model.child(type_name, name)
            if found is None:
                raise OutboundBuildError(f"{self.model.message_id}: {child.path} is not in "
                                         f"the schema ({type_name})")
            position, child_type = found
            if child.group is not None:
                yield from self._group(name, child, child_type, position, data,
                                       groups[child.group])
                continue
            for element in self._element(name, child, child_type, data, done):
                yield position, element

    def _group(self, name: str, child: Node, child_type: str, position: int, data: Data,
               names: list[str]) -> Iterator[tuple[int, etree._Element]]:
        assert child.group is not None
        if child.group in self.skip:
            return
        items = _get(data, child.group) or []
        if len(names) > 1:  # IntrmyAgt1..3: the n-th item goes into the n-th element
            if len(items) > len(names):
                raise OutboundBuildError(f"{child.group}: at most {len(names)} items fit "
                                         f"({', '.join(names)}), got {len(items)}")
            items = items[names.index(name):names.index(name) + 1]
        for item in items:
            for element in self._element(name, child, child_type, item, set(), grouped=True):
                yield position, element

    def _element(self, name: str, node: Node, type_name: str, data: Data, done: set[str],
                 *, grouped: bool = False) -> Iterator[etree._Element]:
        if node.target is not None:
            if node.target in self.skip or node.target in done:
                return
            value = _get(data, node.target)
            if value is None:
                return
            values = value if node.repeat else [value]
            if node.kind == "datetime" and isinstance(value, str) and value.endswith("+00:00"):
                values = [value[:-6] + "Z"]  # head.001.001.01 wants Z; every version takes it
            if not node.repeat and not self.model.allows(type_name, _text(value)):
                return  # a choice: another path of this field takes the value
            done.add(node.target)
            for one in values:
                element = etree.Element(name)
                element.text = _text(one)
                for attr, (target, _) in node.attrs.items():
                    attr_value = _get(data, target)
                    if attr_value is not None:
                        element.set(attr, _text(attr_value))
                yield element
            return
        if not node.children:
            return
        inner = sorted(self._children(node, type_name, data, done), key=lambda p: p[0])
        if inner:
            element = etree.Element(name)
            element.extend(e for _, e in inner)
            yield element


def _same(a: Any, b: Any) -> bool:
    return orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        b, option=orjson.OPT_SORT_KEYS)


def _payment_key(transfer: Data, outer: frozenset[str]) -> bytes:
    picked = {t: _get(transfer, t) for t in sorted(outer)}
    return orjson.dumps(picked, option=orjson.OPT_SORT_KEYS)


def _blocks(transfers: Sequence[Data], outer: frozenset[str]) -> list[list[Data]]:
    blocks: list[list[Data]] = []
    last: bytes | None = None
    for transfer in transfers:
        key = _payment_key(transfer, outer)
        if key != last:
            blocks.append([])
            last = key
        blocks[-1].append(transfer)
    return blocks


def _qualify(element: etree._Element, namespace: str) -> etree._Element:
    """A copy of ``element``'s tree with every tag in ``namespace`` (the default one)."""
    nsmap: Any = {None: namespace}
    out = etree.Element(f"{{{namespace}}}{element.tag}", nsmap=nsmap)
    out.text = element.text
    for key, value in element.attrib.items():
        out.set(key, value)
    stack = [(element, out)]
    while stack:
        source, target = stack.pop()
        for child in source:
            copy = etree.SubElement(target, f"{{{namespace}}}{child.tag}")
            copy.text = child.text
            for key, value in child.attrib.items():
                copy.set(key, value)
            stack.append((child, copy))
    return out


def write_message(transfers: Sequence[Data], message_id: str) -> bytes:
    """One ``message_id`` document (in an AppHdr envelope when the records carry one).

    Takes the transfers of one message as JSON data (``to_dict``) and the
    message id to write (``pacs.008.001.08``, ``pain.001.001.09``, any version
    of ``iso20022.supported_messages()``). Returns UTF-8 XML with a
    declaration. Raises :class:`~iso20022.errors.OutboundBuildError` (see the
    module docstring) and :class:`~iso20022.errors.SchemaError` when the
    version's XSD is not installed.

    Example: ``write_message([to_dict(t) for t in parse(data)], "pacs.008.001.08")``
    """
    if not transfers:
        raise OutboundBuildError("no transfers to write")
    try:
        return _write(transfers, message_id)
    except ValueError as exc:  # lxml: text that XML cannot hold (control characters)
        raise OutboundBuildError(f"a value cannot be written as XML: {exc}") from None


def _write(transfers: Sequence[Data], message_id: str) -> bytes:
    spec, group_trie, payment_trie, tx_trie, tx_targets = _tries(message_id)
    first = transfers[0]
    for i, transfer in enumerate(transfers[1:], 2):
        if not _same(transfer.get("message"), first.get("message")):
            raise OutboundBuildError(f"transfer {i} has another message header than transfer "
                                     "1: one request writes one message")
    model = xsd_model(message_id)
    message = first.get("message") or {}
    # GrpHdr values the reader keeps on the message header too (InstgAgt, InstdAgt,
    # IntrBkSttlmDt) are written there; the transactions repeat them only when different.
    mirrored = frozenset(m for m in _MIRRORED if message.get(m) is not None
                         and any(t.split(".")[0] == m for t in _targets(group_trie)))
    writer = _Writer(model, skip=frozenset(t for t in tx_targets
                                           if t.split(".")[0] not in mirrored))
    tx_writer = _Writer(model)
    first = {**first, **{m: message[m] for m in mirrored}}
    transfers = [_without_mirrored(t, message, mirrored) for t in transfers]
    root_type = model.child(model.element_type("Document"), spec.root)
    assert root_type is not None, spec.root
    body_type = root_type[1]
    grp = model.child(body_type, "GrpHdr")
    assert grp is not None
    parts: list[tuple[int, etree._Element]] = [
        (grp[0], writer.scope("GrpHdr", grp[1], group_trie, first))]
    tx_place = model.child(body_type if spec.payment_scope is None
                           else _type_of(model, body_type, spec.payment_scope), "CdtTrfTxInf")
    assert tx_place is not None
    if spec.payment_scope is None:
        for transfer in transfers:
            parts.append((tx_place[0], tx_writer.scope("CdtTrfTxInf", tx_place[1], tx_trie,
                                                       transfer)))
    else:
        pmt = model.child(body_type, spec.payment_scope)
        assert pmt is not None
        # payment.index keeps apart two blocks that hold the same values (a repeated PmtInfId)
        outer = frozenset(_targets(payment_trie)) - tx_targets | {"payment.index"}
        for block in _blocks(transfers, outer):
            txs = [(tx_place[0], tx_writer.scope("CdtTrfTxInf", tx_place[1], tx_trie, t))
                   for t in block]
            parts.append((pmt[0], writer.scope(spec.payment_scope, pmt[1], payment_trie,
                                               block[0], txs)))
    body = etree.Element(spec.root)
    body.extend(e for _, e in sorted(parts, key=lambda p: p[0]))
    document = etree.Element("Document")
    document.append(body)
    result = _qualify(document, _NS + message_id)
    header = _get(first, "message.app_header")
    if header is not None:
        result = _envelope(header, result)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(etree.tostring(
        result, xml_declaration=False, encoding="UTF-8", pretty_print=True))


def _without_mirrored(transfer: Data, message: Data, mirrored: frozenset[str]) -> Data:
    if not any(transfer.get(m) == message[m] for m in mirrored):
        return transfer
    return {k: v for k, v in transfer.items() if not (k in mirrored and v == message[k])}


def _type_of(model: XsdModel, type_name: str, name: str) -> str:
    found = model.child(type_name, name)
    assert found is not None, name
    return found[1]


@functools.cache
def _header_trie() -> Node:
    return compile_table(APP_HEADER_TABLE)


def _envelope(header: Data, document: etree._Element) -> etree._Element:
    header_id = str(header.get("header_type") or "")
    try:
        model = xsd_model(header_id)
    except Exception as exc:
        raise OutboundBuildError(f"AppHdr {header_id!r}: no schema to write it by ({exc})") \
            from None
    apphdr = _Writer(model).scope("AppHdr", model.element_type("AppHdr"), _header_trie(),
                                  header)
    envelope = etree.Element("Envelope")
    envelope.append(_qualify(apphdr, _NS + header_id))
    envelope.append(document)
    return envelope
