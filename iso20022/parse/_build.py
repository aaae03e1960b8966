"""Values -> records: the one record builder both parser implementations call.

A parser collects, per scope (``GrpHdr``, ``PmtInf``, ``CdtTrfTxInf``), a
nested dict of already converted values keyed by record field names (the
targets of :mod:`iso20022.parse.tables`).  This module turns those dicts into
:mod:`iso20022.records`.  It is defined once, in Python, and imported by the
compiled scanner too, so both implementations build identical records.

``convert(kind, text)`` turns element text into a typed value and raises
``ValueError`` with a short reason; the parser wraps that into an
:class:`~iso20022.errors.InvalidValueError` with the path and line.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .. import _impl
from ..records import (
    AppHeader,
    MessageHeader,
    PaymentInformation,
    Source,
    Transfer,
    required_fields,
)

__all__ = [
    "MissingFieldError",
    "build_app_header",
    "build_message",
    "build_payment",
    "build_transfer",
    "convert",
    "put",
    "transfer_defaults",
]

_XML_WS = " \t\r\n"
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INT_RE = re.compile(r"[0-9]+")
_DATE_RE = re.compile(r"(-?[0-9]{4,}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")


class MissingFieldError(ValueError):
    """A required element is absent; ``field`` is the record field."""

    def __init__(self, record: str, field: str) -> None:
        self.record = record
        self.field = field
        super().__init__(f"{record}.{field} is required")


def _decimal(text: str) -> Decimal:
    value = text.strip(_XML_WS)
    if _DECIMAL_RE.fullmatch(value) is None:
        raise ValueError(f"not a decimal: {text!r}")
    return Decimal(value)


def _int(text: str) -> int:
    value = text.strip(_XML_WS)
    if _INT_RE.fullmatch(value) is None:
        raise ValueError(f"not a whole number: {text!r}")
    return int(value)


def _bool(text: str) -> bool:
    value = text.strip(_XML_WS)
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _date(text: str) -> date:
    # xs:date may carry a time zone; a calendar date does not need it and it is dropped.
    match = _DATE_RE.fullmatch(text.strip(_XML_WS))
    if match is None:
        raise ValueError(f"not a date (YYYY-MM-DD): {text!r}")
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError(f"not a valid date: {text!r}") from None


def _datetime(text: str) -> datetime:
    value = text.strip(_XML_WS)
    if len(value) < 19 or value[10] != "T":
        raise ValueError(f"not a date-time (YYYY-MM-DDThh:mm:ss): {text!r}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a valid date-time: {text!r}") from None


def _text(text: str) -> str:
    return text


CONVERTERS: dict[str, Callable[[str], Any]] = {
    "text": _text,
    "decimal": _decimal,
    "int": _int,
    "bool": _bool,
    "date": _date,
    "datetime": _datetime,
}


def convert(kind: str, text: str) -> Any:
    """Convert element text to the value of a field of ``kind``; ``ValueError`` if malformed."""
    return CONVERTERS[kind](text)


_PARTS: dict[str, tuple[tuple[str, ...], str]] = {}


def put(container: dict[str, Any], target: str, value: Any, repeat: bool) -> None:
    """Store ``value`` at dotted ``target`` inside ``container`` (append if ``repeat``)."""
    split = _PARTS.get(target)
    if split is None:
        *head, tail = target.split(".")
        split = _PARTS[target] = (tuple(head), tail)
    parents, leaf = split
    for name in parents:
        child = container.get(name)
        if child is None:
            child = container[name] = {}
        container = child
    if repeat:
        items = container.get(leaf)
        if items is None:
            container[leaf] = [value]
        else:
            items.append(value)
    else:
        container[leaf] = value


def start_group(container: dict[str, Any], target: str) -> dict[str, Any]:
    """Append a new item to the group list at dotted ``target``; return the item."""
    item: dict[str, Any] = {}
    put(container, target, item, True)
    return item


# -- dicts -> records --------------------------------------------------------------------


_Plan = tuple[dict[str, Callable[[Any], Any] | None], tuple[str, ...]]
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    """Per record class: how to turn each field's collected value, and required fields."""
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _make_plan(cls)
    return plan


