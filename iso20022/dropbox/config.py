"""The file-drop service's configuration: one TOML file, defaults that work without it.

Every key is optional; with no file at all the service runs on embedded
defaults: the SQLite ledger ``<data_dir>/ledger.sqlite``, the file outbox
``<data_dir>/outbox/``, the routes below (:data:`DEFAULT_ROUTES`, the
example bank's rails with every interbank route on the ``file`` adapter and
the on-us / inbound routes on the ``ledger`` adapter), the ``generic`` rule
set and our BIC ``HANSDEHHXXX``.  Relative paths in the file are taken from
the file's directory; ``data_dir`` defaults to ``<drop>/data``.

Example file::

    ledger = "postgresql://bank@db/ledger"   # or a SQLite path
    routes = "routes.toml"
    rules = "sepa"
    our_bic = "HANSDEHHXXX"
    min_age = 2.0          # seconds a file must be unchanged before it is taken
    poll_interval = 1.0    # watch: seconds between scans
    instance = "dropbox-1" # this instance's name (relay leases, journal owner)
    metrics_port = 9420    # Prometheus metrics (needs prometheus_client); off by default
    workers = 2            # instances in child processes (a pool over files; default 1)
    open_timeout = 60.0    # seconds to keep trying a locked / unreachable ledger at start

    [directories]          # the drop's folders, relative to the drop (or absolute);
    inbox = "inbox"        # all on one file system (files move by rename)
    processing = "processing"
    archive = "archive"
    rejected = "rejected"
    reports = "reports"

    [limits]               # input limits (iso20022.Limits), on by default
    max_bytes = 4294967296
    max_depth = 64
    max_text_bytes = 262144
    max_prolog_bytes = 65536

    [adapters.amqp]        # needed when a route names the amqp adapter
    url = "amqp://guest:guest@127.0.0.1:5672/"
    queue_prefix = "payments."
    timeout = 10.0

Example:
    >>> cfg = load_config(None, drop="drop")
    >>> cfg.rules, cfg.ledger.endswith("ledger.sqlite")
    ('generic', True)
"""

from __future__ import annotations

import socket
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Iso20022Error
from ..limits import DEFAULT_LIMITS, Limits
from ..route import Routes
from ..validation import RULE_SETS

__all__ = ["DEFAULT_ROUTES", "FOLDERS", "AmqpSettings", "ConfigError", "DropConfig",
           "load_config"]


class ConfigError(Iso20022Error, ValueError):
    """The service's configuration file is unreadable or holds a bad value."""


_EU = ('"AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR",'
       ' "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MT", "NL", "NO", "PL",'
       ' "PT", "RO", "SE", "SI", "SK"')

DEFAULT_ROUTES = f"""
[[route]]
name = "on-us"
adapter = "ledger"
rail = "book"
format = "book"
[route.match]
creditor_agent_bic = ["HANSDEHH"]

[[route]]
name = "inbound-suspense"
adapter = "ledger"
rail = "suspense"
format = "book"
[route.match]
message_type = "pacs.008"

[[route]]
name = "rtgs-urgent"
adapter = "file"
rail = "t2-rtgs"
format = "pacs.008.001.08"
settlement_method = "CLRG"
clearing_system = "TGT"
[route.match]
currency = "EUR"
service_level = ["URGP", "SDVA"]

[[route]]
name = "rtgs-high-value"
adapter = "file"
rail = "t2-rtgs"
format = "pacs.008.001.08"
settlement_method = "CLRG"
clearing_system = "TGT"
[route.match]
currency = "EUR"
min_amount = "1000000.00"

[[route]]
name = "sepa-sct"
adapter = "file"
rail = "step2-sct"
format = "pacs.008.001.02-bulk"
settlement_method = "CLRG"
clearing_system_proprietary = "ST2"
charge_bearer = "SLEV"
max_transactions = 5000
[route.match]
currency = "EUR"
service_level = "SEPA"

[[route]]
name = "sepa-sct-by-country"
adapter = "file"
rail = "step2-sct"
format = "pacs.008.001.02-bulk"
settlement_method = "CLRG"
clearing_system_proprietary = "ST2"
charge_bearer = "SLEV"
max_transactions = 5000
[route.match]
currency = "EUR"
creditor_agent_country = [{_EU}]

[default]
name = "cbpr-correspondent"
adapter = "file"
rail = "swift-cbpr"
format = "pacs.008.001.08"
settlement_method = "INDA"
instructed_agent = "CHASUS33XXX"
business_service = "swift.cbprplus.02"
charge_bearer = "SHAR"
"""
"""The embedded routes (TOML): the example bank's rails, on the file and ledger adapters."""


