"""Routing: a declarative TOML file decides which rail and adapter take each transfer.

A routes file is a list of ``[[route]]`` tables, tried in order (the first whose
``match`` accepts the transfer wins), and one ``[default]`` table that takes
whatever no route matched.  A route names an adapter (``file``, ``ledger``,
``amqp``), a rail (outbox directory / queue / book), the outbound format
(``pacs.008.001.08``, ``pacs.008.001.02-bulk`` or ``book``) and the per-rail
settings the outbound builder needs (settlement method, clearing system,
instructed agent, AppHdr business service, default charge bearer, bulk size).

Match criteria (all optional; every given one must hold; lists mean "any of"):

- ``currency``: ISO 4217 codes of the amount to move (``Transfer.amount``);
- ``min_amount`` / ``max_amount``: inclusive bounds, strings or integers (a TOML
  float is refused: amounts are exact);
- ``debtor_agent_bic`` / ``creditor_agent_bic``: BIC prefixes of 4, 6, 8 or 11
  characters (``COBADEFF`` matches every branch; a BIC8 in a message counts as
  its ``XXX`` branch);
- ``debtor_agent_country`` / ``creditor_agent_country``: ISO 3166 codes, from
  the agent's BIC, else from the account's IBAN;
- ``service_level``, ``local_instrument``, ``category_purpose``: ISO codes
  (``PmtTpInf/SvcLvl/Cd``, ``LclInstrm/Cd``, ``CtgyPurp/Cd``);
- ``message_type``: a full id (``pain.001.001.09``) or a family (``pain.001``).

The file is checked on load, and every problem is a
:class:`~iso20022.errors.RouteConfigError` naming the file and the TOML key
path: TOML syntax, unknown fields, unknown adapters or formats, malformed
values, inconsistent rail settings, duplicate names, a missing ``[default]``,
and unreachable routes (one that can match nothing, or whose every transfer an
earlier route already takes).

Example:
    >>> routes = Routes.from_dict({"default": {"name": "book", "adapter": "ledger",
    ...                                        "rail": "book", "format": "book"}})
    >>> routes.default.name
    'book'
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from .errors import RouteConfigError
from .records import Account, Agent, Transfer

__all__ = [
    "ADAPTERS",
    "FORMATS",
    "SETTLEMENT_METHODS",
    "Decision",
    "Match",
    "Route",
    "Routes",
]

ADAPTERS: Final = frozenset({"file", "ledger", "amqp"})
"""Adapter names a route may use unless :meth:`Routes.load` is given others."""

FORMATS: Final = ("pacs.008.001.08", "pacs.008.001.02-bulk", "book")
"""Outbound formats: one pacs.008.001.08 with AppHdr per transfer, pacs.008.001.02 bulk
files, or on-us book postings (no message)."""

SETTLEMENT_METHODS: Final = ("INDA", "INGA", "CLRG", "COVE")
"""ISO ``SettlementMethod1Code`` values."""

CHARGE_BEARERS: Final = ("DEBT", "CRED", "SHAR", "SLEV")

_BIC_PREFIX = re.compile(r"[A-Z0-9]{4}(?:[A-Z]{2}(?:[A-Z0-9]{2}(?:[A-Z0-9]{3})?)?)?")
_BIC = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CODE = re.compile(r"[A-Za-z0-9]{1,35}")
_MESSAGE = re.compile(r"[a-z]{4}\.\d{3}(?:\.\d{3}\.\d{2})?")
_CLEARING_CODE = re.compile(r"[A-Z0-9]{1,5}")

_ROUTE_KEYS: Final = (
    "name", "adapter", "rail", "format", "settlement_method", "clearing_system",
    "clearing_system_proprietary", "instructed_agent", "business_service", "charge_bearer",
    "max_transactions", "match",
)
_SET_CRITERIA: Final = ("currency", "debtor_agent_country", "creditor_agent_country",
                        "service_level", "local_instrument", "category_purpose")
_PREFIX_CRITERIA: Final = ("debtor_agent_bic", "creditor_agent_bic", "message_type")
_MATCH_KEYS: Final = (*_SET_CRITERIA, *_PREFIX_CRITERIA, "min_amount", "max_amount")
_PATTERNS: Final[dict[str, tuple[re.Pattern[str], str]]] = {
    "currency": (_CURRENCY, "an ISO 4217 code such as EUR"),
    "debtor_agent_country": (_COUNTRY, "an ISO 3166 country code such as DE"),
    "creditor_agent_country": (_COUNTRY, "an ISO 3166 country code such as DE"),
    "service_level": (_CODE, "a code such as SEPA or URGP"),
    "local_instrument": (_CODE, "a code such as INST"),
    "category_purpose": (_CODE, "a code such as SALA"),
    "debtor_agent_bic": (_BIC_PREFIX, "a BIC or a BIC prefix of 4, 6 or 8 characters"),
    "creditor_agent_bic": (_BIC_PREFIX, "a BIC or a BIC prefix of 4, 6 or 8 characters"),
    "message_type": (_MESSAGE, "a message id such as pain.001.001.09 or a family such as "
                               "pain.001"),
}
_LABELS: Final = {
    "currency": "currency", "debtor_agent_country": "debtor agent country",
    "creditor_agent_country": "creditor agent country", "service_level": "service level",
    "local_instrument": "local instrument", "category_purpose": "category purpose",
    "debtor_agent_bic": "debtor agent BIC", "creditor_agent_bic": "creditor agent BIC",
    "message_type": "message type",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """The criteria of one route; ``None`` means "any"."""

    currency: frozenset[str] | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    debtor_agent_bic: tuple[str, ...] | None = None
    debtor_agent_country: frozenset[str] | None = None
    creditor_agent_bic: tuple[str, ...] | None = None
    creditor_agent_country: frozenset[str] | None = None
    service_level: frozenset[str] | None = None
    local_instrument: frozenset[str] | None = None
    category_purpose: frozenset[str] | None = None
    message_type: tuple[str, ...] | None = None

    def covers(self, other: Match) -> bool:
        """True when every transfer ``other`` accepts is accepted by this match too.

        Takes another match; returns a conservative answer (False when unsure).
        Example: ``Match().covers(Match(currency=frozenset({"EUR"})))`` is True.
        """
        for name in _SET_CRITERIA:
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine is not None and (theirs is None or not theirs <= mine):
                return False
        for name in _PREFIX_CRITERIA:
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine is not None and (
                theirs is None
                or not all(any(_prefix_of(q, p, name) for q in mine) for p in theirs)
            ):
                return False
        if self.min_amount is not None and (
            other.min_amount is None or other.min_amount < self.min_amount
        ):
            return False
        return not (self.max_amount is not None and (
            other.max_amount is None or other.max_amount > self.max_amount
        ))


def _prefix_of(outer: str, inner: str, name: str) -> bool:
    if name == "message_type":
        return inner == outer or inner.startswith(outer + ".")
    return inner.startswith(outer)


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One route of a routes file: where matching transfers go and how they are built."""

    name: str
    adapter: str  # "file" | "ledger" | "amqp" | another registered adapter
    rail: str  # outbox directory / queue name / book
    format: str  # one of FORMATS
    match: Match = field(default_factory=Match)
    settlement_method: str | None = None  # INDA, INGA, CLRG, COVE (pacs formats)
    clearing_system: str | None = None  # SttlmInf/ClrSys/Cd, e.g. TGT
    clearing_system_proprietary: str | None = None  # SttlmInf/ClrSys/Prtry, e.g. ST2
    instructed_agent: str | None = None  # next hop's BIC; default: the creditor agent
    business_service: str | None = None  # AppHdr BizSvc, e.g. swift.cbprplus.02
    charge_bearer: str | None = None  # ChrgBr when the transfer has none
    max_transactions: int = 10_000  # per bulk message (pacs.008.001.02-bulk)
    index: int = 0  # 1-based position in the file; 0 for the default route
    key: str = "default"  # TOML key path, e.g. route[2]

    @property
    def is_default(self) -> bool:
        """True for the ``[default]`` route."""
        return self.index == 0