def _make_plan(cls: type) -> _Plan:
    hints = typing.get_type_hints(cls)
    steps = {f.name: _step(hints[f.name]) for f in dataclasses.fields(cls)}
    return steps, required_fields(cls)


def _step(tp: Any) -> Callable[[Any], Any] | None:
    """How a collected value becomes a field value; None when it already is one."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is type(int | None):
        (tp,) = [a for a in typing.get_args(tp) if a is not type(None)]
        origin = typing.get_origin(tp)
    if origin is tuple:
        item = typing.get_args(tp)[0]
        if isinstance(item, type) and dataclasses.is_dataclass(item):
            item_type: type = item
            return lambda values: tuple(build(item_type, v) for v in values)
        return tuple
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        record_type: type = tp
        return lambda value: value if isinstance(value, record_type) else build(record_type, value)
    return None


def fields_of(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Convert collected ``data`` into constructor arguments of ``cls`` (no required check)."""
    return _convert(_plan(cls)[0], data)


def _convert(steps: dict[str, Callable[[Any], Any] | None], data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        step = steps[key]
        out[key] = value if step is None else step(value)
    return out


def build(cls: type, data: dict[str, Any]) -> Any:
    """Build record ``cls`` from collected ``data``; ``MissingFieldError`` if incomplete."""
    steps, required = _plan(cls)
    for name in required:
        if name not in data:
            raise MissingFieldError(cls.__name__, name)
    return _impl.records.make(cls, _convert(steps, data))


def build_app_header(header_type: str, values: dict[str, Any]) -> AppHeader:
    """The AppHdr record from the values collected under ``AppHdr``."""
    return typing.cast(AppHeader, build(AppHeader, {"header_type": header_type, **values}))


# Transfer fields that a GrpHdr (pacs) may give for every transaction and that the
# message header keeps too.
_HEADER_ECHO = ("interbank_settlement_date", "instructing_agent", "instructed_agent")


def build_message(
    message_type: str, group: dict[str, Any], app_header: AppHeader | None
) -> MessageHeader:
    """The message header from the values collected under ``GrpHdr``."""
    data = dict(group.get("message", ()))
    data["message_type"] = message_type
    for name in _HEADER_ECHO:
        if name in group:
            data[name] = group[name]
    if app_header is not None:
        data["app_header"] = app_header
    return typing.cast(MessageHeader, build(MessageHeader, data))


def build_payment(values: dict[str, Any], index: int) -> PaymentInformation:
    """The payment information record from the values collected under ``PmtInf``."""
    data = dict(values.get("payment", ()))
    data["index"] = index
    return typing.cast(PaymentInformation, build(PaymentInformation, data))


def transfer_defaults(*scopes: dict[str, Any]) -> dict[str, Any]:
    """Transfer constructor arguments given by outer scopes (later scopes win).

    Built once per scope and shared by all its transactions.
    """
    merged: dict[str, Any] = {}
    for values in scopes:
        for key, value in values.items():
            if key not in ("message", "payment"):
                merged[key] = value
    return fields_of(Transfer, merged)


def build_transfer(
    message: MessageHeader,
    payment: PaymentInformation | None,
    defaults: dict[str, Any],
    values: dict[str, Any],
    source: Source,
) -> Transfer:
    """One transfer from its own values over the defaults of its scopes."""
    kwargs = {**defaults, **fields_of(Transfer, values)}
    kwargs["message"] = message
    if payment is not None:
        kwargs["payment"] = payment
    kwargs["source"] = source
    if "amount" not in kwargs:
        amount = (
            kwargs.get("interbank_settlement_amount")
            or kwargs.get("instructed_amount")
            or kwargs.get("equivalent_amount")
        )
        if amount is not None:
            kwargs["amount"] = amount
    for name in ("amount", "end_to_end_id"):
        if name not in kwargs:
            raise MissingFieldError("Transfer", name)
    return typing.cast(Transfer, _impl.records.make(Transfer, kwargs))