@dataclass(frozen=True, slots=True)
class AmqpSettings:
    """The ``[adapters.amqp]`` table: where the ``amqp`` adapter publishes."""

    url: str
    queue_prefix: str = ""
    timeout: float = 10.0


FOLDERS = ("inbox", "processing", "archive", "rejected", "reports")


@dataclass(frozen=True, slots=True)
class DropConfig:
    """The service's settings (see the module docstring for each key)."""

    drop: Path
    data_dir: Path
    ledger: str
    outbox: Path
    routes_file: Path | None = None
    rules: str = "generic"
    our_bic: str = "HANSDEHHXXX"
    min_age: float = 1.0
    poll_interval: float = 1.0
    instance: str = field(default_factory=lambda: f"dropbox@{socket.gethostname()}")
    metrics_port: int | None = None
    relay_batch: int = 50  # outbox rows per relay round (bodies of bulk files are MBs)
    workers: int = 1
    open_timeout: float = 60.0
    directories: dict[str, Path] = field(default_factory=dict)  # folder -> path (overrides)
    limits: Limits = DEFAULT_LIMITS
    amqp: AmqpSettings | None = None

    def folder(self, name: str) -> Path:
        """The path of the drop folder ``name`` (``inbox``, ``processing``, ``archive``,
        ``rejected``, ``reports``)."""
        return self.directories.get(name, self.drop / name)

    @property
    def inbox(self) -> Path:
        """Where partners drop files."""
        return self.folder("inbox")

    @property
    def processing(self) -> Path:
        """Where claimed files wait while they are processed."""
        return self.folder("processing")

    @property
    def archive(self) -> Path:
        """Accepted and partly accepted files."""
        return self.folder("archive")

    @property
    def rejected(self) -> Path:
        """Rejected files (and duplicates)."""
        return self.folder("rejected")

    @property
    def reports(self) -> Path:
        """One pain.002 / pacs.002 status report per file."""
        return self.folder("reports")

    def load_routes(self) -> Routes:
        """The routes: the configured file, else :data:`DEFAULT_ROUTES`.

        Raises: RouteConfigError.  Example: ``cfg.load_routes().by_name("sepa-sct")``
        """
        if self.routes_file is not None:
            routes = Routes.load(self.routes_file)
        else:
            routes = Routes.from_dict(tomllib.loads(DEFAULT_ROUTES))
        if self.amqp is None and any(r.adapter == "amqp" for r in routes):
            raise ConfigError(f"{self.routes_file}: a route names the amqp adapter, and the "
                              "configuration has no [adapters.amqp] url")
        return routes


_KEYS = {"data_dir", "ledger", "outbox", "routes", "rules", "our_bic", "min_age",
         "poll_interval", "instance", "metrics_port", "relay_batch", "workers",
         "open_timeout", "directories", "limits", "adapters"}
_LIMITS = ("max_bytes", "max_depth", "max_text_bytes", "max_prolog_bytes")


