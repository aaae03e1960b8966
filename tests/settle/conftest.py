"""Fixtures of the settlement tests: one ledger suite over SQLite and PostgreSQL, queues.

``open_ledger`` is parametrized over SQLite (a file in the test's tmp dir) and
PostgreSQL (a fresh ``t_<random>`` schema in database ``test``, dropped
afterwards, so parallel runs never collide); ``open_ledger()`` opens a new
connection to that same ledger each call, as a restarted process would.
``amqp_queues`` gives a unique queue prefix and deletes its queues afterwards.
Deliveries are built from real parsed transfers (synthetic pacs.008 documents).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

import iso20022
from iso20022 import synth
from iso20022.keys import transfer_key
from iso20022.records import Transfer
from iso20022.settle.ledger import Ledger

from .settlekit import OpenLedger, Queues


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def ledger_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_ledger(ledger_kind: str, tmp_path: Path,
                request: pytest.FixtureRequest) -> Iterator[OpenLedger]:
    """A function opening a new connection to this test's ledger (closed afterwards)."""
    opened: list[Ledger] = []
    if ledger_kind == "sqlite":
        target, schema = str(tmp_path / "ledger.sqlite"), None
    else:
        target = request.getfixturevalue("postgres_url")
        schema = f"t_{secrets.token_hex(6)}"

    def open_() -> Ledger:
        ledger = Ledger.open(target, schema=schema)
        opened.append(ledger)
        return ledger

    yield open_
    for ledger in opened:
        ledger.close()
    if schema is not None:
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def ledger(open_ledger: OpenLedger) -> Ledger:
    return open_ledger()


@pytest.fixture(scope="session")
def transfers() -> list[Transfer]:
    """60 real transfers: three synthetic pacs.008 messages, parsed."""
    out: list[Transfer] = []
    for seed in (1, 2, 3):
        out.extend(iso20022.parse(synth.pacs008(20, seed=seed)))
    assert len({transfer_key(t) for t in out}) == len(out)
    return out


@pytest.fixture
def amqp_queues(amqp_url: str) -> Iterator[Queues]:
    queues = Queues(amqp_url)
    yield queues
    queues.delete_all()
