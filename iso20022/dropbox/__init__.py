"""The file-drop service: exactly-once processing of partner files, crash-safe.

- ``load_config(path_or_None, drop=DIR)`` -> ``DropConfig`` (TOML, embedded defaults)
- ``DropService(config)``: ``run_once()``, ``watch()``, ``recover()``, ``stop()``
- ``Journal(db)``: each file's state transitions in the ledger database

The conventions partners rely on (``inbox/``, ``.part``, stable size,
``reports/``, ``archive/``, ``rejected/``) are in :mod:`iso20022.dropbox.claim`.
"""

from __future__ import annotations

from .config import DEFAULT_ROUTES, ConfigError, DropConfig, load_config
from .journal import FileRow, Journal
from .service import DropService, FileResult, RunReport

__all__ = [
    "DEFAULT_ROUTES",
    "ConfigError",
    "DropConfig",
    "DropService",
    "FileResult",
    "FileRow",
    "Journal",
    "RunReport",
    "load_config",
]
