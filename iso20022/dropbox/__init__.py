"""The file-drop service: exactly-once processing of partner files, crash-safe.

- ``load_config(path_or_None, drop=DIR)`` -> ``DropConfig`` (TOML, embedded defaults)
- ``DropService(config)``: ``run_once()``, ``watch()``, ``recover()``, ``stop()``
- ``Journal(db)``: each file's state transitions in the ledger database
- ``serve(config)`` / ``serve_workers(config, n)``: one instance, or a pool of
  ``n`` instances in child processes over the same drop (one per core)

The conventions partners rely on (``inbox/``, ``.part``, stable size,
``reports/``, ``archive/``, ``rejected/``) are in :mod:`iso20022.dropbox.claim`.
"""

from __future__ import annotations

from .config import DEFAULT_ROUTES, ConfigError, DropConfig, load_config
from .journal import FileRow, Journal
from .pool import DropboxWorkerError, serve, serve_workers
from .service import DropService, FileResult, RunReport

__all__ = [
    "DEFAULT_ROUTES",
    "ConfigError",
    "DropConfig",
    "DropService",
    "DropboxWorkerError",
    "FileResult",
    "FileRow",
    "Journal",
    "RunReport",
    "load_config",
    "serve",
    "serve_workers",
]