@dataclass(frozen=True, slots=True)
class Decision:
    """The route chosen for one transfer; :attr:`why` says why, in one line."""

    route: Route
    transfer: Transfer

    @property
    def why(self) -> str:
        """The criteria that matched, with the transfer's values (or why the default)."""
        match = self.route.match
        if self.route.is_default:
            return "no route matched; default route"
        parts: list[str] = []
        for name in (*_SET_CRITERIA, *_PREFIX_CRITERIA):
            allowed = getattr(match, name)
            if allowed is not None:
                value = _GETTERS[name](self.transfer)
                parts.append(f"{_LABELS[name]} {value} in {_show(allowed)}")
        amount = self.transfer.amount.amount
        if match.min_amount is not None and match.max_amount is not None:
            parts.append(f"amount {amount} in [{match.min_amount}, {match.max_amount}]")
        elif match.min_amount is not None:
            parts.append(f"amount {amount} >= {match.min_amount}")
        elif match.max_amount is not None:
            parts.append(f"amount {amount} <= {match.max_amount}")
        criteria = "; ".join(parts) if parts else "matches every transfer"
        return f"{self.route.key}: {criteria}"


def _show(values: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(values)) + "]"


# -- reading a transfer -------------------------------------------------------------------


def _bic(agent: Agent | None) -> str | None:
    bic = agent.bic if agent is not None else None
    if bic is not None and len(bic) == 8:
        return bic + "XXX"
    return bic


