"""The exceptions of the package, one hierarchy under :class:`Iso20022Error`.

Parsing fails fast with a :class:`ParseError` that names the file, the line and
column, the element path (``/Document/CstmrCdtTrfInitn/PmtInf[1]/...``) and an
ISO external status reason code.  Both parser implementations (compiled and
pure Python) raise exactly these classes: they are defined here once and
imported by the Cython sources.

Example:
    >>> try:
    ...     raise ParseError("not well-formed", line=3, path="/Document")
    ... except ValueError as exc:
    ...     print(exc)
    line 3: /Document: not well-formed [FF01]
"""

from __future__ import annotations

from typing import Any

from .reasons import reason

__all__ = [
    "InvalidValueError",
    "Iso20022Error",
    "LimitExceededError",
    "OutboundBuildError",
    "ParseError",
    "ReportError",
    "RouteConfigError",
    "SchemaError",
    "SchemaIntegrityError",
    "SchemaNotFoundError",
    "SettlementError",
    "UnsafeXMLError",
    "UnsupportedMessageError",
]


class Iso20022Error(Exception):
    """Base class of every error this package raises on purpose."""


class ParseError(Iso20022Error, ValueError):
    """A document could not be read into records.

    Attributes:
        message: what is wrong, in one line.
        file: the source file name, when parsing from a path.
        line: 1-based line of the offending construct, when known.
        column: 1-based column, when known.
        path: element path such as ``/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]/IntrBkSttlmAmt``.
        code: the ISO ExternalStatusReason1Code that a status report would carry.
    """

    default_code = "FF01"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.code = code or self.default_code
        reason(self.code)  # an unknown code is a bug, caught here
        super().__init__(message)

    def where(self) -> str:
        """``file:line:column`` as far as known (empty when nothing is known)."""
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.where()
        if where and self.file is None:
            where = f"line {where}"
        prefix = f"{where}: " if where else ""
        path = f"{self.path}: " if self.path else ""
        return f"{prefix}{path}{self.message} [{self.code}]"

    def with_file(self, file: str | None) -> ParseError:
        """Return this error with ``file`` set (used when the caller knows the name)."""
        if file is not None and self.file is None:
            self.file = file
        return self

    def as_dict(self) -> dict[str, Any]:
        """The error as plain data (for JSON error bodies and logs)."""
        data: dict[str, Any] = {"error": type(self).__name__, "message": self.message}
        for key in ("file", "line", "column", "path", "code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor: make errors survive pickling (process pools, Dask).
        return (_rebuild, (type(self), self.message, self.as_dict()))


def _rebuild(cls: type[ParseError], message: str, data: dict[str, Any]) -> ParseError:
    kwargs = {k: data[k] for k in ("file", "line", "column", "path", "code") if k in data}
    return cls(message, **kwargs)


class UnsupportedMessageError(ParseError):
    """The document is XML but not a message (or version) this package reads."""


class UnsafeXMLError(ParseError):
    """The document uses a construct that is never accepted (DOCTYPE, entity declarations)."""


class LimitExceededError(ParseError):
    """A configured limit (size, depth, text length, count) was exceeded."""


class InvalidValueError(ParseError):
    """A value does not have the lexical form its field requires (amount, date, ...)."""


class SchemaError(Iso20022Error):
    """A schema could not be provided."""


class SchemaNotFoundError(SchemaError, LookupError):
    """No XSD for the requested message id in ``schemas/`` or ``ISO20022_SCHEMA_PATH``."""


class SchemaIntegrityError(SchemaError):
    """An XSD file does not match the sha256 recorded for its message id in a manifest."""


class ReportError(Iso20022Error, ValueError):
    """A status report cannot be built as asked (unknown report version, wrong family)."""


class SettlementError(Iso20022Error):
    """A settlement adapter or the ledger could not do what was asked.

    Attributes:
        retryable: True when trying again later may succeed (a broker or a
            database that is down); False when it never will (a bad route,
            an overdraft that is not allowed).
        adapter: the adapter's name, when the error comes from one.
    """

    def __init__(self, message: str, *, retryable: bool, adapter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.adapter = adapter

    def __str__(self) -> str:
        where = f"{self.adapter}: " if self.adapter else ""
        kind = "retryable" if self.retryable else "permanent"
        return f"{where}{self.message} ({kind})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_settlement, (self.message, self.retryable, self.adapter))


def _rebuild_settlement(message: str, retryable: bool, adapter: str | None) -> SettlementError:
    return SettlementError(message, retryable=retryable, adapter=adapter)


class RouteConfigError(Iso20022Error, ValueError):
    """A routes file (TOML) is not usable: syntax, unknown field or adapter, bad value,
    a route that can never be chosen, or no default route.

    Attributes:
        message: what is wrong, in one line.
        file: the routes file, when loaded from a path.
        key: the TOML key path of the offending value, e.g. ``route[2] "sepa".match.currency``.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.key = key

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.file, self.key) if p)
        return f"{where}: {self.message}" if where else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_route_config, (self.message, self.file, self.key))


def _rebuild_route_config(message: str, file: str | None, key: str | None) -> RouteConfigError:
    return RouteConfigError(message, file=file, key=key)


class OutboundBuildError(Iso20022Error, ValueError):
    """A transfer cannot become the outbound message its route asks for (a required
    party or agent is missing, the source message is not a customer initiation, ...).

    Attributes:
        message: what is wrong, in one line.
        transfer_key: :func:`iso20022.keys.transfer_key` of the transfer, when one is at fault.
        end_to_end_id: its EndToEndId, to find it in the source file.
    """

    def __init__(self, message: str, *, transfer_key: str | None = None,
                 end_to_end_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.transfer_key = transfer_key
        self.end_to_end_id = end_to_end_id

    def __str__(self) -> str:
        where = f"transfer {self.end_to_end_id!r}: " if self.end_to_end_id is not None else ""
        return f"{where}{self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_outbound, (self.message, self.transfer_key, self.end_to_end_id))


def _rebuild_outbound(message: str, transfer_key: str | None,
                      end_to_end_id: str | None) -> OutboundBuildError:
    return OutboundBuildError(message, transfer_key=transfer_key, end_to_end_id=end_to_end_id)