def load_config(path: str | Path | None, *, drop: str | Path,
                overrides: dict[str, Any] | None = None) -> DropConfig:
    """Read the service's TOML configuration (``None``: embedded defaults only).

    Takes: the file (or None), the drop directory, and ``overrides`` (keys as
    in the file, e.g. from the command line; None values are ignored).
    Returns: the configuration.  Raises: ConfigError naming the key.
    Example: ``load_config("dropbox.toml", drop="/srv/drop")``
    """
    raw: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None
        base = Path(path).resolve().parent
    raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s): {', '.join(unknown)}")

    def path_of(key: str, default: Path) -> Path:
        value = raw.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: {key} must be a path")
        p = Path(value)
        return p if p.is_absolute() else base / p

    drop_dir = Path(drop)
    data_dir = path_of("data_dir", drop_dir / "data")
    ledger = raw.get("ledger")
    if ledger is None:
        ledger = str(data_dir / "ledger.sqlite")
    elif not isinstance(ledger, str):
        raise ConfigError(f"{path}: ledger must be a SQLite path or a postgresql:// URL")
    elif "://" not in ledger and not Path(ledger).is_absolute():
        ledger = str(base / ledger)
    rules = raw.get("rules", "generic")
    if rules not in RULE_SETS:
        raise ConfigError(f"{path}: rules must be one of {', '.join(RULE_SETS)}, not {rules!r}")
    numbers: dict[str, Any] = {}
    for key, kind in (("min_age", float), ("poll_interval", float), ("relay_batch", int),
                      ("metrics_port", int), ("workers", int), ("open_timeout", float)):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{path}: {key} must be a non-negative number")
            numbers[key] = kind(value)
    extra: dict[str, Any] = {}
    for key in ("our_bic", "instance"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key]:
                raise ConfigError(f"{path}: {key} must be a non-empty string")
            extra[key] = raw[key]
    if numbers.get("workers", 1) < 1:
        raise ConfigError(f"{path}: workers must be at least 1")
    routes = raw.get("routes")
    return DropConfig(drop=drop_dir, data_dir=data_dir, ledger=ledger,
                      outbox=path_of("outbox", data_dir / "outbox"),
                      routes_file=path_of("routes", Path()) if routes is not None else None,
                      rules=rules, directories=_directories(raw, path, drop_dir),
                      limits=_limits(raw, path), amqp=_amqp(raw, path), **numbers, **extra)


def _table(raw: dict[str, Any], key: str, path: object, known: tuple[str, ...]
           ) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {key} must be a table ([{key}])")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [{key}]: {', '.join(unknown)}")
    return value


def _directories(raw: dict[str, Any], path: object, drop: Path) -> dict[str, Path]:
    table = _table(raw, "directories", path, FOLDERS)
    out: dict[str, Path] = {}
    for name, value in table.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: directories.{name} must be a path")
        out[name] = Path(value) if Path(value).is_absolute() else drop / value
    chosen = [out.get(name, drop / name) for name in FOLDERS]
    if len({p.resolve() for p in chosen}) != len(FOLDERS):
        raise ConfigError(f"{path}: directories must be five different folders")
    return out


def _limits(raw: dict[str, Any], path: object) -> Limits:
    table = _table(raw, "limits", path, _LIMITS)
    for name, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{path}: limits.{name} must be a whole number")
    try:
        return Limits(**table) if table else DEFAULT_LIMITS
    except ValueError as exc:
        raise ConfigError(f"{path}: limits: {exc}") from None


def _amqp(raw: dict[str, Any], path: object) -> AmqpSettings | None:
    adapters = _table(raw, "adapters", path, ("amqp",))
    if "amqp" not in adapters:
        return None
    table = _table(adapters, "amqp", path, ("url", "queue_prefix", "timeout"))
    url, prefix, timeout = table.get("url"), table.get("queue_prefix", ""), table.get(
        "timeout", 10.0)
    if not isinstance(url, str) or not url.startswith(("amqp://", "amqps://")):
        raise ConfigError(f"{path}: adapters.amqp.url must be an amqp:// URL")
    if not isinstance(prefix, str):
        raise ConfigError(f"{path}: adapters.amqp.queue_prefix must be a string")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{path}: adapters.amqp.timeout must be a positive number")
    return AmqpSettings(url=url, queue_prefix=prefix, timeout=float(timeout))