def _country(agent: Agent | None, account: Account | None) -> str | None:
    bic = agent.bic if agent is not None else None
    if bic is not None and len(bic) >= 6:
        return bic[4:6]
    iban = account.iban if account is not None else None
    return iban[:2] if iban else None


_GETTERS: Final[dict[str, Callable[[Transfer], str | None]]] = {
    "currency": lambda t: t.amount.currency,
    "debtor_agent_country": lambda t: _country(t.debtor_agent, t.debtor_account),
    "creditor_agent_country": lambda t: _country(t.creditor_agent, t.creditor_account),
    "service_level": lambda t: t.service_level,
    "local_instrument": lambda t: t.local_instrument,
    "category_purpose": lambda t: t.category_purpose,
    "debtor_agent_bic": lambda t: _bic(t.debtor_agent),
    "creditor_agent_bic": lambda t: _bic(t.creditor_agent),
    "message_type": lambda t: t.message.message_type,
}

_Check = Callable[[Transfer], bool]


def _attr_in(name: str, allowed: frozenset[str]) -> _Check:
    return lambda t: getattr(t, name) in allowed


def _value_in(get: Callable[[Transfer], str | None], allowed: frozenset[str]) -> _Check:
    return lambda t: get(t) in allowed


def _bic_starts_with(attr: str, prefixes: tuple[str, ...]) -> _Check:
    def check(t: Transfer) -> bool:
        agent = getattr(t, attr)
        bic = agent.bic if agent is not None else None
        if bic is None:
            return False
        if len(bic) == 8:
            bic += "XXX"
        return bool(bic.startswith(prefixes))

    return check


def _message_in(patterns: tuple[str, ...]) -> _Check:
    exact = frozenset(p for p in patterns if p.count(".") == 3)
    families = tuple(p + "." for p in patterns if p.count(".") == 1)
    return lambda t: (mt := t.message.message_type) in exact or mt.startswith(families)


def _compile(match: Match) -> tuple[_Check, ...]:
    """The match as a tuple of predicates, cheapest and most selective first.

    The currency is not among them: :class:`Routes` indexes routes by currency.
    """
    checks: list[_Check] = []
    lo, hi = match.min_amount, match.max_amount
    if lo is not None and hi is not None:
        checks.append(lambda t: lo <= t.amount.amount <= hi)
    elif lo is not None:
        checks.append(lambda t: t.amount.amount >= lo)
    elif hi is not None:
        checks.append(lambda t: t.amount.amount <= hi)
    for name in ("service_level", "local_instrument", "category_purpose"):
        allowed = getattr(match, name)
        if allowed is not None:
            checks.append(_attr_in(name, allowed))
    for name in ("debtor_agent_country", "creditor_agent_country"):
        allowed = getattr(match, name)
        if allowed is not None:
            checks.append(_value_in(_GETTERS[name], allowed))
    for name, attr in (("debtor_agent_bic", "debtor_agent"),
                       ("creditor_agent_bic", "creditor_agent")):
        prefixes = getattr(match, name)
        if prefixes is not None:
            checks.append(_bic_starts_with(attr, prefixes))
    if match.message_type is not None:
        checks.append(_message_in(match.message_type))
    return tuple(checks)


