"""Running the gateway under uvicorn: ``iso20022 serve`` and ``iso20022 gateway-key``.

The configuration file is required (``--config``): API keys live there as
sha256 hashes, and authentication is off only with ``auth = "off-local"``,
which is refused unless the server binds a loopback address.  Workers are
separate processes, each on its own ``SO_REUSEPORT`` socket (:mod:`._workers`);
each reads the configuration file named in ``ISO20022_GATEWAY_CONFIG``.  The
HTTP protocol is uvicorn's httptools one, writing each answer in one piece
(:mod:`._http`).  The access log has method, path and status only: API keys
travel in a header and are never logged.

Example:
    >>> isinstance(LOOPBACK_HOSTS, frozenset)
    True
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import Any

from starlette.applications import Starlette

from ._http import PROTOCOL
from ._workers import reuse_port_available, run_workers
from .config import SCOPES, GatewayConfig, GatewayConfigError, hash_key, new_key

__all__ = ["CONFIG_ENV", "LOOPBACK_HOSTS", "add_commands", "app_from_env", "serve"]

CONFIG_ENV = "ISO20022_GATEWAY_CONFIG"
APP = "iso20022.gateway.serve:app_from_env"
LOOPBACK_HOSTS = frozenset({"localhost"})


def _loopback_host(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_from_env() -> Starlette:
    """The app of the configuration file named by ``ISO20022_GATEWAY_CONFIG`` (uvicorn factory).

    Raises :class:`~iso20022.gateway.config.GatewayConfigError` when it is unset or bad.
    Example: ``uvicorn iso20022.gateway.serve:app_from_env --factory``
    """
    from .app import create_app

    path = os.environ.get(CONFIG_ENV)
    if not path:
        raise GatewayConfigError(f"{CONFIG_ENV} is not set: name the gateway's config file")
    return create_app(GatewayConfig.load(path))


def serve(config: str, *, host: str = "127.0.0.1", port: int = 8020, workers: int = 1,
          log_level: str = "info") -> int:
    """Serve the gateway until interrupted.

    Takes the configuration file, the address, the number of worker processes
    (more than one: each on its own ``SO_REUSEPORT`` socket, see
    :mod:`._workers`, where the platform has it; else uvicorn's shared socket).
    Returns the exit status when the server stops (1 when workers kept dying at
    start). Raises :class:`~iso20022.gateway.config.GatewayConfigError` for a
    bad configuration, or authentication off on a non-loopback address.

    Example: ``serve("gateway.toml", port=8020, workers=2)``
    """
    import uvicorn

    loaded = GatewayConfig.load(config)
    if loaded.auth_off and not _loopback_host(host):
        raise GatewayConfigError(f'{config}: auth = "off-local" serves loopback only; '
                                 f"refusing to listen on {host}")
    os.environ[CONFIG_ENV] = os.path.abspath(config)
    options: dict[str, Any] = {"factory": True, "log_level": log_level,
                               "server_header": False, "timeout_keep_alive": 5,
                               "http": PROTOCOL}
    if workers > 1 and reuse_port_available():
        return run_workers(APP, options, host=host, port=port, workers=workers)
    uvicorn.run(APP, host=host, port=port, workers=workers, **options)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise GatewayConfigError("--workers must be at least 1")
    return serve(args.config, host=args.host, port=args.port, workers=args.workers,
                 log_level=args.log_level)


def _cmd_key(args: argparse.Namespace) -> int:
    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    bad = sorted(set(scopes) - SCOPES)
    if bad or not scopes:
        raise GatewayConfigError(f"--scopes: unknown or no scope(s) {', '.join(bad)} "
                                 f"(known: {', '.join(sorted(SCOPES))})")
    key = new_key()
    print(key)
    print("# give the key above to the client; put only this in the config file:",
          file=sys.stderr)
    quoted = ", ".join(f'"{s}"' for s in scopes)
    print(f'[[gateway.keys]]\nname = "{args.name}"\nsha256 = "{hash_key(key)}"\n'
          f"scopes = [{quoted}]", file=sys.stderr)
    return 0


def add_commands(sub: Any) -> None:
    """Add ``serve`` and ``gateway-key`` to the ``iso20022`` command's subparsers."""
    p = sub.add_parser("serve", help="run the HTTP translation gateway (uvicorn)")
    p.add_argument("--config", required=True, metavar="TOML",
                   help="gateway config: limits and hashed API keys")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8020)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--log-level", default="info",
                   choices=("critical", "error", "warning", "info", "debug"))
    p.set_defaults(func=_cmd_serve)
    p = sub.add_parser("gateway-key", help="make a new API key and its config entry")
    p.add_argument("--name", required=True)
    p.add_argument("--scopes", default="translate,validate,messages",
                   help=f"comma-separated, of: {', '.join(sorted(SCOPES))}")
    p.set_defaults(func=_cmd_key)
