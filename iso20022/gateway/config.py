"""Gateway configuration: limits, API keys (stored hashed) and their scopes.

A TOML file, all of it optional except the keys when authentication is on::

    [gateway]
    max_body_bytes = 10485760      # 413 above this (default 10 MiB)
    request_timeout = 30.0         # seconds per request; 503 after it (default 30)
    auth = "keys"                  # "keys" (default) or "off-local" (loopback only)

    [[gateway.keys]]
    name = "erp"                   # shown in metrics and errors, never the key
    sha256 = "9f86d0818...c15d"    # hex sha256 of the key (``iso20022 serve --hash-key``)
    scopes = ["translate", "validate", "messages"]

Keys are random tokens given in the ``X-API-Key`` header; only their sha256
is stored, compared in constant time.  Scopes name endpoints: ``translate``,
``validate``, ``messages``, ``metrics``.  ``/healthz``, ``/readyz`` and the
OpenAPI document need no key.  Authentication is off only with
``auth = "off-local"``, and then the app serves loopback clients only.

Example:
    >>> cfg = GatewayConfig.from_dict({"gateway": {"auth": "off-local"}})
    >>> cfg.auth_off
    True
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..errors import Iso20022Error

__all__ = [
    "SCOPES",
    "ApiKey",
    "GatewayConfig",
    "GatewayConfigError",
    "hash_key",
    "new_key",
]

SCOPES: Final = frozenset({"translate", "validate", "messages", "metrics"})
"""The scopes a key can hold: one per guarded endpoint group."""

_DEFAULT_MAX_BODY = 10 * 1024 * 1024
_DEFAULT_TIMEOUT = 30.0
_HEX64 = re.compile(r"[0-9a-f]{64}")
_AUTH_MODES = ("keys", "off-local")


class GatewayConfigError(Iso20022Error, ValueError):
    """A gateway configuration that cannot be used (syntax, unknown key, bad value)."""


def hash_key(key: str) -> str:
    """The stored form of an API key: hex sha256 of its UTF-8 bytes.

    Takes the key as given in the header. Returns 64 hex characters. Raises nothing.
    (API keys are random 256-bit tokens, so a fast hash is enough: there is no
    password to guess.)

    Example: ``hash_key("test")[:8] == "9f86d081"``
    """
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> str:
    """A fresh random API key (43 URL-safe characters, 256 bits).

    Takes nothing. Returns the key; store only :func:`hash_key` of it. Raises nothing.
    Example: ``len(new_key()) == 43``
    """
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One configured key: a name, the sha256 of the key, and its scopes."""

    name: str
    sha256: str = field(repr=False)
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """What the gateway enforces. Build with :meth:`load` or :meth:`from_dict`."""

    max_body_bytes: int = _DEFAULT_MAX_BODY
    request_timeout: float = _DEFAULT_TIMEOUT
    auth_off: bool = False
    keys: tuple[ApiKey, ...] = ()

    @classmethod
    def load(cls, path: str | Path) -> GatewayConfig:
        """Read a TOML configuration file.

        Takes its path. Returns the configuration. Raises
        :class:`GatewayConfigError` for an unreadable file, bad TOML or a bad value.

        Example: ``GatewayConfig.load("gateway.toml")``
        """
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise GatewayConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise GatewayConfigError(f"{path}: not valid TOML: {exc}") from None
        try:
            return cls.from_dict(data)
        except GatewayConfigError as exc:
            raise GatewayConfigError(f"{path}: {exc}") from None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GatewayConfig:
        """A configuration from parsed TOML (the ``[gateway]`` table).

        Raises :class:`GatewayConfigError` for unknown keys and bad values.
        Example: ``GatewayConfig.from_dict({"gateway": {"max_body_bytes": 1024, ...}})``
        """
        unknown = set(data) - {"gateway"}
        if unknown:
            raise GatewayConfigError(f"unknown table(s): {', '.join(sorted(unknown))}")
        table = data.get("gateway", {})
        if not isinstance(table, Mapping):
            raise GatewayConfigError("[gateway] must be a table")
        allowed = {"max_body_bytes", "request_timeout", "auth", "keys"}
        unknown = set(table) - allowed
        if unknown:
            raise GatewayConfigError(f"gateway: unknown key(s): {', '.join(sorted(unknown))}")
        max_body = table.get("max_body_bytes", _DEFAULT_MAX_BODY)
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1:
            raise GatewayConfigError("gateway.max_body_bytes must be a positive integer")
        timeout = table.get("request_timeout", _DEFAULT_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise GatewayConfigError("gateway.request_timeout must be a positive number")
        auth = table.get("auth", "keys")
        if auth not in _AUTH_MODES:
            raise GatewayConfigError(f"gateway.auth must be one of {', '.join(_AUTH_MODES)}, "
                                     f"not {auth!r}")
        keys = tuple(_key(i, entry) for i, entry in enumerate(table.get("keys", []), 1))
        names = [k.name for k in keys]
        if len(set(names)) != len(names):
            raise GatewayConfigError("gateway.keys: two keys have the same name")
        if auth == "keys" and not keys:
            raise GatewayConfigError('no API keys configured: add [[gateway.keys]] or set '
                                     'auth = "off-local" for local use')
        return cls(max_body_bytes=max_body, request_timeout=float(timeout),
                   auth_off=auth == "off-local", keys=keys)

    def find_key(self, key: str) -> ApiKey | None:
        """The configured key whose hash matches ``key`` (constant-time compare), or None.

        Example: ``cfg.find_key(request.headers["x-api-key"])``
        """
        digest = hash_key(key)
        found = None
        for candidate in self.keys:
            if hmac.compare_digest(candidate.sha256, digest):
                found = candidate
        return found


def _key(number: int, entry: Any) -> ApiKey:
    where = f"gateway.keys[{number}]"
    if not isinstance(entry, Mapping):
        raise GatewayConfigError(f"{where} must be a table")
    unknown = set(entry) - {"name", "sha256", "scopes"}
    if unknown:
        raise GatewayConfigError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}"
                                 + (" (store the sha256 of a key, never the key)"
                                    if "key" in unknown else ""))
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise GatewayConfigError(f"{where}.name must be a non-empty string")
    digest = entry.get("sha256")
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest.lower()):
        raise GatewayConfigError(f"{where}.sha256 must be 64 hex characters")
    scopes = entry.get("scopes")
    if (not isinstance(scopes, list) or not scopes
            or not all(isinstance(s, str) for s in scopes)):
        raise GatewayConfigError(f"{where}.scopes must be a non-empty list of strings")
    bad = sorted(set(scopes) - SCOPES)
    if bad:
        raise GatewayConfigError(f"{where}.scopes: unknown scope(s) {', '.join(bad)} "
                                 f"(known: {', '.join(sorted(SCOPES))})")
    return ApiKey(name=name, sha256=digest.lower(), scopes=frozenset(scopes))