# -- the routes file ----------------------------------------------------------------------


class Routes:
    """An ordered, validated set of routes with a default; first match wins.

    Build with :meth:`load` (a TOML file) or :meth:`from_dict` (the same data).
    """

    __slots__ = ("_any_currency", "_by_currency", "default", "file", "routes")

    def __init__(self, routes: Sequence[Route], default: Route, *,
                 file: str | None = None) -> None:
        self.routes: tuple[Route, ...] = tuple(routes)
        self.default = default
        self.file = file
        compiled = [(route, _compile(route.match)) for route in self.routes]
        # Candidates per currency, in file order: the routes that name the currency and
        # those that do not constrain it; any other currency gets the latter only.
        self._any_currency = tuple(c for c in compiled if c[0].match.currency is None)
        named = {ccy for route in self.routes for ccy in route.match.currency or ()}
        self._by_currency = {
            ccy: tuple(c for c in compiled
                       if c[0].match.currency is None or ccy in c[0].match.currency)
            for ccy in named
        }

    def __iter__(self) -> Iterator[Route]:
        return iter((*self.routes, self.default))

    def __len__(self) -> int:
        return len(self.routes) + 1

    def by_name(self, name: str) -> Route:
        """The route called ``name``; raises ``KeyError`` when there is none."""
        for route in self:
            if route.name == name:
                return route
        raise KeyError(name)

    def route(self, transfer: Transfer) -> Decision:
        """The decision for one transfer: the first route whose match accepts it.

        Takes a :class:`~iso20022.records.Transfer`; returns a :class:`Decision`
        (the default route when nothing matched). Raises nothing.

        Example: ``routes.route(t).route.name``.
        """
        candidates = self._by_currency.get(transfer.amount.currency, self._any_currency)
        for route, checks in candidates:
            for check in checks:
                if not check(transfer):
                    break
            else:
                return Decision(route, transfer)
        return Decision(self.default, transfer)

    @classmethod
    def load(cls, path: str | Path, *, adapters: Iterable[str] = ADAPTERS) -> Routes:
        """Read and check a routes file.

        Takes the path of a TOML file and the adapter names that exist. Returns
        the :class:`Routes`. Raises :class:`~iso20022.errors.RouteConfigError`
        (naming the file and the TOML key) for unreadable files, TOML syntax and
        every invalid, inconsistent or unreachable route.

        Example: ``Routes.load("examples/routes.toml")``.
        """
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RouteConfigError(f"cannot read routes file: {exc}", file=name) from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RouteConfigError(f"not valid TOML: {exc}", file=name) from exc
        return cls.from_dict(data, adapters=adapters, file=name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, adapters: Iterable[str] = ADAPTERS,
                  file: str | None = None) -> Routes:
        """Check routes given as data (the parsed TOML: ``{"route": [...], "default": {...}}``).

        Takes the mapping, the adapter names that exist and, for messages, the
        file it came from. Returns the :class:`Routes`. Raises
        :class:`~iso20022.errors.RouteConfigError` like :meth:`load`.

        Example: ``Routes.from_dict(tomllib.loads(text))``.
        """
        reader = _Reader(file, frozenset(adapters))
        return reader.read(data)


