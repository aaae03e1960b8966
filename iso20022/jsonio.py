"""JSON for the records: the translation layer's wire format.

The contract: orjson; field names are the records' snake_case attribute names
and never change meaning; amounts and other decimals are JSON strings holding
the exact decimal text (``"1234.50"``); dates and date-times are ISO 8601
strings; absent values (``None``, empty tuples) are omitted; nested records
are JSON objects, repeated elements JSON arrays.  ``iso20022/transfer.schema.json``
is the JSON Schema of a transfer, generated from the record definitions by
:func:`json_schema` (a test keeps the file and the code in step).

``from_json(to_json(t)) == t`` for every transfer.  Decoding is strict: an
unknown key, a missing required key or a value of the wrong form raises
:class:`RecordDecodeError`.

Example:
    >>> t = Transfer.from_json(to_json(t))  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import orjson

from .errors import Iso20022Error
from .records import Transfer, required_fields

__all__ = [
    "RecordDecodeError",
    "from_dict",
    "from_json",
    "json_schema",
    "to_dict",
    "to_json",
]

R = TypeVar("R")

_DECIMAL_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"


class RecordDecodeError(Iso20022Error, ValueError):
    """JSON that does not describe a record (unknown key, wrong type, bad value)."""


# -- encoding -----------------------------------------------------------------


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_dict(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def to_dict(record: Any) -> dict[str, Any]:
    """A record as plain JSON-ready data (decimals and dates as strings, absent omitted).

    Example: ``to_dict(Money(Decimal("1.10"), "EUR")) == {"amount": "1.10", "currency": "EUR"}``
    """
    out: dict[str, Any] = {}
    for name in _field_names(type(record)):
        value = getattr(record, name)
        if value is None or value == ():
            continue
        out[name] = _plain(value)
    return out


def to_json(record: Any) -> bytes:
    """A record as JSON bytes (orjson). Example: ``to_json(transfer)``."""
    return orjson.dumps(to_dict(record))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


# -- decoding -----------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise RecordDecodeError(f"expected a decimal string, got {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise RecordDecodeError(f"not a decimal: {value!r}") from None
    if not result.is_finite():
        raise RecordDecodeError(f"not a finite decimal: {value!r}")
    return result


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise RecordDecodeError(f"expected an ISO date string, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RecordDecodeError(f"not an ISO date: {value!r}") from None


def _datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise RecordDecodeError(f"expected an ISO date-time string, got {value!r}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise RecordDecodeError(f"not an ISO date-time: {value!r}") from None


def _exact(kind: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        # bool is an int subclass: refuse it where an int is wanted, and vice versa.
        if type(value) is not kind:
            raise RecordDecodeError(f"expected {kind.__name__}, got {value!r}")
        return value

    return convert


def _converter(tp: Any) -> Callable[[Any], Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _converter(inner)
    if origin is tuple:
        item = _converter(typing.get_args(tp)[0])

        def convert_tuple(value: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise RecordDecodeError(f"expected an array, got {value!r}")
            return tuple(item(v) for v in value)

        return convert_tuple
    if tp is Decimal:
        return _decimal
    if tp is datetime:
        return _datetime
    if tp is date:
        return _date
    if tp in (str, int, bool):
        return _exact(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        record_type: type = tp
        return lambda value: from_dict(record_type, value)
    raise TypeError(f"no JSON converter for {tp!r}")  # a record definition bug


_DECODERS: dict[type, tuple[dict[str, Callable[[Any], Any]], frozenset[str]]] = {}


def _decoder(cls: type) -> tuple[dict[str, Callable[[Any], Any]], frozenset[str]]:
    found = _DECODERS.get(cls)
    if found is None:
        found = _DECODERS[cls] = _make_decoder(cls)
    return found


def _make_decoder(cls: type) -> tuple[dict[str, Callable[[Any], Any]], frozenset[str]]:
    hints = typing.get_type_hints(cls)
    converters = {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}
    return converters, frozenset(required_fields(cls))


def from_dict(cls: type[R], data: Any) -> R:
    """Build a record of class ``cls`` from :func:`to_dict` output; strict.

    Raises :class:`RecordDecodeError`.
    Example: ``from_dict(Money, {"amount": "1", "currency": "EUR"})``
    """
    if not isinstance(data, dict):
        raise RecordDecodeError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    converters, required = _decoder(cls)
    unknown = data.keys() - converters.keys()
    if unknown:
        raise RecordDecodeError(f"{cls.__name__}: unknown field(s) {sorted(unknown)}")
    missing = required - data.keys()
    if missing:
        raise RecordDecodeError(f"{cls.__name__}: missing field(s) {sorted(missing)}")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            raise RecordDecodeError(f"{cls.__name__}.{key}: null is not allowed (omit the key)")
        try:
            kwargs[key] = converters[key](value)
        except RecordDecodeError as exc:
            raise RecordDecodeError(f"{cls.__name__}.{key}: {exc}") from None
    return cls(**kwargs)


def from_json(data: bytes | str, cls: type[R] = Transfer) -> R:  # type: ignore[assignment]
    """Decode JSON produced by :func:`to_json`. Example: ``from_json(to_json(t)) == t``."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise RecordDecodeError(f"not JSON: {exc}") from None
    return from_dict(cls, parsed)


# -- JSON Schema ----------------------------------------------------------------


def _schema_of(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _schema_of(inner, defs)
    if origin is tuple:
        items = _schema_of(typing.get_args(tp)[0], defs)
        return {"type": "array", "items": items, "minItems": 1}
    if tp is Decimal:
        return {"type": "string", "pattern": _DECIMAL_PATTERN}
    if tp is datetime:
        return {"type": "string", "format": "date-time"}
    if tp is date:
        return {"type": "string", "format": "date"}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _object_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    _, required = _decoder(cls)
    props = {f.name: _schema_of(hints[f.name], defs) for f in dataclasses.fields(cls)}
    schema: dict[str, Any] = {
        "type": "object",
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "properties": props,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = sorted(required)
    return schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a :class:`Transfer` as :func:`to_json` writes it."""
    defs: dict[str, Any] = {}
    root = _object_schema(Transfer, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:iso20022:python:transfer:1",
        "title": "Transfer",
        **root,
        "$defs": dict(sorted(defs.items())),
    }
