"""Reconciliation: camt.053 / camt.054 statement entries matched against the ledger.

:func:`~iso20022.reconcile.match.match` is the pure, deterministic matching
engine; :func:`~iso20022.reconcile.match.load_transfers` reads the ledger side.

Example: ``match(parse_entries("camt053.xml"), load_transfers(ledger)).matched``
"""

from __future__ import annotations

from .match import (
    BalanceCheck,
    Break,
    LedgerTransfer,
    Match,
    MatchOptions,
    MatchResult,
    Return,
    check_balances,
    entry_ref,
    load_transfers,
    match,
)

__all__ = [
    "BalanceCheck",
    "Break",
    "LedgerTransfer",
    "Match",
    "MatchOptions",
    "MatchResult",
    "Return",
    "check_balances",
    "entry_ref",
    "load_transfers",
    "match",
]