class _Reader:
    """Turns parsed TOML into routes, raising RouteConfigError with the key path."""

    def __init__(self, file: str | None, adapters: frozenset[str]) -> None:
        self.file = file
        self.adapters = adapters

    def fail(self, key: str, message: str) -> RouteConfigError:
        return RouteConfigError(message, file=self.file, key=key)

    def read(self, data: Mapping[str, Any]) -> Routes:
        if not isinstance(data, Mapping):
            raise self.fail("", "a routes file is a TOML document")
        for key in data:
            if key not in ("route", "default"):
                raise self.fail(str(key), "unknown field (expected [[route]] tables and one "
                                          "[default] table)")
        raw_routes = data.get("route", [])
        if not isinstance(raw_routes, list):
            raise self.fail("route", "must be an array of tables: write [[route]]")
        routes: list[Route] = []
        names: dict[str, str] = {}
        for position, raw in enumerate(raw_routes, start=1):
            route = self.route(raw, position)
            if route.name in names:
                raise self.fail(f"{route.key}.name",
                                f"duplicate route name {route.name!r} (also {names[route.name]})")
            names[route.name] = route.key
            for earlier in routes:
                if earlier.match.covers(route.match):
                    raise self.fail(route.key, f"unreachable: every transfer it matches is "
                                               f"taken by {earlier.key} above")
            routes.append(route)
        if "default" not in data:
            raise self.fail("default", "a [default] route is required (it takes every "
                                       "transfer no route matched)")
        default = self.route(data["default"], 0)
        for route in routes:
            if route.match.covers(default.match):  # an empty match takes every transfer
                raise self.fail("default", f"unreachable: {route.key} has no criteria and "
                                           "takes every transfer; make it the [default]")
        if default.name in names:
            raise self.fail("default.name", f"duplicate route name {default.name!r} "
                                            f"(also {names[default.name]})")
        return Routes(routes, default, file=self.file)

    def route(self, raw: Any, position: int) -> Route:
        key = f"route[{position}]" if position else "default"
        if not isinstance(raw, Mapping):
            raise self.fail(key, "must be a table")
        name = raw.get("name")
        if isinstance(name, str) and name and position:
            key = f"{key} {name!r}"
        for field_name in raw:
            if field_name not in _ROUTE_KEYS:
                raise self.fail(f"{key}.{field_name}", "unknown field (expected one of "
                                                       f"{', '.join(_ROUTE_KEYS)})")
        if not position and "match" in raw:
            raise self.fail(f"{key}.match", "the default route takes every transfer no route "
                                            "matched; it has no match")
        text = self._text
        name = text(raw, key, "name", required=True)
        adapter = text(raw, key, "adapter", required=True)
        if adapter not in self.adapters:
            raise self.fail(f"{key}.adapter", f"unknown adapter {adapter!r} (known: "
                                              f"{', '.join(sorted(self.adapters))})")
        rail = text(raw, key, "rail", required=True)
        fmt = text(raw, key, "format", required=True)
        if fmt not in FORMATS:
            raise self.fail(f"{key}.format", f"unknown format {fmt!r} (expected one of "
                                             f"{', '.join(FORMATS)})")
        assert name is not None and adapter is not None and rail is not None
        method = text(raw, key, "settlement_method")
        clearing = text(raw, key, "clearing_system")
        clearing_prtry = text(raw, key, "clearing_system_proprietary")
        instructed = text(raw, key, "instructed_agent")
        service = text(raw, key, "business_service")
        bearer = text(raw, key, "charge_bearer")
        max_tx = raw.get("max_transactions", 10_000)
        if isinstance(max_tx, bool) or not isinstance(max_tx, int) or not 1 <= max_tx <= 999_999:
            raise self.fail(f"{key}.max_transactions", "must be an integer from 1 to 999999")
        if fmt == "book":
            if adapter in ("file", "amqp"):
                raise self.fail(f"{key}.adapter", f"format 'book' has no message for the "
                                                  f"{adapter!r} adapter to send; use 'ledger'")
            for extra in ("settlement_method", "clearing_system", "clearing_system_proprietary",
                          "instructed_agent", "business_service", "charge_bearer"):
                if extra in raw:
                    raise self.fail(f"{key}.{extra}", "only for pacs.008 formats, not 'book'")
        else:
            if method is None:
                raise self.fail(f"{key}.settlement_method",
                                f"required for {fmt} (one of {', '.join(SETTLEMENT_METHODS)})")
            if method not in SETTLEMENT_METHODS:
                raise self.fail(f"{key}.settlement_method", f"unknown settlement method "
                                f"{method!r} (one of {', '.join(SETTLEMENT_METHODS)})")
            if method == "CLRG" and clearing is None and clearing_prtry is None:
                raise self.fail(f"{key}.clearing_system", "settlement method CLRG needs "
                                "clearing_system (a code such as TGT) or "
                                "clearing_system_proprietary (such as ST2)")
            if clearing is not None and clearing_prtry is not None:
                raise self.fail(f"{key}.clearing_system_proprietary",
                                "give clearing_system or clearing_system_proprietary, not both")
            if clearing is not None and not _CLEARING_CODE.fullmatch(clearing):
                raise self.fail(f"{key}.clearing_system", f"{clearing!r} is not a clearing "
                                "system code (1 to 5 letters or digits, e.g. TGT)")
            if instructed is not None and not _BIC.fullmatch(instructed):
                raise self.fail(f"{key}.instructed_agent", f"{instructed!r} is not a BIC")
            if bearer is not None and bearer not in CHARGE_BEARERS:
                raise self.fail(f"{key}.charge_bearer", f"unknown charge bearer {bearer!r} "
                                f"(one of {', '.join(CHARGE_BEARERS)})")
            if service is not None and fmt != "pacs.008.001.08":
                raise self.fail(f"{key}.business_service", "only for pacs.008.001.08 "
                                "(it goes into the AppHdr)")
        if "max_transactions" in raw and fmt != "pacs.008.001.02-bulk":
            raise self.fail(f"{key}.max_transactions", "only for pacs.008.001.02-bulk")
        match = self.match(raw.get("match", {}), f"{key}.match") if position else Match()
        return Route(name=name, adapter=adapter, rail=rail, format=fmt, match=match,
                     settlement_method=method, clearing_system=clearing,
                     clearing_system_proprietary=clearing_prtry, instructed_agent=instructed,
                     business_service=service, charge_bearer=bearer, max_transactions=max_tx,
                     index=position, key=key)

    def _text(self, raw: Mapping[str, Any], key: str, name: str, *,
              required: bool = False) -> str | None:
        value = raw.get(name)
        if value is None:
            if required:
                raise self.fail(f"{key}.{name}", "required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key}.{name}", "must be a non-empty string")
        if name in ("name", "rail", "business_service") and len(value) > 35:
            raise self.fail(f"{key}.{name}", "at most 35 characters")
        return value

    def match(self, raw: Any, key: str) -> Match:
        if not isinstance(raw, Mapping):
            raise self.fail(key, "must be a table: write [route.match]")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            where = f"{key}.{name}"
            if name not in _MATCH_KEYS:
                raise self.fail(where, f"unknown field (expected one of {', '.join(_MATCH_KEYS)})")
            if name in ("min_amount", "max_amount"):
                values[name] = self.amount(value, where)
                continue
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise self.fail(where, "must be a string or a list of strings")
            if not items:
                raise self.fail(where, "unreachable: an empty list matches nothing")
            pattern, expected = _PATTERNS[name]
            for item in items:
                if not pattern.fullmatch(item):
                    raise self.fail(where, f"{item!r} is not {expected}")
            values[name] = (tuple(dict.fromkeys(items)) if name in _PREFIX_CRITERIA
                            else frozenset(items))
        lo, hi = values.get("min_amount"), values.get("max_amount")
        if lo is not None and hi is not None and lo > hi:
            raise self.fail(f"{key}.max_amount", f"unreachable: max_amount {hi} is below "
                                                 f"min_amount {lo}")
        return Match(**values)

    def amount(self, value: Any, where: str) -> Decimal:
        if isinstance(value, float):
            raise self.fail(where, "write amounts as strings (\"1000000.00\") or integers: "
                                   "a TOML float is not exact")
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.fail(where, "must be an amount: a string such as \"1000.00\" or an "
                                   "integer")
        try:
            amount = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise self.fail(where, f"{value!r} is not an amount") from None
        if not amount.is_finite() or amount < 0:
            raise self.fail(where, f"{value!r} is not a non-negative amount")
        return amount
